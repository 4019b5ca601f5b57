import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  QueryCommand,
  ScanCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type ScanCommandInput,
  type TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { DependencyError } from '../core/errors.js';
import type { StoreContext } from './clients.js';

/** The small pieces every store module shares. */

export type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;

/**
 * Any failure to reach the store becomes a DependencyError (503), so callers retry. A failed
 * condition is not a failure to reach the store: it passes through for the caller to read.
 */
export async function guard<T>(operation: () => Promise<T>, what = 'The store'): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw error;
    throw new DependencyError(`${what} did not answer.`, {}, error);
  }
}

/** Strongly consistent BatchGetItem over any number of keys, 100 at a time, retrying unprocessed keys. */
export async function batchGetItems(ctx: StoreContext, table: string, keyList: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < keyList.length; start += 100) {
    let pending: Record<string, unknown>[] | undefined = keyList.slice(start, start + 100);
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt > 10) throw new DependencyError('The store kept some reads unprocessed.');
      if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
      const keys: Record<string, unknown>[] = pending;
      const result = await guard(() => ctx.documents.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } })));
      items.push(...(result.Responses?.[table] ?? []));
      pending = result.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return items;
}

type Item = Record<string, unknown>;

/** Every page of a Query, in order; each page is read only when the caller asks for it. */
export async function* queryPages(documents: DynamoDBDocumentClient, input: QueryCommandInput, what?: string): AsyncGenerator<Item[]> {
  let start: Item | undefined;
  do {
    const page = await guard(() => documents.send(new QueryCommand({ ...input, ExclusiveStartKey: start })), what);
    yield page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}

/** Every page of a Scan, in order, one page in memory at a time. */
export async function* scanPages(documents: DynamoDBDocumentClient, input: ScanCommandInput, what?: string): AsyncGenerator<Item[]> {
  let start: Item | undefined;
  do {
    const page = await guard(() => documents.send(new ScanCommand({ ...input, ExclusiveStartKey: start })), what);
    yield page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}
