import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { BadRequestError, ConfigurationError, InvalidSignatureError } from '../../../core/errors.js';
import type { InboundSms, SmsProvider } from './types.js';
import { type WebhookRequest, acknowledgeOk } from '../../../http/webhook.js';

/**
 * Telnyx Messaging (API v2) webhooks: JSON events, signed with Ed25519 over
 * `${telnyx-timestamp}|${raw body}`; the signature is base64 in telnyx-signature-ed25519 and the
 * key is the account's public key (Mission Control → Keys & Credentials → Public Key, base64 of
 * the raw 32 bytes). Despite Telnyx's OpenAPI calling these headers Standard-Webhooks compatible,
 * they are not: no HMAC, no webhook-id. This mirrors TelnyxWebhook#verify in the telnyx SDK
 * (7.20.0 and later; 7.19.x and earlier verified with an HMAC and rejected real events).
 */

export const TELNYX_SIGNATURE_HEADER = 'telnyx-signature-ed25519';
export const TELNYX_TIMESTAMP_HEADER = 'telnyx-timestamp';
/** The replay window either side of now; the SDK's, and Telnyx leaves the choice to us. */
export const TELNYX_TOLERANCE_SECONDS = 300;

/** DER SubjectPublicKeyInfo header for Ed25519 (RFC 8410); the raw 32-byte key follows it. */
export const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Canonical padded base64 only: what Telnyx sends, and it keeps "valid" to one spelling. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function strictBase64(value: string): Buffer | undefined {
  return value.length > 0 && BASE64.test(value) ? Buffer.from(value, 'base64') : undefined;
}

let cachedKey: { configured: string; key: KeyObject } | undefined;

/**
 * The verification key from TELNYX_PUBLIC_KEY: base64 of the raw 32-byte key as Telnyx shows it,
 * or a PEM public key. Anything else is a configuration error, so requests fail closed.
 */
export function telnyxPublicKey(configured: string): KeyObject {
  if (cachedKey?.configured === configured) return cachedKey.key;
  const text = configured.trim();
  let key: KeyObject;
  try {
    if (text.startsWith('-----BEGIN')) {
      key = createPublicKey(text);
    } else {
      const raw = strictBase64(text);
      if (raw?.length !== 32) throw new Error('not 32 bytes of base64');
      key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    }
  } catch (error) {
    throw new ConfigurationError('TELNYX_PUBLIC_KEY is neither the base64 of a 32-byte Ed25519 key nor a PEM public key.', {}, error);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ConfigurationError(`TELNYX_PUBLIC_KEY is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, not Ed25519.`);
  }
  cachedKey = { configured, key };
  return key;
}

/** Verifies the signature and that its timestamp is within the replay window around `now`. */
export function verifyTelnyxSignature(key: KeyObject, request: WebhookRequest, now: Date): void {
  const signature = request.headers[TELNYX_SIGNATURE_HEADER];
  const timestamp = request.headers[TELNYX_TIMESTAMP_HEADER];
  if (!signature) throw new InvalidSignatureError('The telnyx-signature-ed25519 header is missing.');
  if (!timestamp) throw new InvalidSignatureError('The telnyx-timestamp header is missing.');
  // Unix seconds, digits only: a signed "1e9" or " 123" would otherwise read as a number.
  if (!/^\d{1,15}$/.test(timestamp)) throw new InvalidSignatureError('The telnyx-timestamp header is not Unix seconds.');
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > TELNYX_TOLERANCE_SECONDS) {
    throw new InvalidSignatureError('The telnyx-timestamp is outside the replay window.', { toleranceSeconds: TELNYX_TOLERANCE_SECONDS });
  }
  const bytes = strictBase64(signature);
  if (bytes?.length !== 64) throw new InvalidSignatureError('The telnyx-signature-ed25519 header is not a base64 Ed25519 signature.');
  const signed = Buffer.from(`${timestamp}|${request.rawBody}`, 'utf8');
  if (!verify(null, signed, key, bytes)) {
    throw new InvalidSignatureError('The telnyx-signature-ed25519 does not match this request.');
  }
}

type Json = Record<string, unknown>;

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Reads a verified event; call only after verifyTelnyxSignature. Only an inbound
 * `message.received` is a message: status events for messages we sent (message.sent,
 * message.finalized…) are acknowledged and yield nothing.
 */
export function parseTelnyxEvent(rawBody: string): InboundSms[] {
  let event: unknown;
  try {
    event = JSON.parse(rawBody);
  } catch {
    throw new BadRequestError('The Telnyx webhook body is not valid JSON.');
  }
  const data = object(object(event)?.data);
  if (!data) throw new BadRequestError('The Telnyx webhook has no data object.');
  if (data.event_type !== 'message.received') return [];
  const payload = object(data.payload);
  if (!payload) throw new BadRequestError('The Telnyx message.received event has no payload.');
  if (payload.direction !== 'inbound') return [];
  const messageId = text(payload.id);
  const from = text(object(payload.from)?.phone_number);
  const recipients = Array.isArray(payload.to) ? payload.to : [];
  const to = text(object(recipients[0])?.phone_number);
  if (!messageId) throw new BadRequestError('data.payload.id is missing.');
  if (!from) throw new BadRequestError('data.payload.from.phone_number is missing.');
  if (!to) throw new BadRequestError('data.payload.to[0].phone_number is missing.');
  const occurredAt = text(payload.received_at) ?? text(data.occurred_at);
  return [
    {
      provider: 'telnyx',
      messageId,
      from,
      to,
      text: typeof payload.text === 'string' ? payload.text : '',
      ...(occurredAt ? { occurredAt } : {}),
    },
  ];
}

export const telnyx: SmsProvider = {
  secrets: ['TELNYX_PUBLIC_KEY'],
  read(request, secrets, now) {
    const configured = secrets.TELNYX_PUBLIC_KEY;
    if (!configured) throw new ConfigurationError('TELNYX_PUBLIC_KEY is not configured, so Telnyx webhooks are refused.');
    // No content-type check: the signature covers the exact body, and parsing it as JSON decides.
    verifyTelnyxSignature(telnyxPublicKey(configured), request, now);
    return parseTelnyxEvent(request.rawBody);
  },
  // Telnyx wants any 2xx within 2 seconds; it reads no body (replies are sent through its API).
  acknowledge: acknowledgeOk,
};
