import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DependencyError } from '../core/errors.js';
import type { Channel } from '../core/channels.js';
import type { StoreContext } from './clients.js';
import { batchGetItems, guard, queryPages } from './dynamo.js';
import { keys, versionKey } from './keys.js';

/**
 * Delivery items in the preferences table: one per (channel, address, version) that fan-out put
 * on a channel queue, and what integrations said about applying it.
 *
 *   pk `DELIVERY#<channel>#<address>`, sk `v<version, zero-padded to 10>`
 *   written by fan-out after SendMessage (recordDelivery below): channel, address, version, eventId, messageId, personId,
 *   enqueuedAt (if_not_exists, so a redelivered stream record keeps the first time);
 *   written by acks: ackedAt and ackedBy (the first ack, if_not_exists) and
 *   acks.<integration> = { at, version, keyId } (each integration's first ack; `version` is the version it
 *   acked, which is newer than this item's when a later ack covered it; `keyId` the API key that sent it).
 *
 * Zero-padding makes the sort key order numeric, so "every version older than N" is one query.
 */

export interface IntegrationAck {
  at: string;
  /** The version the integration acked: this one, or a newer one that superseded it. */
  version: number;
  /** The id of the API key that sent the ack (absent for acks recorded before keys were kept). */
  keyId?: string;
  /** Set when the integration's vendor refused the change for good (an invalid address): why. Not applied. */
  refused?: string;
}

export interface Delivery {
  channel: Channel;
  address: string;
  version: number;
  eventId?: string;
  messageId?: string;
  personId?: string;
  /** The purposes the change affected (platform/integrations.ts affectedPurposes); absent when not known. */
  affects?: string[];
  enqueuedAt?: string;
  ackedAt?: string;
  ackedBy?: string;
  acks?: Record<string, IntegrationAck>;
}

function toDelivery(item: Record<string, unknown>): Delivery {
  const { pk: _pk, sk: _sk, type: _type, ...delivery } = item;
  return delivery as unknown as Delivery;
}

export type AckOutcome = 'acked' | 'already-acked' | 'missing';

export interface AckWrite {
  channel: Channel;
  address: string;
  version: number;
  integration: string;
  ack: IntegrationAck;
}

/**
 * Records one integration's ack on one delivery item: its own first ack, and the item's first
 * ack overall, each kept if already there (if_not_exists), so a retried ack changes nothing.
 *
 * The per-integration acks live in a map, and DynamoDB cannot set `acks.x` before `acks` exists,
 * so the first ack of an item creates the map under `attribute_not_exists(acks)`, and any other
 * ack sets its entry under `attribute_exists(acks)`; a race between the two retries once more.
 * An ack never creates the item: fan-out reads its existence as "already on the queue".
 */
export async function recordAck(ctx: StoreContext, write: AckWrite): Promise<{ outcome: AckOutcome; delivery?: Delivery }> {
  const key = keys.delivery(write.channel, write.address, write.version);
  const names: Record<string, string> = { '#integration': write.integration };
  const values: Record<string, unknown> = { ':ack': write.ack, ':at': write.ack.at, ':by': write.integration };
  // A refusal is this integration's answer, not the delivery's first application.
  const firstAck = write.ack.refused ? '' : ', ackedAt = if_not_exists(ackedAt, :at), ackedBy = if_not_exists(ackedBy, :by)';
  if (write.ack.refused) {
    delete values[':at'];
    delete values[':by'];
  }
  const exists = ' AND attribute_exists(pk)';

  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const result = await guard(() =>
        ctx.documents.send(
          new UpdateCommand({
            TableName: ctx.tables.preferences,
            Key: key,
            UpdateExpression: `SET acks.#integration = if_not_exists(acks.#integration, :ack)${firstAck}`,
            ConditionExpression: `attribute_exists(acks)${exists}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      const delivery = toDelivery(result.Attributes ?? {});
      const mine = delivery.acks?.[write.integration];
      const already = mine !== undefined && (mine.at !== write.ack.at || mine.version !== write.ack.version);
      return { outcome: already ? 'already-acked' : 'acked', delivery };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    try {
      const result = await guard(() =>
        ctx.documents.send(
          new UpdateCommand({
            TableName: ctx.tables.preferences,
            Key: key,
            UpdateExpression: `SET acks = :acks${firstAck}`,
            ConditionExpression: `attribute_not_exists(acks)${exists}`,
            ExpressionAttributeValues: { ...withoutKey(values, ':ack'), ':acks': { [write.integration]: write.ack } },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return { outcome: 'acked', delivery: toDelivery(result.Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // Neither held: the item does not exist (acks never create it), or another ack raced us.
    if (!(await getDelivery(ctx, write.channel, write.address, write.version))) return { outcome: 'missing' };
  }
  throw new DependencyError('The ack kept conflicting with concurrent acks; it was not recorded.');
}

function withoutKey(values: Record<string, unknown>, name: string): Record<string, unknown> {
  const { [name]: _removed, ...rest } = values;
  return rest;
}

export async function getDelivery(ctx: StoreContext, channel: Channel, address: string, version: number): Promise<Delivery | undefined> {
  const result = await guard(() =>
    ctx.documents.send(new GetCommand({ TableName: ctx.tables.preferences, Key: keys.delivery(channel, address, version), ConsistentRead: true })),
  );
  return result.Item ? toDelivery(result.Item) : undefined;
}

/** Every delivery of one address on one channel, oldest version first; `before` keeps those older than it. */
export async function deliveriesOf(ctx: StoreContext, channel: Channel, address: string, before?: number): Promise<Delivery[]> {
  const { pk } = keys.delivery(channel, address, 0);
  const deliveries: Delivery[] = [];
  const pages = queryPages(ctx.documents, {
    TableName: ctx.tables.preferences,
    KeyConditionExpression: before === undefined ? 'pk = :pk' : 'pk = :pk AND sk < :before',
    ExpressionAttributeValues: { ':pk': pk, ...(before === undefined ? {} : { ':before': versionKey(before) }) },
    ConsistentRead: true,
  });
  for await (const page of pages) deliveries.push(...page.map(toDelivery));
  return deliveries;
}

/** The delivery items of many (channel, address, version)s at once, keyed by deliveryId. */
export async function getDeliveries(
  ctx: StoreContext,
  wanted: readonly { channel: Channel; address: string; version: number }[],
): Promise<Map<string, Delivery>> {
  const unique = [...new Map(wanted.map((item) => [deliveryId(item), item])).values()];
  const items = await batchGetItems(
    ctx,
    ctx.tables.preferences,
    unique.map((item) => keys.delivery(item.channel, item.address, item.version)),
  );
  return new Map(
    items.map((item) => {
      const delivery = toDelivery(item);
      return [deliveryId(delivery), delivery];
    }),
  );
}

export function deliveryId(item: { channel: Channel; address: string; version: number }): string {
  return `${item.channel}#${item.address}#${item.version}`;
}

/** What fan-out records once a message is on a channel queue; acks and trace add to it. */
export interface DeliveryRecord {
  channel: Channel;
  address: string;
  version: number;
  eventId: string;
  messageId: string;
  personId: string;
  affects?: readonly string[];
}

/**
 * Notes that a message was enqueued. Idempotent: a redelivery rewrites the same values and keeps
 * the first enqueuedAt, which is when the channel could first have seen the change.
 */
export async function recordDelivery(ctx: StoreContext, delivery: DeliveryRecord, now: Date = new Date()): Promise<void> {
  await ctx.documents.send(
    new UpdateCommand({
      TableName: ctx.tables.preferences,
      Key: keys.delivery(delivery.channel, delivery.address, delivery.version),
      UpdateExpression:
        'SET #type = :type, #channel = :channel, #address = :address, #version = :version, #eventId = :eventId, #messageId = :messageId, #personId = :personId, #enqueuedAt = if_not_exists(#enqueuedAt, :now)' +
        (delivery.affects ? ', #affects = :affects' : ''),
      ExpressionAttributeNames: {
        '#type': 'type',
        '#channel': 'channel',
        '#address': 'address',
        '#version': 'version',
        '#eventId': 'eventId',
        '#messageId': 'messageId',
        '#personId': 'personId',
        '#enqueuedAt': 'enqueuedAt',
        ...(delivery.affects ? { '#affects': 'affects' } : {}),
      },
      ExpressionAttributeValues: {
        ':type': 'delivery',
        ':channel': delivery.channel,
        ':address': delivery.address,
        ':version': delivery.version,
        ':eventId': delivery.eventId,
        ':messageId': delivery.messageId,
        ':personId': delivery.personId,
        ':now': now.toISOString(),
        ...(delivery.affects ? { ':affects': delivery.affects } : {}),
      },
    }),
  );
}

/** Whether fan-out already enqueued this version (its DELIVERY# item exists). */
export async function isDelivered(ctx: StoreContext, channel: Channel, address: string, version: number): Promise<boolean> {
  const { Item } = await ctx.documents.send(
    new GetCommand({ TableName: ctx.tables.preferences, Key: keys.delivery(channel, address, version), ConsistentRead: true, ProjectionExpression: 'pk' }),
  );
  return Item !== undefined;
}
