import { BatchGetCommand, type BatchGetCommandOutput, GetCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { DependencyError } from '../core/errors.js';
import type { Suppression, SuppressionView } from '../core/preferences.js';
import { tables } from '../platform/resources.js';
import type { Channel } from '../core/channels.js';
import type { StoreContext } from './clients.js';
import { batchGetItems, guard } from './dynamo.js';
import { changeKeyFloor, keys } from './keys.js';

/**
 * Reads of the suppressions table that serve many addresses at once (batch checks, scrubs, the
 * reconciliation export, DLQ replay). Unlike the write path, a batch read reports per address what the store could not answer,
 * so that the caller can fail closed for exactly those addresses.
 */

/** The index of every change of a channel, in recorded order (declared in shared/platform/resources.ts). */
export const changesIndex = tables.suppressions.indexes[0];

function withoutKeys(item: Record<string, unknown>): Suppression {
  const { pk: _pk, changeKey: _changeKey, ...suppression } = item;
  return suppression as unknown as Suppression;
}

export type LookupResult = { found: Suppression | undefined } | { failed: string };

const BATCH_GET_LIMIT = 100;
const UNPROCESSED_RETRIES = 8;

/**
 * The suppression item of each address on one channel, with BatchGetItem (strongly consistent,
 * 100 keys a call, unprocessed keys retried with backoff). An address whose read failed (the
 * store refused the call, or kept its key unprocessed) maps to `{ failed: reason }`: the caller
 * decides, and a check fails closed.
 */
export async function lookupSuppressions(
  ctx: StoreContext,
  channel: Channel,
  addresses: readonly string[],
  options: { concurrency?: number } = {},
): Promise<Map<string, LookupResult>> {
  const unique = [...new Set(addresses)];
  const results = new Map<string, LookupResult>();
  const chunks: string[][] = [];
  for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) chunks.push(unique.slice(start, start + BATCH_GET_LIMIT));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      await lookupChunk(ctx, channel, chunk, results);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, chunks.length) }, worker));
  return results;
}

async function lookupChunk(ctx: StoreContext, channel: Channel, addresses: string[], results: Map<string, LookupResult>): Promise<void> {
  const table = ctx.tables.suppressions;
  const byKey = new Map(addresses.map((address) => [keys.suppression(channel, address).pk, address]));
  let pending: Record<string, unknown>[] = addresses.map((address) => keys.suppression(channel, address));
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > UNPROCESSED_RETRIES) {
      for (const key of pending) results.set(byKey.get(String(key.pk))!, { failed: 'The store kept this read unprocessed after retries.' });
      return;
    }
    if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
    let result: BatchGetCommandOutput;
    try {
      result = await ctx.documents.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
    } catch (error) {
      const reason = `The store did not answer: ${error instanceof Error ? error.name || error.message : String(error)}.`;
      for (const key of pending) results.set(byKey.get(String(key.pk))!, { failed: reason });
      return;
    }
    const answered = new Set<string>();
    for (const item of result.Responses?.[table] ?? []) {
      const address = byKey.get(String(item.pk));
      if (address === undefined) continue;
      answered.add(String(item.pk));
      results.set(address, { found: withoutKeys(item) });
    }
    const unprocessed = new Set((result.UnprocessedKeys?.[table]?.Keys ?? []).map((key) => String(key.pk)));
    for (const key of pending) {
      const pk = String(key.pk);
      if (!answered.has(pk) && !unprocessed.has(pk)) results.set(byKey.get(pk)!, { found: undefined });
    }
    pending = pending.filter((key) => unprocessed.has(String(key.pk)));
  }
}

/** The current item of one (channel, address) key, as the replay tool re-reads it. */
export async function readSuppressionByKey(ctx: StoreContext, pk: string): Promise<Suppression | undefined> {
  try {
    const { Item } = await ctx.documents.send(new GetCommand({ TableName: ctx.tables.suppressions, Key: { pk }, ConsistentRead: true }));
    return Item ? withoutKeys(Item) : undefined;
  } catch (error) {
    throw new DependencyError('The store did not answer.', {}, error);
  }
}

export interface ChangesPage {
  items: Suppression[];
  /** The change key of the last item returned, or the `after` key when none was. */
  lastKey: string | undefined;
  /** More changes recorded before `upTo` are waiting. */
  hasMore: boolean;
}

/**
 * Changes of a channel with a change key after `after` (all of them when absent) and recorded
 * before `upToMillis`, oldest first, at most `limit`. The index is read eventually consistently;
 * the caller's `upToMillis` keeps a settle window behind now for exactly that (see the docs).
 */
export async function changesSince(ctx: StoreContext, channel: Channel, after: string | undefined, upToMillis: number, limit: number): Promise<ChangesPage> {
  const upper = changeKeyFloor(upToMillis);
  if (after !== undefined && after >= upper) return { items: [], lastKey: after, hasMore: false };
  const items: Suppression[] = [];
  let lastKey = after;
  let exclusiveStartKey: Record<string, unknown> | undefined;
  for (;;) {
    let page: QueryCommandOutput;
    try {
      page = await ctx.documents.send(
        new QueryCommand({
          TableName: ctx.tables.suppressions,
          IndexName: changesIndex.name,
          KeyConditionExpression: after ? '#channel = :channel AND #changeKey BETWEEN :after AND :upper' : '#channel = :channel AND #changeKey < :upper',
          ExpressionAttributeNames: { '#channel': 'channel', '#changeKey': 'changeKey' },
          ExpressionAttributeValues: { ':channel': channel, ':upper': upper, ...(after ? { ':after': after } : {}) },
          // One more than asked, to know whether more are waiting.
          Limit: limit + 2 - items.length,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
    } catch (error) {
      throw new DependencyError('The store did not answer.', {}, error);
    }
    for (const item of page.Items ?? []) {
      const key = String(item.changeKey);
      // BETWEEN is inclusive at both ends: the cursor's own item was already returned, and the
      // upper bound (a bare millis prefix) sorts below every key recorded at that millisecond.
      if (key === after || key >= upper) continue;
      if (items.length === limit) return { items, lastKey, hasMore: true };
      items.push(withoutKeys(item));
      lastKey = key;
    }
    exclusiveStartKey = page.LastEvaluatedKey;
    if (!exclusiveStartKey) return { items, lastKey, hasMore: false };
  }
}

/** The current item of one (channel, address): what the pre-send check answers from. */
export async function getSuppression(ctx: StoreContext, channel: Channel, address: string): Promise<Suppression | undefined> {
  const result = await guard(() =>
    ctx.documents.send(new GetCommand({ TableName: ctx.tables.suppressions, Key: keys.suppression(channel, address), ConsistentRead: true })),
  );
  if (!result.Item) return undefined;
  const { pk: _pk, ...suppression } = result.Item;
  return suppression as Suppression;
}

/** The current items of many views, by suppression key. */
export async function readSuppressions(ctx: StoreContext, views: readonly Pick<SuppressionView, 'channel' | 'address'>[]): Promise<Map<string, Suppression>> {
  const items = await batchGetItems(
    ctx,
    ctx.tables.suppressions,
    views.map((view) => keys.suppression(view.channel, view.address)),
  );
  return new Map(
    items.map((item) => {
      const { pk, ...suppression } = item;
      return [String(pk), suppression as unknown as Suppression];
    }),
  );
}
