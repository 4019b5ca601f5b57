import { pinnedSnsSigningCertificate, publicBaseUrl, secrets } from '../shared/platform/config.js';
import { signalFromEmailEvent, type HttpsGet } from '../shared/intake/email/events.js';
import { emailProvider } from '../shared/intake/email/providers.js';
import { fetchHttps, pinnedCertificateGet } from '../shared/intake/email/ses.js';
import { httpHandler } from '../shared/http/middleware.js';
import { pathParameter, webhookRequest } from '../shared/http/request.js';
import { logger, redact } from '../shared/platform/logger.js';
import { storeFromEnvironment, type StoreContext } from '../shared/store/clients.js';
import { recordSignal } from '../shared/record/record-signal.js';
import { replayGuardsFromEnvironment, type ReplayGuardStore } from '../shared/store/replay-guards.js';

/**
 * POST /webhooks/email/{provider}: verify the ESP, read every event, and only then write; answer
 * 200 once all of them are durable (a failure is a 5xx and the ESP retries the whole request,
 * whose events are idempotent by the provider's own ids).
 */
export function createEmailInboundHandler(dependencies: { store: StoreContext; replayGuards: ReplayGuardStore; httpsGet: HttpsGet }) {
  return httpHandler(async (event) => {
    const providerName = pathParameter(event, 'provider');
    const provider = emailProvider(providerName);
    const request = webhookRequest(event, publicBaseUrl());
    const receivedAt = new Date(event.requestContext.timeEpoch);
    const read = await provider.read(request, await secrets(provider.secrets), {
      now: receivedAt,
      store: dependencies.store,
      replayGuards: dependencies.replayGuards,
      httpsGet: dependencies.httpsGet,
    });
    const signals = read.events.map((emailEvent) => signalFromEmailEvent(emailEvent, { receivedAt, rawBody: request.rawBody }));
    for (const signal of signals) {
      const outcome = await recordSignal(dependencies.store, signal);
      logger.info('email provider event recorded', {
        provider: providerName,
        eventId: outcome.eventId,
        kind: signal.kind,
        purpose: signal.purpose,
        address: redact(signal.subject[0]!.value),
        duplicate: outcome.duplicate,
        effect: outcome.effect,
      });
    }
    await read.afterRecorded?.();
    return { statusCode: 200, headers: { 'cache-control': 'no-store' }, body: '' };
  });
}

const pinned = pinnedSnsSigningCertificate();

export const handler = createEmailInboundHandler({
  store: storeFromEnvironment(),
  replayGuards: replayGuardsFromEnvironment(),
  httpsGet: pinned ? pinnedCertificateGet(pinned, fetchHttps) : fetchHttps,
});
