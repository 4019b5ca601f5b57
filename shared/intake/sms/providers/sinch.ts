import { createHmac } from 'node:crypto';
import { BadRequestError, ConfigurationError, InvalidSignatureError } from '../../../core/errors.js';
import { safeEqual, verifyBasicAuth } from '../../../http/basic-auth.js';
import type { InboundSms, SmsProvider } from './types.js';
import { type WebhookRequest, acknowledgeOk } from '../../../http/webhook.js';

/**
 * Sinch SMS REST API inbound (MO) callbacks: JSON, one message per call. Sinch configures callback
 * authentication per account on request. Two kinds are accepted here:
 *  - HMAC (SMS supports it since 2025-02): x-sinch-webhook-signature =
 *    Base64(HMAC-SHA256(secret, `${raw body}.${nonce}.${timestamp}`)), with the nonce and the
 *    timestamp (Unix seconds) in their own headers, as @sinch/sdk-client validateWebhookSignature
 *    and Sinch's Python and .NET SDKs compute it;
 *  - HTTP Basic, with the username and password provisioned on the callback URL.
 * OAuth 2.0, mTLS and SNS delivery are not supported.
 */

export const SINCH_SIGNATURE_HEADER = 'x-sinch-webhook-signature';
export const SINCH_NONCE_HEADER = 'x-sinch-webhook-signature-nonce';
export const SINCH_TIMESTAMP_HEADER = 'x-sinch-webhook-signature-timestamp';
export const SINCH_ALGORITHM_HEADER = 'x-sinch-webhook-signature-algorithm';
/**
 * The replay window either side of now. Sinch asks for "an acceptable time window" without a
 * number (its SDKs check none); five minutes, as Telnyx and Standard Webhooks use.
 */
export const SINCH_TOLERANCE_SECONDS = 300;

/** Sinch's signature over the exact body; a signer as well as what verification recomputes. */
export function sinchSignature(secret: string, rawBody: string, nonce: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${rawBody}.${nonce}.${timestamp}`, 'utf8').digest('base64');
}

/** Verifies the HMAC headers and that the signed timestamp is within the window around `now`. */
export function verifySinchSignature(secret: string, request: WebhookRequest, now: Date): void {
  const signature = request.headers[SINCH_SIGNATURE_HEADER];
  const nonce = request.headers[SINCH_NONCE_HEADER];
  const timestamp = request.headers[SINCH_TIMESTAMP_HEADER];
  const algorithm = request.headers[SINCH_ALGORITHM_HEADER];
  if (!signature) throw new InvalidSignatureError('The x-sinch-webhook-signature header is missing.');
  if (!nonce) throw new InvalidSignatureError('The x-sinch-webhook-signature-nonce header is missing.');
  if (!timestamp) throw new InvalidSignatureError('The x-sinch-webhook-signature-timestamp header is missing.');
  // "For now it's set to HmacSHA256"; another name means a signature we cannot check.
  if (algorithm !== undefined && algorithm.toLowerCase() !== 'hmacsha256') {
    throw new InvalidSignatureError(`The signature algorithm "${algorithm}" is not supported.`);
  }
  if (!/^\d{1,15}$/.test(timestamp)) throw new InvalidSignatureError('The x-sinch-webhook-signature-timestamp is not Unix seconds.');
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > SINCH_TOLERANCE_SECONDS) {
    throw new InvalidSignatureError('The x-sinch-webhook-signature-timestamp is outside the replay window.', {
      toleranceSeconds: SINCH_TOLERANCE_SECONDS,
    });
  }
  // The header is compared as Sinch's SDKs do, as the exact base64 string, but in constant time.
  if (!safeEqual(signature, sinchSignature(secret, request.rawBody, nonce, timestamp))) {
    throw new InvalidSignatureError('The x-sinch-webhook-signature does not match this request.');
  }
}

type Json = Record<string, unknown>;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Reads an authenticated callback; call only after verification. Only `mo_text` is a text message:
 * delivery reports, binary and MMS (`mo_binary`, `mo_media`) are acknowledged and yield nothing.
 * Numbers are MSISDNs without a '+' (12015555555) and are passed on as sent: normalization reads
 * them later.
 */
export function parseSinchCallback(rawBody: string): InboundSms[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    throw new BadRequestError('The Sinch callback body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadRequestError('A Sinch callback is a JSON object.');
  }
  const callback = parsed as Json;
  if (callback.type !== 'mo_text') return [];
  const messageId = text(callback.id);
  const from = text(callback.from);
  const to = text(callback.to);
  if (!messageId) throw new BadRequestError('id is missing.');
  if (!from) throw new BadRequestError('from is missing.');
  if (!to) throw new BadRequestError('to is missing.');
  const occurredAt = text(callback.received_at);
  return [
    {
      provider: 'sinch',
      messageId,
      from,
      to,
      text: typeof callback.body === 'string' ? callback.body : '',
      ...(occurredAt ? { occurredAt } : {}),
    },
  ];
}

export const sinch: SmsProvider = {
  secrets: ['SINCH_WEBHOOK_SECRET', 'SINCH_USERNAME', 'SINCH_PASSWORD'],
  read(request, secrets, now) {
    const secret = secrets.SINCH_WEBHOOK_SECRET;
    const username = secrets.SINCH_USERNAME;
    const password = secrets.SINCH_PASSWORD;
    const basic = username && password ? { username, password } : undefined;
    const signed = request.headers[SINCH_SIGNATURE_HEADER] !== undefined;
    // A signed request is judged by its signature alone: a bad one is refused, never retried as
    // Basic. An unsigned one needs Basic credentials when those are configured (a 401 asks for
    // them), and is refused as unsigned (403) when only the HMAC secret is.
    if (secret && (signed || !basic)) {
      verifySinchSignature(secret, request, now);
    } else if (basic) {
      verifyBasicAuth(request, basic, 'Sinch');
    } else {
      throw new ConfigurationError('Neither SINCH_WEBHOOK_SECRET nor both SINCH_USERNAME and SINCH_PASSWORD are configured, so Sinch callbacks are refused.');
    }
    return parseSinchCallback(request.rawBody);
  },
  // Any 2xx; Sinch retries 5xx and 429 with backoff, and does not retry other 4xx.
  acknowledge: acknowledgeOk,
};
