import { createHash } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js/max';
import { normalizePhone } from '../../core/addresses.js';
import { classify, type Classification, type KeywordLists } from '../../core/keywords.js';
import type { InboundSms } from './providers/types.js';
import { signalSchema, type Signal } from '../../core/signal.js';
import { keyText } from '../../core/text.js';
import { actTime } from '../../core/time.js';

export interface InboundContext {
  receivedAt: Date;
  defaultRegion: CountryCode;
  rawBody: string;
  keywords?: KeywordLists;
}

/**
 * The most of a message that is classified. Carriers deliver a concatenated SMS of at most about
 * 1,600 characters (Twilio documents 1,600 for a message body), so nothing a person typed is past
 * this; a longer body is read by its first characters rather than refused, so that a signed STOP
 * with a long tail is still a STOP, and classifying costs the same however much was posted.
 */
export const MAX_CLASSIFIED_CHARACTERS = 2048;

/**
 * A provider's message id becomes the event id `sms.{provider}.{id}` (at most 256 characters).
 * Every provider's ids are far shorter (UUIDs, 34-character SIDs); a longer one is refused with
 * a 400 rather than failing the event's validation with a 500 that the provider would retry.
 */
export const MAX_MESSAGE_ID_LENGTH = 200;

/** The first `MAX_CLASSIFIED_CHARACTERS` of a text, without splitting a surrogate pair. */
function classifiedPart(text: string): string {
  if (text.length <= MAX_CLASSIFIED_CHARACTERS) return text;
  const last = text.charCodeAt(MAX_CLASSIFIED_CHARACTERS - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? MAX_CLASSIFIED_CHARACTERS - 1 : MAX_CLASSIFIED_CHARACTERS);
}

/**
 * How an inbound text is read. Our keywords and the provider's own opt-out detection are both
 * heard; if either says opt-out, it is an opt-out (a missed STOP is the costly mistake).
 */
export function readIntent(message: InboundSms, keywords?: KeywordLists): Classification {
  const ours = classify(classifiedPart(message.text), keywords);
  if (ours.intent === 'opt-out') return ours;
  if (message.providerIntent === 'opt-out') return { intent: 'opt-out', match: { kind: 'provider', provider: message.provider } };
  if (ours.intent !== 'none') return ours;
  if (message.providerIntent) return { intent: message.providerIntent, match: { kind: 'provider', provider: message.provider } };
  return ours;
}

/** The canonical signal for an inbound text, or undefined when it asks for nothing. */
export function signalFromSms(message: InboundSms, context: InboundContext): Signal | undefined {
  keyText('messageId', message.messageId, MAX_MESSAGE_ID_LENGTH);
  const reading = readIntent(message, context.keywords);
  // An ordinary message is not ours to judge, whatever its sender looks like.
  if (reading.intent === 'none') return undefined;
  // Fields no signature covers (Plivo V2) may have been written by anyone who saw one signed
  // request: they may stop contact, never restart it. Acknowledged and recorded as nothing, so the
  // provider does not retry a message that will never be accepted.
  if (reading.intent === 'opt-in' && message.unsignedBody) return undefined;
  const address = normalizePhone(message.from, context.defaultRegion);
  const receivedAt = context.receivedAt.toISOString();
  // The provider's time where it sends one (Twilio sends none), by the one rule of core/time.ts.
  const occurredAt = actTime(message.occurredAt, context.receivedAt, 'provider');
  return signalSchema.parse({
    id: `sms.${message.provider}.${message.messageId}`,
    kind: reading.intent,
    channels: ['sms'],
    subject: [{ type: 'phone', value: address }],
    purpose: 'all',
    scope: 'address',
    occurredAt,
    receivedAt,
    source: { type: 'sms-keyword', provider: message.provider, messageId: message.messageId },
    match: reading.match,
    evidence: {
      payloadSha256: createHash('sha256').update(context.rawBody).digest('hex'),
      collectedBy: message.provider,
      method: 'sms-keyword',
    },
  });
}
