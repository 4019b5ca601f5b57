import { defaultPhoneRegion, publicBaseUrl, secrets, smsConfirmationText, smsKeywords } from '../shared/config.js';
import { httpHandler } from '../shared/http/middleware.js';
import { pathParameter, webhookRequest } from '../shared/http/request.js';
import { logger, redact } from '../shared/logger.js';
import { smsProvider, type InboundSms } from '../shared/providers/index.js';
import { signalFromSms } from '../shared/sms.js';
import { storeFromEnvironment } from '../shared/store/clients.js';
import { recordSignal } from '../shared/store/people.js';

const store = storeFromEnvironment();

/** GET|POST /webhooks/sms/{provider}: verify, read, record every message, and only then acknowledge. */
export const handler = httpHandler(async (event) => {
  const providerName = pathParameter(event, 'provider');
  const provider = smsProvider(providerName);
  const request = webhookRequest(event, publicBaseUrl());
  const receivedAt = new Date(event.requestContext.timeEpoch);
  const messages = provider.read(request, await secrets(provider.secrets), receivedAt);
  // Read every message before writing any, so a bad one in a batch writes nothing.
  const heard = messages.flatMap((message) => {
    const signal = signalFromSms(message, {
      receivedAt,
      defaultRegion: defaultPhoneRegion(),
      rawBody: request.rawBody,
      keywords: smsKeywords(),
    });
    return signal ? [{ message, signal }] : [];
  });
  let confirmed: InboundSms | undefined;
  for (const { message, signal } of heard) {
    const outcome = await recordSignal(store, signal);
    // One confirmation at most: only when this STOP is what suppressed the number, so a retry or
    // a repeated STOP never sends another.
    if (!confirmed && signal.kind === 'opt-out' && outcome.statusChanges.some((change) => change.status === 'suppressed')) {
      confirmed = message;
    }
    logger.info('sms signal recorded', {
      provider: providerName,
      eventId: outcome.eventId,
      kind: signal.kind,
      address: redact(signal.subject[0]!.value),
      personId: outcome.personId,
      duplicate: outcome.duplicate,
      effect: outcome.effect,
      versions: outcome.suppressions.map((suppression) => suppression.version),
    });
  }
  const text = smsConfirmationText();
  return provider.acknowledge(confirmed && text ? { text, message: confirmed } : undefined);
});
