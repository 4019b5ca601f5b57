import type { AckAnswer } from '../shared/api/schemas.js';
import { ackRequestSchema, normalizeAcks, recordAcks, summarize } from '../shared/audit/acks.js';
import { defaultPhoneRegion } from '../shared/platform/config.js';
import { callerOf, requireApiKey } from '../shared/http/api-key.js';
import { httpHandler } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { jsonBody } from '../shared/http/request.js';
import { logger } from '../shared/platform/logger.js';
import { storeFromEnvironment } from '../shared/store/clients.js';

const store = storeFromEnvironment();

/**
 * POST /v1/acks: an integration confirms it applied given (channel, address, version)s. One
 * result per item; unknown versions are reported per item, not refused. 200 only after every
 * ack is written; a store failure is a 503, and retrying the whole request is safe.
 */
export const handler = httpHandler(async (event) => {
  const request = jsonBody(event, ackRequestSchema);
  const targets = normalizeAcks(request, defaultPhoneRegion());
  const { keyId } = callerOf(event);
  const results = await recordAcks(store, request.integration, targets, undefined, keyId);
  const counts = summarize(results);
  logger.info('acks recorded', { integration: request.integration, keyId, ...counts });
  return jsonResponse(200, { integration: request.integration, counts, results } satisfies AckAnswer);
}).use(requireApiKey('acks'));
