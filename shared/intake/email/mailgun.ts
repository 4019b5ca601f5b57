import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestError, ConfigurationError, InvalidSignatureError } from '../../core/errors.js';
import { keys } from '../../store/keys.js';
import { claimOnce, type ReplayGuardStore } from '../../store/replay-guards.js';
import { eventIdPart, providerEmail, providerTime, type EmailEvent, type EmailProvider } from './events.js';
import { sha256Hex } from './unsubscribe.js';

/**
 * Mailgun webhooks: JSON `{signature: {timestamp, token, signature}, "event-data": {…}}`. The
 * signature is hex HMAC-SHA256 with the Webhook Signing Key over `timestamp + token`; it does not
 * cover the body, so a signature must not be usable twice: each token is remembered (with the
 * hash of the body it came with) until its timestamp leaves the window.
 */

export const MAILGUN_TOLERANCE_SECONDS = 600;

type Json = Record<string, unknown>;
const object = (value: unknown): Json | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined);

export interface MailgunSignature {
  timestamp: string;
  token: string;
  signature: string;
}

function readBody(rawBody: string): { signature: MailgunSignature; eventData: Json | undefined } {
  let body: Json | undefined;
  try {
    body = object(JSON.parse(rawBody));
  } catch {
    throw new InvalidSignatureError('The Mailgun body is not JSON, so it carries no signature.');
  }
  const signature = object(body?.signature);
  const { timestamp, token, signature: hex } = signature ?? {};
  if (typeof timestamp !== 'string' || typeof token !== 'string' || typeof hex !== 'string') {
    throw new InvalidSignatureError('The Mailgun signature (timestamp, token, signature) is missing.');
  }
  return { signature: { timestamp, token, signature: hex }, eventData: object(body?.['event-data']) };
}

export function verifyMailgunSignature(signingKey: string, signature: MailgunSignature, now: Date, toleranceSeconds = MAILGUN_TOLERANCE_SECONDS): void {
  if (!/^\d{1,15}$/.test(signature.timestamp)) throw new InvalidSignatureError('The Mailgun timestamp is not Unix seconds.');
  if (Math.abs(now.getTime() / 1000 - Number(signature.timestamp)) > toleranceSeconds) {
    throw new InvalidSignatureError('The Mailgun timestamp is outside the replay window.', { toleranceSeconds });
  }
  if (signature.token.length < 16 || signature.token.length > 256) throw new InvalidSignatureError('The Mailgun token is malformed.');
  const expected = createHmac('sha256', signingKey)
    .update(signature.timestamp + signature.token)
    .digest();
  const given = /^[0-9a-f]{64}$/i.test(signature.signature) ? Buffer.from(signature.signature, 'hex') : undefined;
  if (!given || !timingSafeEqual(given, expected)) throw new InvalidSignatureError('The Mailgun signature does not match.');
}

/**
 * Claims the token for this body in the replay-guards table, where it expires by TTL once its
 * timestamp is outside the window. A token already used with another body, or already fully
 * processed, is a replay (403). The same token with the same body, not yet processed, is
 * Mailgun retrying a delivery we failed, and goes through (its events are idempotent).
 */
export async function claimMailgunToken(
  guards: ReplayGuardStore,
  signature: MailgunSignature,
  rawBody: string,
  toleranceSeconds = MAILGUN_TOLERANCE_SECONDS,
): Promise<() => Promise<void>> {
  const claim = await claimOnce(guards, {
    key: keys.mailgunToken(sha256Hex(signature.token)),
    bodySha256: sha256Hex(rawBody),
    // Accepted until `timestamp + tolerance` by our clock; kept as long again, a margin for
    // clocks. TTL deletes only after this passes, never before.
    expiresAt: Number(signature.timestamp) + toleranceSeconds * 2,
  });
  if (!claim) throw new InvalidSignatureError('This Mailgun signature token was already used.');
  return () => claim.markUsed();
}

/** Reads verified event-data: `unsubscribed` and `complained` are opt-outs from all marketing; others are skipped. */
export function parseMailgunEvent(eventData: Json | undefined): EmailEvent[] {
  if (!eventData) throw new BadRequestError('The Mailgun body has no event-data.');
  const type = eventData.event;
  if (type !== 'unsubscribed' && type !== 'complained') return [];
  const where = `Mailgun ${type} event`;
  if (typeof eventData.id !== 'string' || eventData.id === '') throw new BadRequestError(`${where} has no id.`);
  return [
    {
      provider: 'mailgun',
      eventId: eventIdPart(eventData.id),
      kind: 'opt-out',
      email: providerEmail(eventData.recipient, where),
      purpose: 'marketing',
      occurredAt: providerTime(eventData.timestamp, where),
      providerEvent: type,
    },
  ];
}

export const mailgun: EmailProvider = {
  secrets: ['MAILGUN_WEBHOOK_SIGNING_KEY'],
  async read(request, secrets, context) {
    const signingKey = secrets.MAILGUN_WEBHOOK_SIGNING_KEY;
    if (!signingKey) throw new ConfigurationError('MAILGUN_WEBHOOK_SIGNING_KEY is not configured, so Mailgun webhooks are refused.');
    const { signature, eventData } = readBody(request.rawBody);
    verifyMailgunSignature(signingKey, signature, context.now);
    const events = parseMailgunEvent(eventData);
    const markProcessed = await claimMailgunToken(context.replayGuards, signature, request.rawBody);
    return { events, afterRecorded: markProcessed };
  },
};
