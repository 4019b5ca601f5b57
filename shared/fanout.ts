import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Channel } from './resources.js';
import type { Status, Suppression } from './preferences.js';

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

function image(value: Record<string, unknown> | undefined): Suppression | undefined {
  if (!value) return undefined;
  return unmarshall(value as Record<string, AttributeValue>) as Suppression;
}

/**
 * The message a suppressions-stream record calls for, or undefined when the record changes
 * nothing a channel must apply (a removal, or a rewrite that does not raise the version).
 */
export function messageForRecord(record: DynamoDBRecord): SuppressionMessage | undefined {
  const next = image(record.dynamodb?.NewImage);
  if (!next || record.eventName === 'REMOVE') return undefined;
  const previous = image(record.dynamodb?.OldImage);
  if (previous && previous.version >= next.version) return undefined;
  return suppressionMessage(next);
}
