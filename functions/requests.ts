import type { BatchAnswer, RecordAnswer } from '../shared/api/schemas.js';
import { assertPurpose, defaultPhoneRegion } from '../shared/platform/config.js';
import { requireApiKey } from '../shared/http/api-key.js';
import { httpHandler } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { jsonBody } from '../shared/http/request.js';
import { logger } from '../shared/platform/logger.js';
import { batchSchema, batchSummary, recordRequestBatch } from '../shared/intake/requests/batch.js';
import { requestSchema, signalFromRequest } from '../shared/intake/requests/requests.js';
import { storeFromEnvironment } from '../shared/store/clients.js';
import { recordSignal } from '../shared/record/record-signal.js';

const store = storeFromEnvironment();

/**
 * POST /v1/requests: record an opt-out or opt-in any system sends, and say what it changed.
 * POST /v1/requests/batch: up to 500 of them, answered 207 with one status per item.
 */
export const handler = httpHandler(async (event) => {
  const receivedAt = new Date(event.requestContext.timeEpoch);
  if (event.routeKey === 'POST /v1/requests/batch') {
    const batch = jsonBody(event, batchSchema);
    const results = await recordRequestBatch(store, batch.requests, { receivedAt, defaultRegion: defaultPhoneRegion() });
    const summary = batchSummary(results);
    logger.info('request batch', { items: results.length, ...summary });
    return jsonResponse(207, { summary, results } satisfies BatchAnswer);
  }
  const request = jsonBody(event, requestSchema);
  assertPurpose(request.purpose);
  const signal = signalFromRequest(request, { receivedAt, defaultRegion: defaultPhoneRegion() });
  const outcome = await recordSignal(store, signal);
  logger.info('request recorded', { eventId: outcome.eventId, personId: outcome.personId, duplicate: outcome.duplicate, effect: outcome.effect });
  return jsonResponse(outcome.duplicate ? 200 : 201, {
    eventId: outcome.eventId,
    personId: outcome.personId,
    duplicate: outcome.duplicate,
    effect: outcome.effect,
    suppressions: outcome.suppressions.map(({ channel, address, status, purposes, version }) => ({ channel, address, status, purposes, version })),
  } satisfies RecordAnswer);
}).use(requireApiKey('requests'));
