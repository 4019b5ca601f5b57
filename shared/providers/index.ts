import type { SecretName } from '../config.js';
import { verifyTwilioSignature, parseTwilioInbound, EMPTY_TWIML, TWILIO_SIGNATURE_HEADER, TWILIO_SIGNATURE_SETTINGS_HEADER, type InboundSms } from './twilio.js';
import { formParams } from '../http/request.js';
import { BadRequestError } from '../errors.js';

/** A webhook request reduced to what signature schemes need, independent of API Gateway. */
export interface WebhookRequest {
  /** The public URL the provider called, query string included. */
  url: string;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  contentType: string;
  rawBody: string;
}

export interface Acknowledgement {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface SmsProvider {
  /** The secret that verifies this provider's requests; without it every request is refused. */
  secret: SecretName;
  /** Verifies the caller, then reads the message. Nothing of the body is trusted before the first step passes. */
  read(request: WebhookRequest, secret: string): InboundSms;
  /** What the provider expects back once the message is durably recorded. */
  acknowledgement: Acknowledgement;
}

export const smsProviders: Record<string, SmsProvider> = {
  twilio: {
    secret: 'TWILIO_AUTH_TOKEN',
    read(request, authToken) {
      if (!request.contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
        throw new BadRequestError('Twilio webhooks are application/x-www-form-urlencoded.');
      }
      const params = formParams(request.rawBody);
      verifyTwilioSignature(authToken, {
        url: request.url,
        params,
        signature: request.headers[TWILIO_SIGNATURE_HEADER],
        signatureSettings: request.headers[TWILIO_SIGNATURE_SETTINGS_HEADER],
      });
      return parseTwilioInbound(params);
    },
    acknowledgement: { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: EMPTY_TWIML },
  },
};

export function smsProvider(name: string): SmsProvider {
  const provider = Object.hasOwn(smsProviders, name) ? smsProviders[name] : undefined;
  if (!provider) {
    throw new BadRequestError(`Unknown SMS provider "${name}".`, { knownProviders: Object.keys(smsProviders) });
  }
  return provider;
}
