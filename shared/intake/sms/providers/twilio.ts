import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import { BadRequestError, ConfigurationError, InvalidSignatureError } from '../../../core/errors.js';
import { formParams } from '../../../http/request.js';
import type { InboundSms, SmsProvider } from './types.js';
import { escapeXml } from '../../../http/webhook.js';

/**
 * Twilio Programmable Messaging inbound webhooks: form-encoded, signed with X-Twilio-Signature
 * (HMAC-SHA1 with the auth token over the public URL followed by the sorted form parameters; or
 * HMAC-SHA256 with a webhook shared key when X-Twilio-Webhooks-Signature-Settings says so).
 * Verification is Twilio's own validator, which also compares in constant time.
 */

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';
export const TWILIO_SIGNATURE_SETTINGS_HEADER = 'x-twilio-webhooks-signature-settings';

export interface TwilioRequest {
  url: string;
  params: Record<string, string | string[]>;
  signature: string | undefined;
  signatureSettings?: string;
}

export function verifyTwilioSignature(key: string, request: TwilioRequest): void {
  if (!request.signature) throw new InvalidSignatureError('The X-Twilio-Signature header is missing.');
  const algorithm = twilioWebhooks.getSignatureAlgorithm(request.signatureSettings);
  let valid = false;
  try {
    valid = twilioWebhooks.validateRequest(key, request.signature, request.url, request.params, algorithm);
  } catch {
    valid = false; // an unsupported algorithm named by the caller is a failed verification
  }
  if (!valid) throw new InvalidSignatureError('The X-Twilio-Signature does not match this request.');
}

const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;

function single(params: TwilioRequest['params'], name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Reads a verified inbound message; call only after verifyTwilioSignature. */
export function parseTwilioInbound(params: TwilioRequest['params']): InboundSms {
  const messageId = single(params, 'MessageSid') ?? single(params, 'SmsSid');
  const from = single(params, 'From');
  const to = single(params, 'To');
  if (!messageId || !MESSAGE_SID.test(messageId)) {
    throw new BadRequestError('MessageSid is missing or not a Twilio message SID.');
  }
  if (!from) throw new BadRequestError('From is missing.');
  if (!to) throw new BadRequestError('To is missing.');
  const optOutType = single(params, 'OptOutType')?.toUpperCase();
  const providerIntent = optOutType === 'STOP' ? 'opt-out' : optOutType === 'START' ? 'opt-in' : optOutType === 'HELP' ? 'help' : undefined;
  return { provider: 'twilio', messageId, from, to, text: single(params, 'Body') ?? '', providerIntent };
}

/** Twilio expects TwiML back: an empty Response sends nothing, a Message sends one reply. */
export function twiml(reply?: string): string {
  const message = reply ? `<Message>${escapeXml(reply)}</Message>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${message}</Response>`;
}

export const EMPTY_TWIML = twiml();

export const twilio: SmsProvider = {
  secrets: ['TWILIO_AUTH_TOKEN', 'TWILIO_WEBHOOK_SHARED_KEY'],
  read(request, secrets) {
    if (!request.contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new BadRequestError('Twilio webhooks are application/x-www-form-urlencoded.');
    }
    const signatureSettings = request.headers[TWILIO_SIGNATURE_SETTINGS_HEADER];
    const sharedKey = twilioWebhooks.getSignatureAlgorithm(signatureSettings).toUpperCase() === twilioWebhooks.HMAC_SHA256;
    const key = sharedKey ? secrets.TWILIO_WEBHOOK_SHARED_KEY : secrets.TWILIO_AUTH_TOKEN;
    if (!key) {
      const missing = sharedKey ? 'TWILIO_WEBHOOK_SHARED_KEY' : 'TWILIO_AUTH_TOKEN';
      throw new ConfigurationError(`${missing} is not configured, so Twilio webhooks signed this way are refused.`);
    }
    const params = formParams(request.rawBody);
    verifyTwilioSignature(key, { url: request.url, params, signature: request.headers[TWILIO_SIGNATURE_HEADER], signatureSettings });
    return [parseTwilioInbound(params)];
  },
  acknowledge: (reply) => ({ statusCode: 200, headers: { 'content-type': 'text/xml' }, body: twiml(reply?.text) }),
};
