import type { CheckAnswer } from '../shared/api/schemas.js';
import { assertPurpose, defaultPhoneRegion } from '../shared/platform/config.js';
import { BadRequestError } from '../shared/core/errors.js';
import { requireApiKey } from '../shared/http/api-key.js';
import { httpHandler } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { pathParameter } from '../shared/http/request.js';
import { normalizeChannelAddress } from '../shared/core/identity.js';
import { statusFor } from '../shared/core/preferences.js';
import { isChannel } from '../shared/core/channels.js';
import { storeFromEnvironment } from '../shared/store/clients.js';
import { getSuppression } from '../shared/store/suppressions.js';

const store = storeFromEnvironment();

/**
 * GET /v1/suppressions/{channel}/{address}[?purpose=…]: may this address be contacted on this
 * channel, for this purpose? Without a purpose the answer is the strictest one. A strongly
 * consistent read, so an opt-out acknowledged a moment ago is already seen.
 */
export const handler = httpHandler(async (event) => {
  const channel = pathParameter(event, 'channel');
  if (!isChannel(channel)) throw new BadRequestError(`Unknown channel "${channel}".`);
  const address = normalizeChannelAddress(channel, pathParameter(event, 'address'), defaultPhoneRegion());
  const purpose = event.queryStringParameters?.purpose;
  if (purpose !== undefined) assertPurpose(purpose);
  const suppression = await getSuppression(store, channel, address);
  const status = statusFor(suppression, purpose);
  return jsonResponse(200, {
    channel,
    address,
    purpose: purpose ?? null,
    suppressed: status === 'suppressed',
    status,
    purposes: suppression?.purposes ?? {},
    since: suppression?.since ?? null,
    eventId: suppression?.eventId ?? null,
    version: suppression?.version ?? 0,
  } satisfies CheckAnswer);
}).use(requireApiKey('check'));
