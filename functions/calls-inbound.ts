import { createHash } from 'node:crypto';
import type { CallAnswer } from '../shared/api/schemas.js';
import { callSlaHours, channelSlas, defaultPhoneRegion, publicBaseUrl, secrets } from '../shared/platform/config.js';
import { dialer } from '../shared/intake/calls/adapters.js';
import { configuredDispositionMap } from '../shared/intake/calls/disposition-map.js';
import { recordDisposition } from '../shared/intake/calls/record.js';
import { httpHandler } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { pathParameter, webhookRequest } from '../shared/http/request.js';
import { logger } from '../shared/platform/logger.js';
import { storeFromEnvironment } from '../shared/store/clients.js';

const store = storeFromEnvironment();

/**
 * POST /webhooks/calls/{dialer}: a call disposition. The caller is verified before the body is
 * read; the answer is the receipt the agent sees (201 first time, 200 with the same receipt on a
 * retry; 200 for codes that ask for nothing).
 */
export const handler = httpHandler(async (event) => {
  const name = pathParameter(event, 'dialer');
  const adapter = dialer(name);
  const request = webhookRequest(event, publicBaseUrl());
  const disposition = adapter.read(request, await secrets(['DIALER_WEBHOOK_SECRETS', 'TWILIO_AUTH_TOKEN', 'TWILIO_WEBHOOK_SHARED_KEY']));
  if (!disposition) return jsonResponse(200, { outcome: 'ignored', reason: 'not a disposition event' } satisfies CallAnswer);
  const { receipt, duplicate } = await recordDisposition(store, disposition, {
    receivedAt: new Date(event.requestContext.timeEpoch),
    defaultRegion: defaultPhoneRegion(),
    map: configuredDispositionMap(),
    policy: channelSlas(),
    slaHours: callSlaHours(),
    payloadSha256: createHash('sha256').update(request.rawBody).digest('hex'),
  });
  logger.info('call disposition', { dialer: name, requestId: receipt.requestId, action: receipt.disposition.action, outcome: receipt.outcome, duplicate });
  const created = !duplicate && receipt.outcome !== 'ignored';
  return jsonResponse(created ? 201 : 200, receipt satisfies CallAnswer);
});
