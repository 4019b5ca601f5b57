import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './clients.js';
import { guard } from './dynamo.js';
import { keys } from './keys.js';

/**
 * The immutable events of the master record, read by id. Changes write them inside their own
 * transaction (transactions.ts); what is here reads them, keeps events that change nothing (an
 * unknown call disposition, kept for audit) and attaches the one answer a source was given.
 */

export interface StoredEvent {
  id?: string;
  personId?: string;
  effect?: string;
  recordedAt: string;
  [detail: string]: unknown;
}

export async function readEvent(ctx: StoreContext, eventId: string): Promise<StoredEvent | undefined> {
  const result = await guard(() => ctx.documents.send(new GetCommand({ TableName: ctx.tables.preferences, Key: keys.event(eventId), ConsistentRead: true })));
  if (!result.Item) return undefined;
  const { pk: _pk, sk: _sk, ...event } = result.Item;
  return event as StoredEvent;
}

/** Keeps an event that belongs to no person; false when one with that id is already kept. */
export async function keepEvent(ctx: StoreContext, event: StoredEvent & { id: string }): Promise<boolean> {
  try {
    await guard(() =>
      ctx.documents.send(
        new PutCommand({
          TableName: ctx.tables.preferences,
          Item: { ...keys.event(event.id), type: 'event', ...event },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Attaches `value` as `attribute` of an event once: the first writer wins, and every later or
 * concurrent writer gets the kept value back, so a source retrying gets the same answer.
 */
export async function attachOnce<T>(ctx: StoreContext, eventId: string, attribute: string, value: T): Promise<T | undefined> {
  try {
    await guard(() =>
      ctx.documents.send(
        new UpdateCommand({
          TableName: ctx.tables.preferences,
          Key: keys.event(eventId),
          UpdateExpression: 'SET #attribute = :value',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#attribute)',
          ExpressionAttributeNames: { '#attribute': attribute },
          ExpressionAttributeValues: { ':value': value },
        }),
      ),
    );
    return value;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return (await readEvent(ctx, eventId))?.[attribute] as T | undefined;
  }
}
