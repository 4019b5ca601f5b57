import { createHash } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js/max';
import { normalizePhone } from '../../core/addresses.js';
import { DependencyError } from '../../core/errors.js';
import { addressesOn, impliedSuppressions, type PersonRecord } from '../../core/preferences.js';
import { channels, type Channel } from '../../core/channels.js';
import { signalSchema, type Signal } from '../../core/signal.js';
import type { SlaPolicy } from '../../core/sla.js';
import { actTime } from '../../core/time.js';
import { recordSignal } from '../../record/record-signal.js';
import type { StoreContext } from '../../store/clients.js';
import { attachOnce, keepEvent, readEvent } from '../../store/events.js';
import { getPerson } from '../../store/people.js';
import { getSuppression } from '../../store/suppressions.js';
import { dispositionAction, normalizeCode, type DispositionMap } from './disposition-map.js';
import { deadlines, type CallReceipt } from './receipt.js';
import type { CallDisposition, DispositionAction } from './types.js';

/**
 * A verified disposition, start to finish: map its code, record what it means through the same
 * store functions as every other signal, and answer with the receipt. The event id comes from
 * the dialer's call id and the code, so a retried delivery is the same event and the same receipt.
 */

export interface DispositionContext {
  receivedAt: Date;
  defaultRegion: CountryCode;
  map: DispositionMap;
  /** The deadlines the receipt states (platform/config.ts channelSlas). */
  policy: SlaPolicy;
  slaHours: number;
  /** The clock the store records by (tests pin it). */
  now?: () => Date;
  /** SHA-256 of the raw request, kept as evidence. */
  payloadSha256?: string;
}

/** An event id is at most 256 characters (core/signal.ts). */
const MAX_EVENT_ID_LENGTH = 256;

export function callEventId(disposition: Pick<CallDisposition, 'dialer' | 'callId' | 'code'>): string {
  const hashed = createHash('sha256').update(disposition.code).digest('hex').slice(0, 16);
  const id = `call.${disposition.dialer}.${disposition.callId}.${normalizeCode(disposition.code) || hashed}`;
  // A long call id with a long code (each may be 128 characters) would not fit: the code's hash
  // stands in for it then. Ids that fit are unchanged, so redeliveries of earlier calls still match.
  return id.length <= MAX_EVENT_ID_LENGTH ? id : `call.${disposition.dialer}.${disposition.callId}.${hashed}`;
}

const channelsFor: Record<Exclude<DispositionAction, 'ignore'>, readonly Channel[]> = {
  'do-not-call': ['voice'],
  'do-not-text': ['sms'],
  'do-not-contact': channels,
  'wrong-number': ['voice', 'sms'],
};

function scopeFor(action: Exclude<DispositionAction, 'ignore'>, disposition: CallDisposition): 'address' | 'person' {
  if (action === 'do-not-contact') return 'person';
  if (action === 'wrong-number') return 'address';
  return disposition.scope ?? 'address';
}

/** The signal a mapped disposition stands for; pure, so the mapping is tested without a store. */
export function signalFromDisposition(
  disposition: CallDisposition,
  action: Exclude<DispositionAction, 'ignore'>,
  context: Pick<DispositionContext, 'receivedAt' | 'defaultRegion' | 'payloadSha256'>,
): Signal {
  const occurredAt = occurredAtOf(disposition, context.receivedAt);
  return signalSchema.parse({
    id: callEventId(disposition),
    kind: 'opt-out',
    channels: [...channelsFor[action]],
    purpose: 'all',
    scope: scopeFor(action, disposition),
    subject: [{ type: 'phone', value: normalizePhone(disposition.phone, context.defaultRegion) }],
    occurredAt,
    receivedAt: context.receivedAt.toISOString(),
    source: { type: 'call-disposition', provider: disposition.dialer, messageId: disposition.callId },
    match: { disposition: disposition.code, action },
    evidence: {
      method: 'phone-call',
      reference: `${disposition.dialer}:${disposition.callId}`,
      ...(disposition.agentId ? { collectedBy: `agent:${disposition.agentId}` } : {}),
      ...(context.payloadSha256 ? { payloadSha256: context.payloadSha256 } : {}),
    },
  });
}

/**
 * The call's time by the one rule (core/time.ts actTime): a dialer's webhook cannot be corrected
 * by whoever reads a refusal, so a time in the future is dated at arrival rather than refused and lost.
 */
function occurredAtOf(disposition: CallDisposition, receivedAt: Date): string {
  return actTime(disposition.occurredAt, receivedAt, 'provider');
}

async function storedReceipt(ctx: StoreContext, eventId: string): Promise<CallReceipt | undefined> {
  return (await readEvent(ctx, eventId))?.receipt as CallReceipt | undefined;
}

/** Keeps the first receipt: a concurrent or later writer gets the stored one back. */
async function keepReceipt(ctx: StoreContext, eventId: string, receipt: CallReceipt): Promise<CallReceipt> {
  const kept = await attachOnce(ctx, eventId, 'receipt', receipt);
  if (!kept) throw new DependencyError('The receipt could not be kept.');
  return kept;
}

/** What the pre-send check refuses now because of `signal`: from the record as the signal left it. */
function suppressedIn(record: PersonRecord, signal: Signal): CallReceipt['suppressed'] {
  const views = impliedSuppressions(record, signal.channels);
  const targets = new Set(
    signal.channels.flatMap((channel) =>
      (signal.scope === 'person' ? addressesOn(record, channel) : [signal.subject[0]!.value]).map((address) => `${channel}#${address}`),
    ),
  );
  return views
    .filter((view) => view.status === 'suppressed' && targets.has(`${view.channel}#${view.address}`))
    .map(({ channel, address }) => ({ channel, address }));
}

/** The same, read back from the store: for a delivery another writer recorded first. */
async function suppressedBy(ctx: StoreContext, signal: Signal, personId: string): Promise<CallReceipt['suppressed']> {
  const person = signal.scope === 'person' ? await getPerson(ctx, personId) : undefined;
  const pairs = signal.channels.flatMap((channel) =>
    (person ? addressesOn(person, channel) : [signal.subject[0]!.value]).map((address) => ({ channel, address })),
  );
  const states = await Promise.all(pairs.map((pair) => getSuppression(ctx, pair.channel, pair.address)));
  return pairs.filter((_, i) => states[i]?.status === 'suppressed');
}

export interface DispositionResult {
  receipt: CallReceipt;
  /** The same delivery was already recorded; the receipt is the stored one. */
  duplicate: boolean;
}

export async function recordDisposition(ctx: StoreContext, disposition: CallDisposition, context: DispositionContext): Promise<DispositionResult> {
  const eventId = callEventId(disposition);
  const action = dispositionAction(context.map, disposition.dialer, disposition.code);
  const base = {
    requestId: eventId,
    dialer: disposition.dialer,
    callId: disposition.callId,
    disposition: { code: disposition.code, action: action ?? ('unknown' as const) },
  };

  if (action === 'ignore') {
    // Nothing to write: the answer is derived from the delivery alone, so it is stable too.
    return {
      duplicate: false,
      receipt: { ...base, outcome: 'ignored', channels: [], suppressed: [], occurredAt: occurredAtOf(disposition, context.receivedAt) },
    };
  }

  const existing = await storedReceipt(ctx, eventId);
  if (existing) return { receipt: existing, duplicate: true };

  if (!action) {
    // Unknown code: kept for audit (someone may map it later), never acted on, never an error.
    const occurredAt = occurredAtOf(disposition, context.receivedAt);
    const recordedAt = (context.now ?? (() => new Date()))().toISOString();
    const receipt: CallReceipt = { ...base, outcome: 'recorded', channels: [], suppressed: [], occurredAt, effectiveAt: recordedAt };
    const kept = await keepEvent(ctx, {
      id: eventId,
      kind: 'call-disposition',
      effect: 'recorded',
      occurredAt,
      recordedAt,
      receivedAt: context.receivedAt.toISOString(),
      source: { type: 'call-disposition', provider: disposition.dialer, messageId: disposition.callId },
      match: { disposition: disposition.code, action: 'unknown' },
      evidence: {
        method: 'phone-call',
        reference: `${disposition.dialer}:${disposition.callId}`,
        ...(disposition.agentId ? { collectedBy: `agent:${disposition.agentId}` } : {}),
        ...(context.payloadSha256 ? { payloadSha256: context.payloadSha256 } : {}),
      },
      receipt,
    });
    if (kept) return { receipt, duplicate: false };
    const stored = await storedReceipt(ctx, eventId);
    if (!stored) throw new DependencyError('The disposition could not be recorded.');
    return { receipt: stored, duplicate: true };
  }

  const signal = signalFromDisposition(disposition, action, context);
  const outcome = await recordSignal(ctx, signal, { wrongNumber: action === 'wrong-number', ...(context.now ? { now: context.now } : {}) });
  const receipt: CallReceipt = {
    ...base,
    outcome: outcome.effect === 'superseded' ? 'overridden' : action === 'wrong-number' ? 'unlinked' : 'suppressed',
    personId: outcome.personId,
    scope: signal.scope,
    channels: signal.channels,
    suppressed: outcome.record ? suppressedIn(outcome.record, signal) : await suppressedBy(ctx, signal, outcome.personId),
    occurredAt: signal.occurredAt,
    effectiveAt: outcome.recordedAt,
    deadlines: deadlines(signal, signal.channels, context.policy, context.slaHours),
  };
  return { receipt: await keepReceipt(ctx, eventId, receipt), duplicate: outcome.duplicate };
}
