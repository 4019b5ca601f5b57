import { defaultPhoneRegion, publicBaseUrl, secrets, smsConfirmationText, smsKeywords } from '../shared/platform/config.js';
import { httpHandler } from '../shared/http/middleware.js';
import { pathParameter, webhookRequest } from '../shared/http/request.js';
import { logger, redact } from '../shared/platform/logger.js';
import { smsProvider } from '../shared/intake/sms/providers/index.js';
import { apiConfirmations, confirmationFor, repliesByApi, type RecordedMessage } from '../shared/intake/sms/replies.js';
import { signalFromSms } from '../shared/intake/sms/inbound.js';
import { storeFromEnvironment } from '../shared/store/clients.js';
import { recordSignal } from '../shared/record/record-signal.js';

const store = storeFromEnvironment();
const confirmByApi = apiConfirmations();

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
  const recorded: RecordedMessage[] = [];
  for (const { message, signal } of heard) {
    const outcome = await recordSignal(store, signal);
    recorded.push({ message, signal, outcome });
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
  // At most one confirmation, and only for the STOP that suppressed the number (see confirmationFor).
  const confirmation = confirmationFor(recorded, smsConfirmationText());
  // Everything is durable now. Providers that cannot answer in the response get the confirmation
  // through their API; that send logs its own failures and never fails this webhook.
  if (confirmation && repliesByApi(providerName)) await confirmByApi(providerName, confirmation);
  return provider.acknowledge(confirmation);
});
