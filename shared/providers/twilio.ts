import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import { BadRequestError, InvalidSignatureError } from '../errors.js';

/**
 * Twilio Programmable Messaging inbound webhooks: form-encoded, signed with X-Twilio-Signature
 * (HMAC over the public URL followed by the sorted form parameters). Verification is Twilio's
 * own validator, which also compares in constant time.
 */

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';
export const TWILIO_SIGNATURE_SETTINGS_HEADER = 'x-twilio-webhooks-signature-settings';

export interface TwilioRequest {
  url: string;
  params: Record<string, string | string[]>;
  signature: string | undefined;
  signatureSettings?: string;
}

export function verifyTwilioSignature(authToken: string, request: TwilioRequest): void {
  if (!request.signature) throw new InvalidSignatureError('The X-Twilio-Signature header is missing.');
  const algorithm = twilioWebhooks.getSignatureAlgorithm(request.signatureSettings);
  let valid = false;
  try {
    valid = twilioWebhooks.validateRequest(authToken, request.signature, request.url, request.params, algorithm);
  } catch {
    valid = false; // an unsupported algorithm named by the caller is a failed verification
  }
  if (!valid) throw new InvalidSignatureError('The X-Twilio-Signature does not match this request.');
}

export interface InboundSms {
  provider: string;
  messageId: string;
  from: string;
  to: string;
  text: string;
  /** Advanced Opt-Out's own reading of the message, when the Messaging Service has it on. */
  providerIntent?: 'opt-out' | 'opt-in' | 'help';
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
  const providerIntent =
    optOutType === 'STOP' ? 'opt-out' : optOutType === 'START' ? 'opt-in' : optOutType === 'HELP' ? 'help' : undefined;
  return { provider: 'twilio', messageId, from, to, text: single(params, 'Body') ?? '', providerIntent };
}

/** Twilio expects TwiML back; an empty Response sends no reply. */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
