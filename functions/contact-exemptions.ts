import { contactExemptionRequestSchema } from '../shared/api/schemas.js';
import { defaultPhoneRegion } from '../shared/platform/config.js';
import { BadRequestError } from '../shared/core/errors.js';
import { expiresOn, type Exemption } from '../shared/core/exemptions.js';
import { normalizeChannelAddress } from '../shared/core/identity.js';
import { nanpDigits } from '../shared/core/registries.js';
import { requireApiKey } from '../shared/http/api-key.js';
import { httpHandler } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { jsonBody } from '../shared/http/request.js';
import { recordExemption, registryStoreFromEnvironment } from '../shared/store/registries.js';

const registries = registryStoreFromEnvironment();

const body = contactExemptionRequestSchema;

/**
 * POST /v1/contact-exemptions: records an established business relationship (`ebr-transaction`,
 * `ebr-inquiry`) or prior express written consent (`written-consent`) for a number, with its
 * date and evidence. 201 when recorded, 200 when the same exemption was recorded before.
 */
export const handler = httpHandler(async (event) => {
  const request = jsonBody(event, body);
  const digits = nanpDigits(normalizeChannelAddress('voice', request.phone, defaultPhoneRegion()));
  if (!digits) throw new BadRequestError('The phone number is not a North American (+1) number: the Do-Not-Call lists hold only those.');
  const { phone: _phone, ...input } = request;
  const exemption: Exemption = { ...input, expiresOn: expiresOn(input), recordedAt: new Date().toISOString() };
  if (exemption.date > exemption.recordedAt.slice(0, 10)) throw new BadRequestError(`date (${exemption.date}) is in the future.`);
  const created = await recordExemption(registries, digits, exemption);
  return jsonResponse(created ? 201 : 200, { phone: `+1${digits}`, ...exemption, created });
}).use(requireApiKey('contact-exemptions'));
