import { randomBytes } from 'node:crypto';
import type { Channel } from '../../shared/core/channels.js';
import type { Status } from '../../shared/core/preferences.js';
import type { ConnectorDefinition } from '../../shared/connectors/connector.js';
import { applyBatch, type BatchResult, type QueueRecord } from '../../shared/connectors/runtime.js';
import { SUPPRESSION_MESSAGE_TYPE, SUPPRESSION_SCHEMA_VERSION, type SuppressionMessage } from '../../shared/distribution/fanout.js';
import type { IntegrationDeclaration } from '../../shared/platform/integrations.js';
import { recordDelivery } from '../../shared/store/deliveries.js';
import type { StoreContext } from '../../shared/store/clients.js';

/**
 * What a connector contract test needs around applyBatch: changes as fan-out publishes them (with
 * their DELIVERY# items written first, so acks land), queue records as SQS hands them out, and the
 * runtime's visibility changes collected instead of made.
 */

export function change(channel: Channel, address: string, version: number, status: Status, purposes?: Record<string, Status>): SuppressionMessage {
  return {
    type: SUPPRESSION_MESSAGE_TYPE,
    schemaVersion: SUPPRESSION_SCHEMA_VERSION,
    messageId: `${channel}:${address}:v${version}`,
    channel,
    address,
    personId: `person-${randomBytes(6).toString('hex')}`,
    status,
    suppressed: status === 'suppressed',
    purposes: purposes ?? { all: status },
    version,
    eventId: `evt-${randomBytes(6).toString('hex')}`,
    since: '2026-05-04T10:00:00.000Z',
    recordedAt: '2026-05-04T10:00:01.000Z',
  };
}

/** Writes each change's delivery item, as fan-out does after publishing, and returns its queue records. */
export async function enqueue(store: StoreContext, changes: readonly SuppressionMessage[], receiveCount = 1): Promise<QueueRecord[]> {
  for (const message of changes) {
    await recordDelivery(store, {
      channel: message.channel,
      address: message.address,
      version: message.version,
      eventId: message.eventId,
      messageId: message.messageId,
      personId: message.personId,
    });
  }
  return changes.map((message) => ({
    messageId: `sqs-${randomBytes(8).toString('hex')}`,
    receiptHandle: randomBytes(8).toString('hex'),
    body: JSON.stringify(message),
    receiveCount,
  }));
}

export interface Run extends BatchResult {
  /** Records sent back to the queue, with the delay the runtime asked for. */
  delays: { messageId: string; seconds: number }[];
}

/** Runs one batch through applyBatch as the integration's function would, with the definition's limits. */
export async function runBatch<S>(
  store: StoreContext,
  integration: IntegrationDeclaration,
  definition: ConnectorDefinition<S>,
  connector: ReturnType<ConnectorDefinition<S>['create']>,
  records: readonly QueueRecord[],
  limits: { batchSize?: number; requestsPerSecond?: number; maxInlineWaitMs?: number } = {},
): Promise<Run> {
  const delays: { messageId: string; seconds: number }[] = [];
  const result = await applyBatch(
    integration,
    connector,
    records,
    {
      store,
      retryAfter: async (record, seconds) => {
        delays.push({ messageId: record.messageId, seconds });
      },
    },
    {
      batchSize: limits.batchSize ?? definition.batchSize,
      requestsPerSecond: limits.requestsPerSecond ?? definition.requestsPerSecond,
      ...(limits.maxInlineWaitMs === undefined ? {} : { maxInlineWaitMs: limits.maxInlineWaitMs }),
    },
  );
  return { ...result, delays };
}
