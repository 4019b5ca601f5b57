import { defaultPhoneRegion, publicBaseUrl, secret } from '../shared/config.js';
import { ConfigurationError } from '../shared/errors.js';
import { httpHandler } from '../shared/http/middleware.js';
import { pathParameter, webhookRequest } from '../shared/http/request.js';
import { logger, redact } from '../shared/logger.js';
import { smsProvider } from '../shared/providers/index.js';
import { signalFromSms } from '../shared/sms.js';
import { storeFromEnvironment } from '../shared/store/clients.js';
import { recordSignal } from '../shared/store/people.js';

const store = storeFromEnvironment();

/** POST /webhooks/sms/{provider}: verify, read, record, and only then acknowledge. */
export const handler = httpHandler(async (event) => {
  const providerName = pathParameter(event, 'provider');
  const provider = smsProvider(providerName);
  const providerSecret = await secret(provider.secret);
  if (!providerSecret) {
    throw new ConfigurationError(`${provider.secret} is not configured, so ${providerName} webhooks are refused.`);
  }
  const request = webhookRequest(event, publicBaseUrl());
  const message = provider.read(request, providerSecret);
  const signal = signalFromSms(message, {
    receivedAt: new Date(event.requestContext.timeEpoch),
    defaultRegion: defaultPhoneRegion(),
    rawBody: request.rawBody,
  });
  if (signal) {
    const outcome = await recordSignal(store, signal);
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
  return provider.acknowledgement;
});
