import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { StoreContext } from './clients.js';
import { guard, queryPages } from './dynamo.js';

/**
 * What people did in the console, in the preferences table beside the record they acted on:
 * `CONSOLE#<yyyy-mm-dd> / <at>#<uuid>` for the day's log and, when the action was about a person,
 * `CONSOLE#PERSON#<personId> / <at>#<uuid>` for that person's. Entries are never changed or
 * deleted. They carry the user, never a searched phone number or email (searches are logged by
 * kind and by whom they found).
 */

export interface ConsoleAction {
  at: string;
  userId: string;
  userName: string;
  role: string;
  via: string;
  /** `search`, `view-person`, `export-proof`, `record-request`, `create-api-key`, … */
  action: string;
  personId?: string;
  /** What the action was about or produced: an event id, an API key id, a search kind. */
  detail?: string;
  outcome: 'done' | 'refused';
}

const dayPartition = (at: string) => `CONSOLE#${at.slice(0, 10)}`;
const personPartition = (personId: string) => `CONSOLE#PERSON#${personId}`;

export async function recordConsoleAction(ctx: StoreContext, action: ConsoleAction): Promise<void> {
  const sk = `${action.at}#${randomUUID()}`;
  const partitions = [dayPartition(action.at), ...(action.personId ? [personPartition(action.personId)] : [])];
  await Promise.all(
    partitions.map((pk) =>
      guard(() => ctx.documents.send(new PutCommand({ TableName: ctx.tables.preferences, Item: { pk, sk, type: 'console-action', ...action } }))),
    ),
  );
}

async function newest(ctx: StoreContext, pk: string, limit: number): Promise<ConsoleAction[]> {
  const actions: ConsoleAction[] = [];
  const pages = queryPages(ctx.documents, {
    TableName: ctx.tables.preferences,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ScanIndexForward: false,
    Limit: limit,
    ConsistentRead: true,
  });
  for await (const page of pages) {
    for (const item of page) {
      const { pk: _pk, sk: _sk, type: _type, ...action } = item;
      actions.push(action as unknown as ConsoleAction);
      if (actions.length >= limit) return actions;
    }
  }
  return actions;
}

/** A day's console actions, newest first. */
export function consoleActionsOn(ctx: StoreContext, day: string, limit = 200): Promise<ConsoleAction[]> {
  return newest(ctx, `CONSOLE#${day}`, limit);
}

/** The console actions about one person, newest first. */
export function consoleActionsAbout(ctx: StoreContext, personId: string, limit = 100): Promise<ConsoleAction[]> {
  return newest(ctx, personPartition(personId), limit);
}
