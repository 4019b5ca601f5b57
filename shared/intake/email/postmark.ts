import { postmarkStreamPurposes } from '../../platform/config.js';
import { BadRequestError, ConfigurationError } from '../../core/errors.js';
import { verifyBasicAuth } from '../../http/basic-auth.js';
import { eventIdPart, providerEmail, providerTime, type EmailEvent, type EmailProvider } from './events.js';
import { sha256Hex } from './unsubscribe.js';

/**
 * Postmark SubscriptionChange webhooks: one JSON event per request, authenticated only by the
 * HTTP Basic credentials put in the webhook URL (Postmark signs nothing). SuppressSending true is
 * an opt-out for the message stream's purpose, false an opt-in for it; a spam complaint stops all
 * marketing email; a hard bounce is not a person's choice and is skipped.
 */

type Json = Record<string, unknown>;

export function parsePostmarkEvent(rawBody: string, streamPurposes: ReadonlyMap<string, string>): EmailEvent[] {
  let event: unknown;
  try {
    event = JSON.parse(rawBody);
  } catch {
    throw new BadRequestError('The Postmark body is not valid JSON.');
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new BadRequestError('A Postmark webhook is one JSON object.');
  const change = event as Json;
  if (change.RecordType !== 'SubscriptionChange') return [];
  if (typeof change.SuppressSending !== 'boolean') throw new BadRequestError('The Postmark SubscriptionChange has no SuppressSending.');
  const reason = typeof change.SuppressionReason === 'string' ? change.SuppressionReason : undefined;
  if (change.SuppressSending && reason === 'HardBounce') return [];
  const where = 'Postmark SubscriptionChange';
  const email = providerEmail(change.Recipient, where);
  const changedAt = providerTime(change.ChangedAt, where);
  const stream = typeof change.MessageStream === 'string' && change.MessageStream ? change.MessageStream : 'outbound';
  const purpose = change.SuppressSending && reason === 'SpamComplaint' ? 'marketing' : (streamPurposes.get(stream) ?? 'marketing');
  // MessageID is null for suppressions made by hand; the recipient and stream stand in for it.
  const messagePart = typeof change.MessageID === 'string' && change.MessageID ? eventIdPart(change.MessageID) : sha256Hex(`${email}|${stream}`).slice(0, 32);
  return [
    {
      provider: 'postmark',
      eventId: `${messagePart}.${changedAt.toISOString()}.${change.SuppressSending ? 'suppress' : 'reactivate'}`,
      kind: change.SuppressSending ? 'opt-out' : 'opt-in',
      email,
      purpose,
      occurredAt: changedAt,
      providerEvent: `SubscriptionChange:${reason ?? (change.SuppressSending ? 'suppressed' : 'reactivated')}`,
      ...(change.SuppressSending
        ? {}
        : {
            evidence: {
              collectedBy: 'postmark',
              method: 'esp-subscription-change',
              reference: `stream ${stream}; origin ${typeof change.Origin === 'string' ? change.Origin : 'unknown'}`,
            },
          }),
    },
  ];
}

export const postmark: EmailProvider = {
  secrets: ['POSTMARK_WEBHOOK_USERNAME', 'POSTMARK_WEBHOOK_PASSWORD'],
  async read(request, secrets) {
    const username = secrets.POSTMARK_WEBHOOK_USERNAME;
    const password = secrets.POSTMARK_WEBHOOK_PASSWORD;
    if (!username || !password) {
      throw new ConfigurationError('POSTMARK_WEBHOOK_USERNAME and POSTMARK_WEBHOOK_PASSWORD must both be configured, so Postmark webhooks are refused.');
    }
    verifyBasicAuth(request, { username, password }, 'Postmark');
    return { events: parsePostmarkEvent(request.rawBody, postmarkStreamPurposes()) };
  },
};
