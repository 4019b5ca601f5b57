import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import { isChannel, type Channel } from '../core/channels.js';
import type { Status, Suppression } from '../core/preferences.js';
import type { StoreContext } from '../store/clients.js';
import { isDelivered, recordDelivery } from '../store/deliveries.js';
import { suppressionImage as image } from '../store/stream-records.js';
import { purposes } from '../platform/config.js';
import { affectedPurposes } from '../platform/integrations.js';

export const SUPPRESSION_MESSAGE_TYPE = 'suppression.changed';
export const SUPPRESSION_SCHEMA_VERSION = 1;

/**
 * What a channel queue carries for one change of one address. Its content is a function of the
 * suppression item alone, so a redelivered change is byte-for-byte the same message.
 */
export interface SuppressionMessage {
  type: typeof SUPPRESSION_MESSAGE_TYPE;
  schemaVersion: typeof SUPPRESSION_SCHEMA_VERSION;
  /** Stable per (channel, address, version): consumers deduplicate on it. */
  messageId: string;
  channel: Channel;
  address: string;
  personId: string;
  /** Suppressed when any purpose is: the answer for a sender that does not say its purpose. */
  status: Status;
  suppressed: boolean;
  /** Status per purpose; `all` stands for every purpose not named. */
  purposes: Record<string, Status>;
  /** Per-address version; a consumer drops any message older than one it has applied. */
  version: number;
  eventId: string;
  /** When the person acted. */
  since: string;
  /** When optout-hub recorded the change. */
  recordedAt: string;
}

export function suppressionMessage(suppression: Suppression): SuppressionMessage {
  return {
    type: SUPPRESSION_MESSAGE_TYPE,
    schemaVersion: SUPPRESSION_SCHEMA_VERSION,
    messageId: `${suppression.channel}:${suppression.address}:v${suppression.version}`,
    channel: suppression.channel,
    address: suppression.address,
    personId: suppression.personId,
    status: suppression.status,
    suppressed: suppression.status === 'suppressed',
    purposes: suppression.purposes,
    version: suppression.version,
    eventId: suppression.eventId,
    since: suppression.since,
    recordedAt: suppression.updatedAt,
  };
}

/** A stream record fan-out can never turn into a message: retrying it will not help. */
export class PoisonRecordError extends Error {
  override name = 'PoisonRecordError';
}

/** Refuses an item that is not a suppression as the write path stores it. */
export function assertSuppression(item: Suppression): Suppression {
  const problems = [
    !isChannel(String(item.channel)) && `unknown channel "${String(item.channel)}"`,
    (typeof item.address !== 'string' || item.address === '') && 'no address',
    (!Number.isInteger(item.version) || item.version < 1) && 'no positive integer version',
    item.status !== 'suppressed' && item.status !== 'allowed' && 'no status',
    typeof item.eventId !== 'string' && 'no eventId',
    (typeof item.updatedAt !== 'string' || Number.isNaN(Date.parse(item.updatedAt))) && 'no updatedAt',
  ].filter(Boolean);
  if (problems.length) throw new PoisonRecordError(`The suppression item cannot be distributed: ${problems.join(', ')}.`);
  return item;
}

/** A message with the purposes its change affected: what integrations' purpose filters match. */
export interface Change {
  message: SuppressionMessage;
  /** Undefined when not known (a replay from the current item): every filter then takes it. */
  affects?: string[];
}

/**
 * The change a suppressions-stream record calls for, or undefined when the record changes
 * nothing a channel must apply (a removal, or a rewrite that does not raise the version).
 */
export function changeForRecord(record: DynamoDBRecord): Change | undefined {
  const next = image(record.dynamodb?.NewImage);
  if (!next || record.eventName === 'REMOVE') return undefined;
  const previous = image(record.dynamodb?.OldImage);
  if (previous && previous.version >= next.version) return undefined;
  const message = suppressionMessage(assertSuppression(next));
  return { message, affects: affectedPurposes(previous, next, purposes()) };
}

/** The message a suppressions-stream record calls for (changeForRecord without what it affects). */
export function messageForRecord(record: DynamoDBRecord): SuppressionMessage | undefined {
  return changeForRecord(record)?.message;
}

/**
 * Where messages go: the channel topic (or, for a replay, one queue), then the DELIVERY# item that
 * says when. A seam, so tests can make one send fail without a broken topic.
 */
export interface FanoutPorts {
  send(change: Change): Promise<void>;
  recordDelivery(change: Change): Promise<void>;
  /** Whether the DELIVERY# item of this message exists, i.e. it is already published. */
  delivered(message: SuppressionMessage): Promise<boolean>;
}

/**
 * Publishes one change, and only once the topic (or queue) has it, records the delivery. A failure
 * of either fails the record, which is then retried: the retry sends a byte-identical message
 * with the same messageId, so a consumer sees at most a duplicate, never a different version.
 *
 * A stream redelivery (the records after a failed one, a retried batch) skips a message whose
 * delivery is already recorded, so partial failures do not even duplicate; the replay tool
 * forces the send, since a dead letter means a subscriber lost it.
 */
export async function distribute(change: Change, ports: FanoutPorts, options: { skipDelivered?: boolean } = {}): Promise<'sent' | 'already-delivered'> {
  if (options.skipDelivered && (await ports.delivered(change.message))) return 'already-delivered';
  await ports.send(change);
  await ports.recordDelivery(change);
  return 'sent';
}

/** The message of a stream record, distributed once; undefined when the record calls for none. */
export async function distributeRecord(record: DynamoDBRecord, ports: FanoutPorts): Promise<SuppressionMessage | undefined> {
  const change = changeForRecord(record);
  if (change) await distribute(change, ports, { skipDelivered: true });
  return change?.message;
}

/** Message attributes every subscriber gets (raw delivery keeps them on the SQS message). */
function messageAttributes(message: SuppressionMessage) {
  return {
    type: { DataType: 'String', StringValue: message.type },
    schemaVersion: { DataType: 'Number', StringValue: String(message.schemaVersion) },
    messageId: { DataType: 'String', StringValue: message.messageId },
  };
}

export function queueMessage(message: SuppressionMessage) {
  return { MessageBody: JSON.stringify(message), MessageAttributes: messageAttributes(message) };
}

/**
 * The SNS publication of a change. `affects` is what purpose-filtered subscriptions match
 * (`all` when not known); a change that affects no purpose carries none, so only subscriptions
 * without a filter take it.
 */
export function topicMessage(change: Change) {
  const affects = change.affects ?? ['all'];
  return {
    Message: JSON.stringify(change.message),
    MessageAttributes: {
      ...messageAttributes(change.message),
      ...(affects.length ? { affects: { DataType: 'String.Array', StringValue: JSON.stringify(affects) } } : {}),
    },
  };
}

/** The DELIVERY item fan-out records for a change once it is published. */
export function deliveryRecordOf(change: Change) {
  const { message } = change;
  return {
    channel: message.channel,
    address: message.address,
    version: message.version,
    eventId: message.eventId,
    messageId: message.messageId,
    personId: message.personId,
    ...(change.affects ? { affects: change.affects } : {}),
  };
}

function deliveryPorts(store: StoreContext, send: FanoutPorts['send']): FanoutPorts {
  return {
    send,
    recordDelivery: (change) => recordDelivery(store, deliveryRecordOf(change)),
    delivered: (message) => isDelivered(store, message.channel, message.address, message.version),
  };
}

/** Fan-out's ports: the channel topics (every subscriber gets its copy), the preferences table for delivery items. */
export function channelTopicPorts(options: { sns: SNSClient; store: StoreContext; topicArn: (channel: Channel) => string }): FanoutPorts {
  return deliveryPorts(options.store, async (change) => {
    await options.sns.send(new PublishCommand({ TopicArn: options.topicArn(change.message.channel), ...topicMessage(change) }));
  });
}

/** A replay's ports: straight onto one subscriber's queue (the one that lost the message), not to every subscriber. */
export function channelQueuePorts(options: { sqs: SQSClient; store: StoreContext; queueUrl: (channel: Channel) => string }): FanoutPorts {
  return deliveryPorts(options.store, async (change) => {
    await options.sqs.send(new SendMessageCommand({ QueueUrl: options.queueUrl(change.message.channel), ...queueMessage(change.message) }));
  });
}

/** What a reference consumer did with one message. */
export type ApplyOutcome = 'applied' | 'duplicate' | 'stale';

/**
 * The reference consumer every channel integration should imitate: keep, per (channel, address),
 * the highest version applied; apply a message only when its version is higher. Duplicates
 * (same version) and late older versions change nothing, so any delivery order and any number of
 * redeliveries end in the state of the highest version.
 */
export function applySuppressionMessage(applied: Map<string, SuppressionMessage>, message: SuppressionMessage): ApplyOutcome {
  const key = `${message.channel}#${message.address}`;
  const current = applied.get(key);
  if (current && current.version === message.version) return 'duplicate';
  if (current && current.version > message.version) return 'stale';
  applied.set(key, message);
  return 'applied';
}
