import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Exemption } from '../core/exemptions.js';
import { parseListName, type EncodedBlock, type ListName } from '../core/registries.js';
import { tableName } from '../platform/config.js';
import { documents } from './clients.js';
import { guard } from './dynamo.js';

/**
 * The registries table: Do-Not-Call lists as blocks of 10,000 numbers, each list's catalogue
 * entry, and the exemptions recorded per number.
 *
 * - `LISTS / <list>`: the list's catalogue entry (kind, as-of date, counts, applied change files).
 * - `BLOCK#<list>#<NPA> / <NXX>`: the numbers of NPA-NXX-0000…9999 on the list (core/registries.ts
 *   encodes them); a block with none is not stored. One partition per list and area code, so a
 *   full load can find every block of an area code it replaces.
 * - `EXEMPT#<NPANXXXXXX> / EXEMPTIONS`: the number's exemptions, in one item, so a batch check
 *   reads them with the same BatchGetItem as the blocks.
 */

export interface RegistryContext {
  documents: DynamoDBDocumentClient;
  table: string;
}

export function registryStoreFromEnvironment(): RegistryContext {
  return {
    documents,
    get table() {
      return tableName('registries');
    },
  };
}

const CATALOGUE = 'LISTS';

export const registryKeys = {
  list: (list: string) => ({ pk: CATALOGUE, sk: list }),
  block: (list: string, block: string) => ({ pk: `BLOCK#${list}#${block.slice(0, 3)}`, sk: block.slice(3, 6) }),
  areaCode: (list: string, npa: string) => `BLOCK#${list}#${npa}`,
  exemptions: (digits: string) => ({ pk: `EXEMPT#${digits}`, sk: 'EXEMPTIONS' }),
};

/** A list's catalogue entry. */
export interface ListEntry extends ListName {
  /** The date the list's data is as of (YYYY-MM-DD): its newest full load or change file. */
  asOf: string;
  loadedAt: string;
  /** Numbers and blocks on the list after its last load. */
  numbers: number;
  blocks: number;
  /** SHA-256 of each change file applied since the last full load, so none is applied twice. */
  appliedFiles: string[];
  /** The load key of the last full load. */
  lastFullLoad: string;
}

/** Where a load has got to: `LOAD#<list> / <load key>`. */
export interface LoadCheckpoint {
  loadKey: string;
  /** Tags the blocks this run of a full load wrote. */
  loadId: string;
  /** The file (index) and line done: lines up to here are written. */
  file: number;
  line: number;
  numbers: number;
  badLines: number;
  areaCodes: string[];
  finished: boolean;
  startedAt: string;
}

export interface StoredBlock extends EncodedBlock {
  version: number;
  /** The full load that last wrote the block. */
  loadId?: string;
}

/** Every list in the catalogue. */
export async function listCatalogue(ctx: RegistryContext): Promise<ListEntry[]> {
  const entries: ListEntry[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await guard(
      () =>
        ctx.documents.send(
          new QueryCommand({
            TableName: ctx.table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': CATALOGUE },
            ExclusiveStartKey: start,
          }),
        ),
      'The registries table',
    );
    for (const item of page.Items ?? []) entries.push(entryFrom(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return entries;
}

function entryFrom(item: Record<string, unknown>): ListEntry {
  const list = parseListName(String(item.sk));
  return {
    ...list,
    asOf: String(item.asOf),
    loadedAt: String(item.loadedAt),
    numbers: Number(item.numbers ?? 0),
    blocks: Number(item.blocks ?? 0),
    appliedFiles: (item.appliedFiles as string[] | undefined) ?? [],
    lastFullLoad: String(item.lastFullLoad ?? ''),
  };
}

export async function getLoad(ctx: RegistryContext, list: string, loadKey: string): Promise<LoadCheckpoint | undefined> {
  const { Item } = await guard(() =>
    ctx.documents.send(new GetCommand({ TableName: ctx.table, Key: { pk: `LOAD#${list}`, sk: loadKey }, ConsistentRead: true })),
  );
  if (!Item) return undefined;
  const { pk: _pk, sk: _sk, ...checkpoint } = Item;
  return checkpoint as LoadCheckpoint;
}

export async function putLoad(ctx: RegistryContext, list: string, checkpoint: LoadCheckpoint): Promise<void> {
  await guard(() => ctx.documents.send(new PutCommand({ TableName: ctx.table, Item: { pk: `LOAD#${list}`, sk: checkpoint.loadKey, ...checkpoint } })));
}

export async function getList(ctx: RegistryContext, list: string): Promise<ListEntry | undefined> {
  const { Item } = await guard(() => ctx.documents.send(new GetCommand({ TableName: ctx.table, Key: registryKeys.list(list), ConsistentRead: true })));
  return Item ? entryFrom(Item) : undefined;
}

export async function putList(ctx: RegistryContext, entry: ListEntry): Promise<void> {
  const { name, asOf, loadedAt, numbers, blocks, appliedFiles, kind, lastFullLoad } = entry;
  await guard(() =>
    ctx.documents.send(
      new PutCommand({ TableName: ctx.table, Item: { ...registryKeys.list(name), kind, asOf, loadedAt, numbers, blocks, appliedFiles, lastFullLoad } }),
    ),
  );
}

function blockFrom(item: Record<string, unknown>): StoredBlock {
  return {
    format: item.format === 's' ? 's' : 'b',
    data: item.data as Uint8Array,
    count: Number(item.count ?? 0),
    version: Number(item.version ?? 0),
    ...(item.loadId ? { loadId: String(item.loadId) } : {}),
  };
}

const BATCH_GET_LIMIT = 100;
const UNPROCESSED_RETRIES = 8;

export type KeyedRead = { found: Record<string, unknown> | undefined } | { failed: string };

/**
 * Items by key (`pk` + `sk`), 100 per BatchGetItem, `concurrency` calls at once, unprocessed keys
 * retried. A key the store did not answer for maps to `{ failed }` (a check fails closed on it).
 * Eventually consistent unless asked: registry data changes by the day, not the second.
 */
export async function readKeys(
  ctx: RegistryContext,
  keyList: readonly { pk: string; sk: string }[],
  options: { consistent?: boolean; concurrency?: number } = {},
): Promise<Map<string, KeyedRead>> {
  const id = (key: { pk: unknown; sk: unknown }) => `${key.pk}\u0000${key.sk}`;
  const unique = [...new Map(keyList.map((key) => [id(key), key])).values()];
  const results = new Map<string, KeyedRead>();
  const chunks: { pk: string; sk: string }[][] = [];
  for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) chunks.push(unique.slice(start, start + BATCH_GET_LIMIT));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      let pending: Record<string, unknown>[] = chunks[next++]!;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > UNPROCESSED_RETRIES) {
          for (const key of pending)
            results.set(id(key as { pk: string; sk: string }), { failed: 'The registries table kept this read unprocessed after retries.' });
          break;
        }
        if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
        let answer: BatchGetCommandOutput;
        try {
          answer = await ctx.documents.send(
            new BatchGetCommand({ RequestItems: { [ctx.table]: { Keys: pending, ConsistentRead: options.consistent ?? false } } }),
          );
        } catch (error) {
          const reason = `The registries table did not answer: ${error instanceof Error ? error.name || error.message : String(error)}.`;
          for (const key of pending) results.set(id(key as { pk: string; sk: string }), { failed: reason });
          break;
        }
        for (const item of answer.Responses?.[ctx.table] ?? []) results.set(id(item as { pk: string; sk: string }), { found: item });
        const unprocessed = new Set((answer.UnprocessedKeys?.[ctx.table]?.Keys ?? []).map((key) => id(key as { pk: string; sk: string })));
        for (const key of pending) {
          const k = id(key as { pk: string; sk: string });
          if (!unprocessed.has(k) && !results.has(k)) results.set(k, { found: undefined });
        }
        pending = answer.UnprocessedKeys?.[ctx.table]?.Keys ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, chunks.length) }, worker));
  return new Map(keyList.map((key) => [id(key), results.get(id(key)) ?? { failed: 'The registries table gave no answer.' }]));
}

export const readKeyId = (key: { pk: string; sk: string }) => `${key.pk}\u0000${key.sk}`;

export function storedBlock(item: Record<string, unknown> | undefined): StoredBlock | undefined {
  return item ? blockFrom(item) : undefined;
}

/** Blocks of a list by NPA-NXX, consistently (the loader's read before it writes). */
export async function readBlocks(ctx: RegistryContext, list: string, blocks: readonly string[]): Promise<Map<string, StoredBlock | undefined>> {
  const read = await readKeys(
    ctx,
    blocks.map((block) => registryKeys.block(list, block)),
    { consistent: true, concurrency: 8 },
  );
  const found = new Map<string, StoredBlock | undefined>();
  for (const block of blocks) {
    const answer = read.get(readKeyId(registryKeys.block(list, block)))!;
    if ('failed' in answer) throw new Error(answer.failed);
    found.set(block, storedBlock(answer.found));
  }
  return found;
}

/**
 * Writes a block if it is still at `expected` (its version when read; 0 for none): false when
 * another writer got there first, and the caller reads again. `undefined` deletes it.
 */
export async function writeBlock(
  ctx: RegistryContext,
  list: string,
  block: string,
  encoded: EncodedBlock | undefined,
  expected: number,
  loadId: string | undefined,
): Promise<boolean> {
  const key = registryKeys.block(list, block);
  const condition =
    expected === 0
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expected } };
  try {
    if (!encoded) {
      if (expected === 0) return true;
      await guard(() => ctx.documents.send(new DeleteCommand({ TableName: ctx.table, Key: key, ...condition })));
      return true;
    }
    await guard(() =>
      ctx.documents.send(
        new PutCommand({
          TableName: ctx.table,
          Item: { ...key, format: encoded.format, data: encoded.data, count: encoded.count, version: expected + 1, ...(loadId ? { loadId } : {}) },
          ...condition,
        }),
      ),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Every stored block of a list in one area code, with its version and load (for a full load's sweep). */
export async function blocksOfAreaCode(
  ctx: RegistryContext,
  list: string,
  npa: string,
): Promise<{ block: string; version: number; loadId?: string; count: number }[]> {
  const found: { block: string; version: number; loadId?: string; count: number }[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await guard(() =>
      ctx.documents.send(
        new QueryCommand({
          TableName: ctx.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': registryKeys.areaCode(list, npa) },
          ProjectionExpression: 'sk, version, loadId, #count',
          ExpressionAttributeNames: { '#count': 'count' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      ),
    );
    for (const item of page.Items ?? [])
      found.push({
        block: `${npa}${item.sk}`,
        version: Number(item.version),
        count: Number(item.count ?? 0),
        ...(item.loadId ? { loadId: String(item.loadId) } : {}),
      });
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

/** Every area code a list has blocks in, from its catalogue's record of them (kept by the loader). */
export async function areaCodesOf(ctx: RegistryContext, list: string): Promise<string[]> {
  const { Item } = await guard(() =>
    ctx.documents.send(new GetCommand({ TableName: ctx.table, Key: { pk: `AREAS#${list}`, sk: 'AREAS' }, ConsistentRead: true })),
  );
  return ((Item?.areaCodes as Set<string> | undefined) ? [...(Item!.areaCodes as Set<string>)] : []).sort();
}

export async function addAreaCodes(ctx: RegistryContext, list: string, npas: readonly string[]): Promise<void> {
  if (npas.length === 0) return;
  await guard(() =>
    ctx.documents.send(
      new UpdateCommand({
        TableName: ctx.table,
        Key: { pk: `AREAS#${list}`, sk: 'AREAS' },
        UpdateExpression: 'ADD areaCodes :npas',
        ExpressionAttributeValues: { ':npas': new Set(npas) },
      }),
    ),
  );
}

/** The exemptions recorded for a number. */
export function exemptionsFrom(item: Record<string, unknown> | undefined): Exemption[] {
  return (item?.exemptions as Exemption[] | undefined) ?? [];
}

/**
 * Records an exemption for a number; the same kind, date and evidence recorded again changes
 * nothing (a retried request). Returns whether it was new.
 */
export async function recordExemption(ctx: RegistryContext, digits: string, exemption: Exemption): Promise<boolean> {
  const id = `${exemption.kind}#${exemption.date}#${exemption.evidence}`;
  const key = registryKeys.exemptions(digits);
  for (let attempt = 0; attempt < 5; attempt++) {
    const { Item } = await guard(() => ctx.documents.send(new GetCommand({ TableName: ctx.table, Key: key, ConsistentRead: true })));
    const current = exemptionsFrom(Item);
    const same = current.findIndex((entry) => `${entry.kind}#${entry.date}#${entry.evidence}` === id);
    if (same >= 0 && current[same]!.revokedOn === exemption.revokedOn) return false;
    const next = same >= 0 ? current.map((entry, i) => (i === same ? exemption : entry)) : [...current, exemption];
    const version = Number(Item?.version ?? 0);
    try {
      await guard(() =>
        ctx.documents.send(
          new PutCommand({
            TableName: ctx.table,
            Item: { ...key, exemptions: next, version: version + 1 },
            ...(version === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': version } }),
          }),
        ),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  throw new Error('The exemptions of this number kept changing under the write; try again.');
}

/**
 * The reassigned-answers table: each answer of the reassigned-numbers database per number and
 * consent date, until `expiresAt` (Unix seconds; DynamoDB's TTL deletes it some time later, so a
 * read checks the time itself).
 */
export interface ReassignedAnswerCache {
  get(digits: string, consentDate: string, nowMs: number): Promise<string | undefined>;
  put(digits: string, consentDate: string, answer: string, untilMs: number): Promise<void>;
}

export function reassignedAnswerCache(client: DynamoDBDocumentClient, table: () => string): ReassignedAnswerCache {
  const key = (digits: string, consentDate: string) => ({ pk: `REASSIGNED#${digits}#${consentDate}` });
  return {
    async get(digits, consentDate, nowMs) {
      const { Item } = await guard(() => client.send(new GetCommand({ TableName: table(), Key: key(digits, consentDate) })));
      return Item && Number(Item.expiresAt) * 1000 > nowMs ? String(Item.answer) : undefined;
    },
    async put(digits, consentDate, answer, untilMs) {
      await guard(() =>
        client.send(new PutCommand({ TableName: table(), Item: { ...key(digits, consentDate), answer, expiresAt: Math.ceil(untilMs / 1000) } })),
      );
    },
  };
}

export function reassignedAnswerCacheFromEnvironment(): ReassignedAnswerCache {
  return reassignedAnswerCache(documents, () => tableName('reassignedAnswers'));
}
