import type { ExportPageAnswer } from '../shared/api/schemas.js';
import { BadRequestError } from '../shared/core/errors.js';
import { requireApiKey } from '../shared/http/api-key.js';
import { httpHandler } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { pathParameter } from '../shared/http/request.js';
import { exportSettleMs } from '../shared/platform/config.js';
import { exportChanges } from '../shared/distribution/enforcement.js';
import { isChannel } from '../shared/core/channels.js';
import { storeFromEnvironment } from '../shared/store/clients.js';

const store = storeFromEnvironment();

/**
 * GET /v1/suppressions/{channel}[?since=CURSOR][&limit=N]: every suppression change of a channel
 * since the cursor, oldest first, in pages; without `since`, the whole channel (a snapshot) in
 * the same order, whose last cursor then continues as a delta feed.
 */
export const handler = httpHandler(async (event) => {
  const channel = pathParameter(event, 'channel');
  if (!isChannel(channel)) throw new BadRequestError(`Unknown channel "${channel}".`);
  const query = event.queryStringParameters ?? {};
  const page = await exportChanges(store, channel, { since: query.since, limit: query.limit, settleMs: exportSettleMs() });
  return jsonResponse(200, page satisfies ExportPageAnswer);
}).use(requireApiKey('suppressions-export'));
