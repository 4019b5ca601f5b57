import { batchCheckSchema, type BatchCheckAnswer } from '../shared/api/schemas.js';
import { assertPurpose, defaultPhoneRegion } from '../shared/platform/config.js';
import { checkAddresses, summarize } from '../shared/distribution/enforcement.js';
import { BadRequestError, DependencyError } from '../shared/core/errors.js';
import { requireApiKey } from '../shared/http/api-key.js';
import { httpHandler } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { jsonBody } from '../shared/http/request.js';
import { isChannel } from '../shared/core/channels.js';
import { storeFromEnvironment } from '../shared/store/clients.js';

const store = storeFromEnvironment();

/**
 * POST /v1/suppressions/check: up to 1,000 addresses of one channel, for one purpose, answered
 * per address. Fails closed per address: one the store could not answer for is not sendable,
 * with the reason. When the store answered for none of them the whole request is a 503 (retry
 * later), still carrying the per-address answers.
 */
export const handler = httpHandler(async (event) => {
  const body = jsonBody(event, batchCheckSchema);
  if (!isChannel(body.channel)) throw new BadRequestError(`Unknown channel "${body.channel}".`);
  if (body.purpose !== undefined) assertPurpose(body.purpose);
  const results = await checkAddresses(store, body.addresses, { channel: body.channel, purpose: body.purpose, region: defaultPhoneRegion() });
  const summary = summarize(results);
  if (summary.failed > 0 && summary.failed === results.length - summary.invalid) {
    throw new DependencyError('The store did not answer; no address may be contacted.', { channel: body.channel, summary, results });
  }
  return jsonResponse(200, { channel: body.channel, purpose: body.purpose ?? null, summary, results } satisfies BatchCheckAnswer);
}).use(requireApiKey('check-batch'));
