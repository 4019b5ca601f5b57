import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { identityKey, type Identity } from '../core/identity.js';
import type { PersonRecord } from '../core/preferences.js';
import type { StoreContext } from './clients.js';
import { batchGetItems, guard, queryPages } from './dynamo.js';
import { keys } from './keys.js';

/**
 * Reading people from the master record: a person by id (following merges), by identity, and
 * their history. Changes are written by the record use cases (shared/record) through
 * transactions.ts, one transaction each.
 */

export interface StoredPerson extends PersonRecord {
  createdAt: string;
  updatedAt: string;
  /** Set when this person was merged into another; the other is the one to read. */
  mergedInto?: string;
}

/** Merge pointers are followed at most this far (merges of merges). */
const MAX_MERGE_HOPS = 8;

/** Which person each identity belongs to, by identity key. */
export async function readClaims(ctx: StoreContext, identities: readonly Identity[]): Promise<Map<string, string>> {
  const items = await batchGetItems(
    ctx,
    ctx.tables.preferences,
    identities.map((identity) => keys.claim(identity)),
  );
  return new Map(items.map((item) => [keys.identityOfClaim(String(item.pk)), String(item.personId)]));
}

/** A person record as stored, without following a merge. */
export async function readRecord(ctx: StoreContext, personId: string): Promise<StoredPerson | undefined> {
  const result = await guard(() => ctx.documents.send(new GetCommand({ TableName: ctx.tables.preferences, Key: keys.person(personId), ConsistentRead: true })));
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
