import { createHash } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js/max';
import { normalizePhone } from '../../core/addresses.js';
import { classify, type Classification, type KeywordLists } from '../../core/keywords.js';
import type { InboundSms } from './providers/types.js';
import { signalSchema, type Signal } from '../../core/signal.js';

export interface InboundContext {
  receivedAt: Date;
  defaultRegion: CountryCode;
  rawBody: string;
  keywords?: KeywordLists;
}

/**
 * How an inbound text is read. Our keywords and the provider's own opt-out detection are both
 * heard; if either says opt-out, it is an opt-out (a missed STOP is the costly mistake).
 */
export function readIntent(message: InboundSms, keywords?: KeywordLists): Classification {
  const ours = classify(message.text, keywords);
  if (ours.intent === 'opt-out') return ours;
  if (message.providerIntent === 'opt-out') return { intent: 'opt-out', match: { kind: 'provider', provider: message.provider } };
  if (ours.intent !== 'none') return ours;
  if (message.providerIntent) return { intent: message.providerIntent, match: { kind: 'provider', provider: message.provider } };
  return ours;
}

/** Provider clocks drift a little; a time later than arrival (plus this) is not believed. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * When the person acted: the provider's timestamp where it has one and it is believable,
 * otherwise arrival (Twilio sends none; the person acted moments before).
 */
function plausibleTime(reported: string | undefined, receivedAt: Date): string | undefined {
  if (!reported) return undefined;
  const at = Date.parse(reported);
  if (Number.isNaN(at) || at > receivedAt.getTime() + CLOCK_SKEW_MS) return undefined;
  return new Date(Math.min(at, receivedAt.getTime())).toISOString();
}

/** The canonical signal for an inbound text, or undefined when it asks for nothing. */
export function signalFromSms(message: InboundSms, context: InboundContext): Signal | undefined {
  const reading = readIntent(message, context.keywords);
  // An ordinary message is not ours to judge, whatever its sender looks like.
  if (reading.intent === 'none') return undefined;
  const address = normalizePhone(message.from, context.defaultRegion);
  const receivedAt = context.receivedAt.toISOString();
  const occurredAt = plausibleTime(message.occurredAt, context.receivedAt) ?? receivedAt;
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
