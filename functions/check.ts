import { defaultPhoneRegion } from '../shared/config.js';
import { normalizePhone } from '../shared/addresses.js';
import { BadRequestError } from '../shared/errors.js';
import { requireApiKey } from '../shared/http/api-key.js';
import { httpHandler } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { pathParameter } from '../shared/http/request.js';
import { isChannel, type Channel } from '../shared/resources.js';
import { storeFromEnvironment } from '../shared/store/clients.js';
import { getSuppression } from '../shared/store/signals.js';

const store = storeFromEnvironment();

function normalizeAddress(channel: Channel, raw: string): string {
  if (channel === 'sms' || channel === 'voice') return normalizePhone(raw, defaultPhoneRegion());
  throw new BadRequestError(`Checks on the ${channel} channel are not available yet.`);
}

/**
 * GET /v1/suppressions/{channel}/{address}: may this address be contacted on this channel?
 * A strongly consistent read, so an opt-out acknowledged a moment ago is already seen.
 */
export const handler = httpHandler(async (event) => {
  const channel = pathParameter(event, 'channel');
  if (!isChannel(channel)) throw new BadRequestError(`Unknown channel "${channel}".`);
  const address = normalizeAddress(channel, pathParameter(event, 'address'));
  const suppression = await getSuppression(store, channel, address);
  return jsonResponse(200, {
    channel,
    address,
    suppressed: suppression?.status === 'suppressed',
    status: suppression?.status ?? 'allowed',
    since: suppression?.since ?? null,
    eventId: suppression?.eventId ?? null,
    version: suppression?.version ?? 0,
    purpose: suppression?.purpose ?? 'all',
  });
}).use(requireApiKey('check'));
