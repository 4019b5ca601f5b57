import type { StoreContext } from '../../store/clients.js';
import type { ReplayGuardStore } from '../../store/replay-guards.js';
import { BadRequestError } from '../../core/errors.js';
import { normalizeEmail } from '../../core/identity.js';
import { signalSchema, type Evidence, type Signal } from '../../core/signal.js';
import { isWellFormed } from '../../core/text.js';
import { actTime } from '../../core/time.js';
import type { SecretName } from '../../platform/config.js';
import type { WebhookRequest } from '../../http/webhook.js';
import { sha256Hex } from './unsubscribe.js';

/**
 * What an ESP tells us, whatever its format: an address opted out of (or back into) a purpose.
 * Each provider module verifies its caller and reads its body into these; the handler turns them
 * into signals and records them.
 */

export interface EmailEvent {
  provider: 'sendgrid' | 'mailgun' | 'postmark' | 'ses';
  /** The provider's own id for this event, so a redelivery is the same signal. */
  eventId: string;
  kind: 'opt-out' | 'opt-in';
  email: string;
  purpose: string;
  /** When the person acted, by the provider's clock. */
  occurredAt: Date;
  /** What the provider called it (spamreport, unsubscribed, SubscriptionChange …). */
  providerEvent: string;
  evidence?: Evidence;
}

/** An HTTPS GET returning the body as text: the one network seam (SNS certificates and confirmations). */
export type HttpsGet = (url: string) => Promise<string>;

export interface EmailWebhookContext {
  now: Date;
  store: StoreContext;
  /** Where single-use tokens are kept (Mailgun), apart from the record. */
  replayGuards: ReplayGuardStore;
  httpsGet: HttpsGet;
}

export interface EmailWebhookRead {
  events: EmailEvent[];
  /** Runs after every event is durably recorded (Mailgun marks its token used). */
  afterRecorded?: () => Promise<void>;
}

export interface EmailProvider {
  secrets: readonly SecretName[];
  read(request: WebhookRequest, secrets: Partial<Record<SecretName, string>>, context: EmailWebhookContext): Promise<EmailWebhookRead>;
}

/** An address from a provider body, normalized; a malformed one refuses the whole request. */
export function providerEmail(raw: unknown, where: string): string {
  if (typeof raw !== 'string' || raw === '') throw new BadRequestError(`${where} has no email address.`);
  try {
    return normalizeEmail(raw);
  } catch {
    throw new BadRequestError(`${where} has an email address that cannot be read.`);
  }
}

/** A provider timestamp (Unix seconds, possibly fractional, or ISO 8601) as a Date. */
export function providerTime(raw: unknown, where: string): Date {
  const at = typeof raw === 'number' ? new Date(raw * 1000) : typeof raw === 'string' && raw !== '' ? new Date(raw) : undefined;
  if (!at || Number.isNaN(at.getTime())) throw new BadRequestError(`${where} has no readable timestamp.`);
  return at;
}

/**
 * Event ids stay short and free of separators whatever the provider puts in them. An id with an
 * unpaired surrogate is refused: hashed as UTF-8 it would collide with every id that differs from
 * it only there.
 */
export function eventIdPart(raw: string): string {
  if (!isWellFormed(raw)) throw new BadRequestError('The event id is not well-formed Unicode (it contains an unpaired surrogate).');
  return /^[A-Za-z0-9_.:-]{1,128}$/.test(raw) ? raw : sha256Hex(raw);
}

export function signalFromEmailEvent(event: EmailEvent, context: { receivedAt: Date; rawBody: string }): Signal {
  return signalSchema.parse({
    id: `email.${event.provider}.${event.eventId}`,
    kind: event.kind,
    channels: ['email'],
    purpose: event.purpose,
    scope: 'address',
    subject: [{ type: 'email', value: event.email }],
    // An ESP's clock ahead of ours dates the act at arrival (core/time.ts actTime), never refused.
    occurredAt: actTime(event.occurredAt, context.receivedAt, 'provider'),
    receivedAt: context.receivedAt.toISOString(),
    source: { type: 'esp-event', provider: event.provider, messageId: event.eventId },
    match: { providerEvent: event.providerEvent },
    evidence: { payloadSha256: sha256Hex(context.rawBody), ...event.evidence },
  });
}
