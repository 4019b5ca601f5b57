import { randomUUID } from 'node:crypto';
import { BadRequestError } from '../core/errors.js';
import { channels, type Channel } from '../core/channels.js';
import { channelIdentity, identityKey, type Identity } from '../core/identity.js';
import { applySignal, emptyRecord, withIdentities, type PersonRecord, type Suppression } from '../core/preferences.js';
import { assertActionable, type Signal } from '../core/signal.js';
import type { StoreContext } from '../store/clients.js';
import { readEvent } from '../store/events.js';
import { getPerson, readClaims } from '../store/people.js';
import { commitChange, signalEvent, statusChangesOf, suppressionWrites, withRetries, type Change, type WriteCost } from '../store/transactions.js';

/**
 * Recording a signal, the heart of optout-hub: find (or create) the person by any identity the
 * signal carries, link the identities nobody owns yet, apply it, and rewrite every suppression
 * item that changes, all in one transaction. Nothing resolves before that transaction commits.
 *
 * A wrong number is the one signal that moves an identity instead: the phone on file is not this
 * person's, so the consent or preferences on file were never its holder's. In the same single
 * transaction the phone leaves the person's record (with the preferences about that phone alone,
 * which its holder made), becomes a person of its own with the signal applied, its claim moves,
 * and its suppression items are rewritten. The old person keeps everything else.
 */

export interface RecordOutcome {
  eventId: string;
  personId: string;
  /** The same signal had already been recorded; nothing was written this time. */
  duplicate: boolean;
  effect: 'applied' | 'superseded' | 'recorded';
  /** When the master record took it: from then on the pre-send check answers accordingly. */
  recordedAt: string;
  /** Suppression items this signal wrote, with their new versions. */
  suppressions: Suppression[];
  /** Those of them whose status changed (suppressed ↔ allowed), as opposed to their details. */
  statusChanges: Suppression[];
  /** The person's record as this signal left it (absent for a duplicate). */
  record?: PersonRecord;
  /** For a wrong number: the person the phone was taken from. */
  unlinkedFrom?: string;
  /** What the write cost: items in the transaction and the write capacity DynamoDB reported. */
  cost?: WriteCost;
}

export interface RecordOptions {
  now?: () => Date;
  /** The signal says the phone is not the person's on file (a "wrong number" disposition). */
  wrongNumber?: boolean;
}

export function newPersonId(): string {
  return `p-${randomUUID()}`;
}

const phoneChannels: readonly Channel[] = ['sms', 'voice'];

/** The identity a signal is about on its channels, which decides whose record it goes to. */
function primaryIdentity(signal: Signal): Identity {
  const addressed = signal.channels.map((channel) => signal.subject.find((identity) => identity.type === channelIdentity[channel]));
  return addressed.find((identity) => identity !== undefined) ?? signal.subject[0]!;
}

interface Plan {
  change: Change;
  personId: string;
  effect: RecordOutcome['effect'];
  record: PersonRecord;
  unlinkedFrom?: string;
}

export async function recordSignal(ctx: StoreContext, signal: Signal, options: RecordOptions = {}): Promise<RecordOutcome> {
  assertActionable(signal);
  const now = options.now ?? (() => new Date());
  const phone = options.wrongNumber ? wrongNumberOf(signal) : undefined;
  return withRetries(async () => {
    const [event, claims] = await Promise.all([readEvent(ctx, signal.id), readClaims(ctx, signal.subject)]);
    if (event) {
      return {
        eventId: signal.id,
        personId: String(event.personId),
        duplicate: true,
        effect: event.effect as RecordOutcome['effect'],
        recordedAt: event.recordedAt,
        suppressions: [],
        statusChanges: [],
      };
    }
    const recordedAt = now().toISOString();
    const holderId = phone ? claims.get(identityKey(phone)) : undefined;
    const holder = holderId ? await getPerson(ctx, holderId) : undefined;
    const plan = phone && holder ? await planUnlink(ctx, signal, phone, holder, recordedAt) : await planApply(ctx, signal, claims, recordedAt);
    const result = await commitChange(ctx, plan.change);
    const { writes, current } = plan.change.suppressions;
    if (result === 'changed') return 'retry';
    const base = { eventId: signal.id, personId: plan.personId, effect: plan.effect, recordedAt };
    if (result === 'duplicate') return { ...base, duplicate: true, suppressions: [], statusChanges: [] };
    return {
      ...base,
      duplicate: false,
      suppressions: [...writes],
      statusChanges: statusChangesOf(writes, current),
      record: plan.record,
      ...(plan.unlinkedFrom ? { unlinkedFrom: plan.unlinkedFrom } : {}),
      cost: result,
    };
  });
}

function wrongNumberOf(signal: Signal): Identity {
  const phone = signal.subject.find((identity) => identity.type === 'phone');
  if (!phone || signal.subject.length !== 1) throw new BadRequestError('A wrong number names exactly one phone number.');
  return phone;
}

async function planApply(ctx: StoreContext, signal: Signal, claims: ReadonlyMap<string, string>, recordedAt: string): Promise<Plan> {
  const owner = claims.get(identityKey(primaryIdentity(signal))) ?? [...claims.values()][0];
  const stored = owner ? await getPerson(ctx, owner) : undefined;
  const before: PersonRecord & { createdAt?: string } = stored ?? emptyRecord(newPersonId());
  // Identities nobody owns join this person; one owned by someone else stays theirs.
  const unowned = signal.subject.filter((identity) => !claims.has(identityKey(identity)));
  const ownedElsewhere = signal.subject.filter((identity) => {
    const other = claims.get(identityKey(identity));
    return other !== undefined && other !== before.personId;
  });
  const applied = applySignal(withIdentities(before, unowned), signal);
  const touched = channels.filter((channel) => signal.channels.includes(channel) || unowned.some((identity) => identity.type === channelIdentity[channel]));
  return {
    personId: before.personId,
    effect: applied.effect,
    record: applied.record,
    change: {
      event: signalEvent(signal, before.personId, recordedAt, applied.effect, ownedElsewhere.length ? { ownedElsewhere } : {}),
      records: applied.record === before ? [] : [{ before, after: applied.record }],
      claims: unowned.map((identity) => ({ identity, personId: before.personId })),
      suppressions: await suppressionWrites(ctx, applied.record, touched, recordedAt),
    },
  };
}

async function planUnlink(ctx: StoreContext, signal: Signal, phone: Identity, owner: PersonRecord & { createdAt?: string }, recordedAt: string): Promise<Plan> {
  const aboutPhone = (preference: PersonRecord['preferences'][number]) => preference.scope === 'address' && preference.address === phone.value;
  const remaining: PersonRecord = {
    ...owner,
    identities: owner.identities.filter((identity) => identityKey(identity) !== identityKey(phone)),
    preferences: owner.preferences.filter((preference) => !aboutPhone(preference)),
  };
  const holder: PersonRecord = { personId: newPersonId(), revision: 0, identities: [phone], preferences: owner.preferences.filter(aboutPhone), mergedFrom: [] };
  const applied = applySignal(holder, signal);
  return {
    personId: holder.personId,
    effect: applied.effect,
    record: applied.record,
    unlinkedFrom: owner.personId,
    change: {
      event: signalEvent(signal, holder.personId, recordedAt, applied.effect, { unlinkedFrom: owner.personId }),
      // The old person's history says where the number went.
      history: [
        {
          personId: owner.personId,
          eventId: signal.id,
          occurredAt: signal.occurredAt,
          recordedAt,
          summary: { kind: 'identity-unlinked', identity: phone, movedTo: holder.personId, source: signal.source },
        },
      ],
      records: [
        { before: owner, after: remaining },
        { before: holder, after: applied.record },
      ],
      claims: [{ identity: phone, personId: holder.personId, movedFrom: owner.personId }],
      suppressions: await suppressionWrites(ctx, applied.record, phoneChannels, recordedAt),
    },
  };
}
