import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { sendgridAsmGroupTopics } from '../../platform/config.js';
import { BadRequestError, ConfigurationError, InvalidSignatureError } from '../../core/errors.js';
import { logger } from '../../platform/logger.js';
import type { WebhookRequest } from '../../http/webhook.js';
import { eventIdPart, providerEmail, providerTime, type EmailEvent, type EmailProvider } from './events.js';

/**
 * SendGrid Event Webhook (signed): ECDSA P-256 / SHA-256 over `timestamp + raw body`, the DER
 * signature base64 in X-Twilio-Email-Event-Webhook-Signature, the key the base64 SPKI DER that
 * SendGrid shows (SENDGRID_WEBHOOK_PUBLIC_KEY). The body is a JSON array, read whole before
 * anything is written.
 */

export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';
/** SendGrid documents no window; ours is 10 minutes either side, and sg_event_id dedupes retries. */
export const SENDGRID_TOLERANCE_SECONDS = 600;

let cached: { configured: string; key: KeyObject } | undefined;

export function sendgridPublicKey(configured: string): KeyObject {
  if (cached?.configured === configured) return cached.key;
  let key: KeyObject;
  try {
    const text = configured.trim();
    key = text.startsWith('-----BEGIN') ? createPublicKey(text) : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
  } catch (error) {
    throw new ConfigurationError('SENDGRID_WEBHOOK_PUBLIC_KEY is not a base64 SPKI (or PEM) public key.', {}, error);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigurationError('SENDGRID_WEBHOOK_PUBLIC_KEY is not an ECDSA P-256 key.');
  }
  cached = { configured, key };
  return key;
}

/** Checks the signature over the exact bytes (SendGrid's end with \r\n) and the timestamp window. */
export function verifySendgridSignature(key: KeyObject, request: WebhookRequest, now: Date, toleranceSeconds = SENDGRID_TOLERANCE_SECONDS): void {
  const signature = request.headers[SENDGRID_SIGNATURE_HEADER];
  const timestamp = request.headers[SENDGRID_TIMESTAMP_HEADER];
  if (!signature || !timestamp) throw new InvalidSignatureError('The SendGrid signature or timestamp header is missing.');
  if (!/^\d{1,15}$/.test(timestamp)) throw new InvalidSignatureError('The SendGrid timestamp is not Unix seconds.');
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) {
    throw new InvalidSignatureError('The SendGrid timestamp is outside the replay window.', { toleranceSeconds });
  }
  const bytes = Buffer.from(signature, 'base64');
  let valid = false;
  try {
    valid = verify('sha256', Buffer.from(timestamp + request.rawBody, 'utf8'), key, bytes);
  } catch {
    valid = false;
  }
  if (!valid) throw new InvalidSignatureError('The SendGrid signature does not match this request.');
}

type Json = Record<string, unknown>;

/** Reads a verified body. Unsubscribes, group unsubscribes and spam reports count; every other event is acknowledged and skipped. */
export function parseSendgridEvents(rawBody: string, groupTopics: ReadonlyMap<string, string>): EmailEvent[] {
  let events: unknown;
  try {
    events = JSON.parse(rawBody);
  } catch {
    throw new BadRequestError('The SendGrid body is not valid JSON.');
  }
  if (!Array.isArray(events)) throw new BadRequestError('SendGrid events are a JSON array.');
  const read: EmailEvent[] = [];
  events.forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null) throw new BadRequestError(`SendGrid event ${index} is not an object.`);
    const event = entry as Json;
    const type = event.event;
    if (type !== 'unsubscribe' && type !== 'group_unsubscribe' && type !== 'group_resubscribe' && type !== 'spamreport') return;
    const where = `SendGrid event ${index} (${type})`;
    if (typeof event.sg_event_id !== 'string' || event.sg_event_id === '') throw new BadRequestError(`${where} has no sg_event_id.`);
    const base = {
      provider: 'sendgrid' as const,
      eventId: eventIdPart(event.sg_event_id),
      email: providerEmail(event.email, where),
      occurredAt: providerTime(event.timestamp, where),
      providerEvent: type,
    };
    if (type === 'group_unsubscribe' || type === 'group_resubscribe') {
      const group = String(event.asm_group_id ?? '');
      const topic = groupTopics.get(group);
      if (type === 'group_resubscribe') {
        // Re-allowing mail is only safe for a group we know; an unknown one is left alone.
        if (topic)
          read.push({
            ...base,
            kind: 'opt-in',
            purpose: topic,
            evidence: { collectedBy: 'sendgrid', method: 'esp-group-resubscribe', reference: `asm_group_id ${group}` },
          });
        else logger.warn('sendgrid resubscribe to an unmapped group ignored', { asmGroupId: group });
        return;
      }
      // An unmapped group still unsubscribes: from all marketing, the safe side.
      if (!topic) logger.warn('sendgrid group unsubscribe from an unmapped group: all marketing', { asmGroupId: group });
      read.push({ ...base, kind: 'opt-out', purpose: topic ?? 'marketing' });
      return;
    }
    // A global unsubscribe and a spam report both stop all marketing email to the address.
    read.push({ ...base, kind: 'opt-out', purpose: 'marketing' });
  });
  return read;
}

export const sendgrid: EmailProvider = {
  secrets: ['SENDGRID_WEBHOOK_PUBLIC_KEY'],
  async read(request, secrets, context) {
    const configured = secrets.SENDGRID_WEBHOOK_PUBLIC_KEY;
    if (!configured) throw new ConfigurationError('SENDGRID_WEBHOOK_PUBLIC_KEY is not configured, so SendGrid webhooks are refused.');
    verifySendgridSignature(sendgridPublicKey(configured), request, context.now);
    return { events: parseSendgridEvents(request.rawBody, sendgridAsmGroupTopics()) };
  },
};
