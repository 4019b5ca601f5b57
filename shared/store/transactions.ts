import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { DependencyError, UnprocessableError } from '../core/errors.js';
import type { Identity } from '../core/identity.js';
import { impliedSuppressions, materialize, suppressionKey, type PersonRecord, type Suppression } from '../core/preferences.js';
import type { Channel } from '../core/channels.js';
import type { Signal } from '../core/signal.js';
import type { StoreContext } from './clients.js';
import { invalidRequest, type TransactItems } from './dynamo.js';
import { itemSize, writeUnits } from './item-size.js';
import { changeKey, keys } from './keys.js';
import { readSuppressions } from './suppressions.js';

/**
 * The pieces every change to the master record is made of: one DynamoDB transaction holding the
 * immutable event, the person records (guarded by their revision, so concurrent writers re-read
 * and re-plan instead of overwriting each other), identity claims (one owner per identity) and
 * every suppression item the change affects.
 */

export interface WriteCost {
  items: number;
  /** Bytes written, by DynamoDB's item-size rules. */
  bytes: number;
  /** What the transaction costs on DynamoDB: 2 WCU per started KB of each item. */
  writeCapacityUnits: number;
}

/** DynamoDB's limit on items in one transaction. */
const MAX_TRANSACTION_ITEMS = 100;
/** Concurrent writers to one person re-read and re-plan; this bounds how often. */
const MAX_ATTEMPTS = 8;

/** Optimistic concurrency: the write holds only if nobody changed the item since it was read. */
function unchangedSince(attribute: 'revision' | 'version', value: number | undefined) {
  if (!value) return { ConditionExpression: 'attribute_not_exists(pk)' };
  return {
    ConditionExpression: '#attribute = :expected',
    ExpressionAttributeNames: { '#attribute': attribute },
    ExpressionAttributeValues: { ':expected': value },
  };
}

function putRecord(
  ctx: StoreContext,
  before: PersonRecord & { createdAt?: string },
  after: PersonRecord & { mergedInto?: string },
  at: string,
): TransactItems[number] {
  const stored = { ...after, revision: before.revision + 1, createdAt: before.createdAt ?? at, updatedAt: at };
  return {
    Put: {
      TableName: ctx.tables.preferences,
      Item: { ...keys.person(after.personId), type: 'person', ...stored },
      ...unchangedSince('revision', before.revision),
    },
  };
}

function putSuppressions(ctx: StoreContext, writes: readonly Suppression[], current: ReadonlyMap<string, Suppression>): TransactItems {
  return writes.map((suppression) => ({
    Put: {
      TableName: ctx.tables.suppressions,
      // changeKey places the item in the channel's change index (the reconciliation export).
      Item: { ...keys.suppression(suppression.channel, suppression.address), ...suppression, changeKey: changeKey(suppression) },
      ...unchangedSince('version', current.get(suppressionKey(suppression.channel, suppression.address))?.version),
    },
  }));
}

/** The suppression items to write so the table matches `record` on `onChannels`, read fresh. */
export async function suppressionWrites(ctx: StoreContext, record: PersonRecord, onChannels: readonly Channel[], recordedAt: string) {
  const views = impliedSuppressions(record, onChannels);
  const current = await readSuppressions(ctx, views);
  return { current, writes: materialize(views, current, recordedAt) };
}

/** One owner per identity: a new claim, or one moved from the person merged away. */
function putClaim(ctx: StoreContext, identity: Identity, personId: string, at: string, movedFrom?: string): TransactItems[number] {
  return {
    Put: {
      TableName: ctx.tables.preferences,
      Item: { ...keys.claim(identity), type: 'claim', personId, claimedAt: at },
      ...(movedFrom
        ? { ConditionExpression: 'personId = :from', ExpressionAttributeValues: { ':from': movedFrom } }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    },
  };
}

export interface EventEntry {
  eventId: string;
  personId: string;
  occurredAt: string;
  recordedAt: string;
  /** What the history lists for this event. */
  summary: Record<string, unknown>;
  /** The whole immutable event. */
  detail: Record<string, unknown>;
}

function putEvent(ctx: StoreContext, entry: EventEntry): TransactItems {
  return [
    {
      Put: {
        TableName: ctx.tables.preferences,
        Item: { ...keys.event(entry.eventId), type: 'event', personId: entry.personId, recordedAt: entry.recordedAt, ...entry.detail },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName: ctx.tables.preferences,
        Item: {
          ...keys.history(entry.personId, entry.occurredAt, entry.eventId),
          type: 'history',
          eventId: entry.eventId,
          occurredAt: entry.occurredAt,
          recordedAt: entry.recordedAt,
          ...entry.summary,
        },
      },
    },
  ];
}

export type Conflict = 'duplicate' | 'changed';

/** Why a transaction was cancelled: its first item (the event) existing means a redelivery. */
export function conflictOf(error: unknown): Conflict | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const reasons = error.CancellationReasons ?? [];
  if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'duplicate';
  if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict')) return 'changed';
  return undefined;
}

async function transact(ctx: StoreContext, items: TransactItems): Promise<Conflict | WriteCost> {
  if (items.length > MAX_TRANSACTION_ITEMS) {
    throw new UnprocessableError(`This change touches ${items.length} items, more than one transaction can hold (${MAX_TRANSACTION_ITEMS}).`);
  }
  try {
    await ctx.documents.send(new TransactWriteCommand({ TransactItems: items }));
    const sizes = items.map((item) => itemSize(item.Put?.Item ?? {}));
    return {
      items: items.length,
      bytes: sizes.reduce((sum, size) => sum + size, 0),
      writeCapacityUnits: sizes.reduce((sum, size) => sum + writeUnits(size, true), 0),
    };
  } catch (error) {
    const conflict = conflictOf(error);
    if (conflict) return conflict;
    throw invalidRequest(error) ?? new DependencyError('The change could not be recorded; it was not acknowledged.', {}, error);
  }
}

/** Runs `attempt` until it commits, re-reading after each conflict with a concurrent writer. */
export async function withRetries<T>(attempt: () => Promise<T | 'retry'>): Promise<T> {
  for (let tries = 1; ; tries++) {
    const result = await attempt();
    if (result !== 'retry') return result;
    if (tries >= MAX_ATTEMPTS) throw new DependencyError('The change kept conflicting with concurrent changes; it was not acknowledged.');
    await sleep(Math.random() * 10 * tries);
  }
}

/** The written items whose status changed (suppressed ↔ allowed), as opposed to their details. */
export function statusChangesOf(writes: readonly Suppression[], current: ReadonlyMap<string, Suppression>): Suppression[] {
  return writes.filter((write) => write.status !== (current.get(suppressionKey(write.channel, write.address))?.status ?? 'allowed'));
}

/** How a signal is kept: the whole signal as the event, its summary in the person's history. */
export function signalEvent(signal: Signal, personId: string, recordedAt: string, effect: string, extra: Record<string, unknown> = {}): EventEntry {
  const { kind, channels, purpose, scope, receivedAt, receivedOn, source } = signal;
  return {
    eventId: signal.id,
    personId,
    occurredAt: signal.occurredAt,
    recordedAt,
    // receivedOn (a letter's received date) is where its deadline starts; the history carries it for the trace.
    summary: { kind, channels, purpose, scope, receivedAt, ...(receivedOn ? { receivedOn } : {}), source, effect, ...extra },
    detail: { ...signal, effect, ...extra },
  };
}

/** A line in another person's history pointing at an event kept elsewhere (where an unlinked number went). */
export interface HistoryLine {
  personId: string;
  eventId: string;
  occurredAt: string;
  recordedAt: string;
  summary: Record<string, unknown>;
}

/**
 * Everything one change to the master record writes, as plain data. The record use cases
 * (shared/record) decide it; `commitChange` turns it into one transaction.
 */
export interface Change {
  event: EventEntry;
  history?: readonly HistoryLine[];
  /** Each person record as read (its revision guards the write) and as it must become. */
  records: readonly { before: PersonRecord & { createdAt?: string }; after: PersonRecord & { mergedInto?: string } }[];
  /** New owners of identities; `movedFrom` when the claim moves from another person. */
  claims: readonly { identity: Identity; personId: string; movedFrom?: string }[];
  suppressions: { writes: readonly Suppression[]; current: ReadonlyMap<string, Suppression> };
}

/**
 * Commits a change in one transaction. The event goes first: its existing already means the
 * same change was recorded before (`duplicate`); any other guard failing means a concurrent
 * writer got there first (`changed`: re-read and re-plan).
 */
export function commitChange(ctx: StoreContext, change: Change): Promise<Conflict | WriteCost> {
  const at = change.event.recordedAt;
  return transact(ctx, [
    ...putEvent(ctx, change.event),
    ...(change.history ?? []).map((line) => ({
      Put: {
        TableName: ctx.tables.preferences,
        Item: {
          ...keys.history(line.personId, line.occurredAt, line.eventId),
          type: 'history',
          eventId: line.eventId,
          occurredAt: line.occurredAt,
          recordedAt: line.recordedAt,
          ...line.summary,
        },
      },
    })),
    ...change.records.map(({ before, after }) => putRecord(ctx, before, after, at)),
    ...change.claims.map((claim) => putClaim(ctx, claim.identity, claim.personId, at, claim.movedFrom)),
    ...putSuppressions(ctx, change.suppressions.writes, change.suppressions.current),
  ]);
}
