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
import { BadRequestError, DependencyError } from '../core/errors.js';
import type { StoreContext } from './clients.js';

/** The small pieces every store module shares. */

export type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;

/**
 * A request DynamoDB refused as invalid (a ValidationException: a key over its 2,048-byte limit,
 * say), as the 400 it is, or undefined for any other error. The same request would be refused
 * forever, so it must not be a 503 that providers retry; DynamoDB wrote nothing. Callers bound
 * what becomes a key before it gets here; this is the backstop.
 */
export function invalidRequest(error: unknown, what = 'The store'): BadRequestError | undefined {
  // The SDK has no class for it: a service error is known by its name.
  if ((error as { name?: unknown } | null)?.name !== 'ValidationException') return undefined;
  return new BadRequestError(`${what} refused the request as invalid (a value too long for a key, say); nothing was written.`, {}, error);
}

/**
 * Any failure to reach the store becomes a DependencyError (503), so callers retry; a request the
 * store refuses as invalid is a 400 (invalidRequest). A failed condition is not a failure to reach
 * the store: it passes through for the caller to read.
 */
export async function guard<T>(operation: () => Promise<T>, what = 'The store'): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw error;
    throw invalidRequest(error, what) ?? new DependencyError(`${what} did not answer.`, {}, error);
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
