import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { BadRequestError, ConflictError, NotFoundError } from '../core/errors.js';
import { channelIdentity, identityKey, type Identity } from '../core/identity.js';
import { applySignal, emptyRecord, mergeRecords, withIdentities, type PersonRecord, type Suppression } from '../core/preferences.js';
import { channels, type Channel } from '../core/channels.js';
import { assertActionable, type Signal } from '../core/signal.js';
import type { StoreContext } from './clients.js';
import { batchGetItems, guard, queryPages, type TransactItems } from './dynamo.js';
import { keys } from './keys.js';
import {
  putClaim,
  putEvent,
  putRecord,
  putSignalEvent,
  putSuppressions,
  statusChangesOf,
  suppressionWrites,
  transact,
  withRetries,
  type WriteCost,
} from './transactions.js';

/**
 * The master record in DynamoDB. Every change is one transaction holding the immutable event,
 * the person's record (guarded by its revision, so concurrent writers re-read and re-plan
 * instead of overwriting each other), new identity claims (one owner per identity), and every
 * suppression item the change affects. Nothing resolves before that transaction commits.
 */

export interface StoredPerson extends PersonRecord {
  createdAt: string;
  updatedAt: string;
  /** Set when this person was merged into another; the other is the one to read. */
  mergedInto?: string;
}

export interface RecordOutcome {
  eventId: string;
  personId: string;
  /** The same signal had already been recorded; nothing was written this time. */
  duplicate: boolean;
  effect: 'applied' | 'superseded' | 'recorded';
  /** Suppression items this signal wrote, with their new versions. */
  suppressions: Suppression[];
  /** Those of them whose status changed (suppressed ↔ allowed), as opposed to their details. */
  statusChanges: Suppression[];
  /** What the write cost: items in the transaction and the write capacity DynamoDB reported. */
  cost?: WriteCost;
}

/** Merge pointers are followed at most this far (merges of merges). */
const MAX_MERGE_HOPS = 8;

export function newPersonId(): string {
  return `p-${randomUUID()}`;
}

/** Which person each identity belongs to, by identity key. */
export async function readClaims(ctx: StoreContext, identities: readonly Identity[]): Promise<Map<string, string>> {
  const items = await batchGetItems(ctx, ctx.tables.preferences, identities.map((identity) => keys.claim(identity)));
  return new Map(items.map((item) => [String(item.pk).slice('IDENTITY#'.length), String(item.personId)]));
}

async function readRecord(ctx: StoreContext, personId: string): Promise<StoredPerson | undefined> {
  const result = await guard(() =>
    ctx.documents.send(new GetCommand({ TableName: ctx.tables.preferences, Key: keys.person(personId), ConsistentRead: true })),
  );
  if (!result.Item) return undefined;
  const { pk: _pk, sk: _sk, ...person } = result.Item;
  return person as StoredPerson;
}

/** A person's current record, following merges to the person that holds it now. */
export async function getPerson(ctx: StoreContext, personId: string): Promise<StoredPerson | undefined> {
  let person = await readRecord(ctx, personId);
  for (let hop = 0; person?.mergedInto && hop < MAX_MERGE_HOPS; hop++) person = await readRecord(ctx, person.mergedInto);
  return person;
}

export async function findPerson(ctx: StoreContext, identity: Identity): Promise<StoredPerson | undefined> {
  const personId = (await readClaims(ctx, [identity])).get(identityKey(identity));
  return personId ? getPerson(ctx, personId) : undefined;
}

export async function getSuppression(ctx: StoreContext, channel: Channel, address: string): Promise<Suppression | undefined> {
  const result = await guard(() =>
    ctx.documents.send(
      new GetCommand({ TableName: ctx.tables.suppressions, Key: keys.suppression(channel, address), ConsistentRead: true }),
    ),
  );
  if (!result.Item) return undefined;
  const { pk: _pk, ...suppression } = result.Item;
  return suppression as Suppression;
}

/** The identity a signal is about on its channels, which decides whose record it goes to. */
function primaryIdentity(signal: Signal): Identity {
  const addressed = signal.channels.map((channel) => signal.subject.find((identity) => identity.type === channelIdentity[channel]));
  return addressed.find((identity) => identity !== undefined) ?? signal.subject[0]!;
}

/**
 * Records a signal: finds (or creates) the person by any identity it carries, links identities
 * nobody owns yet, applies it to the record, and rewrites every suppression item that changes.
 */
export async function recordSignal(ctx: StoreContext, signal: Signal, now: () => Date = () => new Date()): Promise<RecordOutcome> {
  assertActionable(signal);
  return withRetries(async () => {
    const [event, claims] = await Promise.all([
      guard(() => ctx.documents.send(new GetCommand({ TableName: ctx.tables.preferences, Key: keys.event(signal.id), ConsistentRead: true }))),
      readClaims(ctx, signal.subject),
    ]);
    if (event.Item) {
      return {
        eventId: signal.id,
        personId: String(event.Item.personId),
        duplicate: true,
        effect: event.Item.effect,
        suppressions: [],
        statusChanges: [],
      };
    }
    const owner = claims.get(identityKey(primaryIdentity(signal))) ?? [...claims.values()][0];
    const stored = owner ? await getPerson(ctx, owner) : undefined;
    const before: PersonRecord & { createdAt?: string } = stored ?? emptyRecord(newPersonId());
    // Identities nobody owns join this person; one owned by someone else stays theirs.
    const unowned = signal.subject.filter((identity) => !claims.has(identityKey(identity)));
    const ownedElsewhere = signal.subject.filter((identity) => {
      const other = claims.get(identityKey(identity));
      return other !== undefined && other !== before.personId;
    });
    const linked = withIdentities(before, unowned);
    const applied = applySignal(linked, signal);
    const touched = channels.filter(
      (channel) => signal.channels.includes(channel) || unowned.some((identity) => identity.type === channelIdentity[channel]),
    );
    const recordedAt = now().toISOString();
    const { current, writes } = await suppressionWrites(ctx, applied.record, touched, recordedAt);
    const effect = applied.effect;

    const items: TransactItems = putSignalEvent(ctx, signal, before.personId, recordedAt, effect, ownedElsewhere.length ? { ownedElsewhere } : {});
    if (applied.record !== before) items.push(putRecord(ctx, before, applied.record, recordedAt));
    items.push(...unowned.map((identity) => putClaim(ctx, identity, before.personId, recordedAt)));
    items.push(...putSuppressions(ctx, writes, current));

    const result = await transact(ctx, items);
    if (result === 'duplicate') {
      return { eventId: signal.id, personId: before.personId, duplicate: true, effect, suppressions: [], statusChanges: [] };
    }
    if (result === 'changed') return 'retry';
    const statusChanges = statusChangesOf(writes, current);
    return { eventId: signal.id, personId: before.personId, duplicate: false, effect, suppressions: writes, statusChanges, cost: result };
  });
}

export interface ChangeOutcome {
  eventId: string;
  person: StoredPerson;
  suppressions: Suppression[];
}

/**
 * Links an identity to a person. Every person-wide preference of that person applies to it at
 * once: linking a phone to someone who opted out of all calls suppresses that phone now.
 */
export async function linkIdentity(
  ctx: StoreContext,
  personId: string,
  identity: Identity,
  evidence: Record<string, unknown> = {},
  now: () => Date = () => new Date(),
): Promise<ChangeOutcome & { alreadyLinked: boolean }> {
  return withRetries(async () => {
    const person = await getPerson(ctx, personId);
    if (!person) throw new NotFoundError(`No person ${personId}.`);
    const owner = (await readClaims(ctx, [identity])).get(identityKey(identity));
    if (owner && owner !== person.personId) {
      throw new ConflictError('That identity belongs to another person; merge the two people instead.', { personId: owner });
    }
    if (owner === person.personId) return { eventId: '', person, suppressions: [], alreadyLinked: true };
    const record = withIdentities(person, [identity]);
    const touched = channels.filter((channel) => channelIdentity[channel] === identity.type);
    const recordedAt = now().toISOString();
    const { current, writes } = await suppressionWrites(ctx, record, touched, recordedAt);
    const eventId = `link.${randomUUID()}`;
    const result = await transact(ctx, [
      ...putEvent(ctx, {
        eventId,
        personId: person.personId,
        occurredAt: recordedAt,
        recordedAt,
        summary: { kind: 'identity-linked', identity },
        detail: { id: eventId, kind: 'identity-linked', identity, evidence },
      }),
      putRecord(ctx, person, record, recordedAt),
      putClaim(ctx, identity, person.personId, recordedAt),
      ...putSuppressions(ctx, writes, current),
    ]);
    if (typeof result === 'string') return 'retry';
    return { eventId, person: { ...person, ...record, revision: person.revision + 1, updatedAt: recordedAt }, suppressions: writes, alreadyLinked: false };
  });
}

/**
 * Merges `mergedId` into `survivorId` (a CRM says they are one person). The survivor gets the most
 * restrictive union of both records; every identity of the merged person moves to the survivor;
 * the merged person's record stays, pointing at the survivor, for the audit trail.
 */
export async function mergePeople(
  ctx: StoreContext,
  survivorId: string,
  mergedId: string,
  evidence: Record<string, unknown> = {},
  now: () => Date = () => new Date(),
): Promise<ChangeOutcome> {
  if (survivorId === mergedId) throw new BadRequestError('A person cannot be merged with itself.');
  return withRetries(async () => {
    const [survivor, merged] = await Promise.all([readRecord(ctx, survivorId), readRecord(ctx, mergedId)]);
    if (!survivor) throw new NotFoundError(`No person ${survivorId}.`);
    if (!merged) throw new NotFoundError(`No person ${mergedId}.`);
    for (const person of [survivor, merged]) {
      if (person.mergedInto) {
        throw new ConflictError(`Person ${person.personId} was already merged into ${person.mergedInto}.`, { mergedInto: person.mergedInto });
      }
    }
    const record = mergeRecords(survivor, merged);
    const recordedAt = now().toISOString();
    const { current, writes } = await suppressionWrites(ctx, record, channels, recordedAt);
    const eventId = `merge.${randomUUID()}`;
    const result = await transact(ctx, [
      ...putEvent(ctx, {
        eventId,
        personId: survivor.personId,
        occurredAt: recordedAt,
        recordedAt,
        summary: { kind: 'people-merged', mergedPersonId: merged.personId },
        detail: { id: eventId, kind: 'people-merged', survivorId, mergedId, evidence },
      }),
      putRecord(ctx, survivor, record, recordedAt),
      putRecord(ctx, merged, { ...merged, identities: [], mergedInto: survivor.personId }, recordedAt),
      ...merged.identities.map((identity) => putClaim(ctx, identity, survivor.personId, recordedAt, merged.personId)),
      ...putSuppressions(ctx, writes, current),
    ]);
    if (typeof result === 'string') return 'retry';
    return { eventId, person: { ...survivor, ...record, revision: survivor.revision + 1, updatedAt: recordedAt }, suppressions: writes };
  });
}

export interface HistoryEntry {
  eventId: string;
  personId: string;
  occurredAt: string;
  recordedAt: string;
  kind: string;
  [detail: string]: unknown;
}

/** Every event of a person and of the people merged into them, in the order the person acted. */
export async function personHistory(ctx: StoreContext, person: StoredPerson): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  for (const personId of [person.personId, ...person.mergedFrom]) {
    const pages = queryPages(ctx.documents, {
      TableName: ctx.tables.preferences,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.personPartition(personId), ':prefix': keys.historyPrefix },
      ConsistentRead: true,
    });
    for await (const page of pages) {
      for (const item of page) {
        const { pk: _pk, sk: _sk, type: _type, ...entry } = item;
        entries.push({ ...(entry as HistoryEntry), personId });
      }
    }
  }
  return entries.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.recordedAt.localeCompare(b.recordedAt) || a.eventId.localeCompare(b.eventId));
}
