import { randomBytes } from 'node:crypto';
import type { Channel } from '../../shared/core/channels.js';
import type { Status } from '../../shared/core/preferences.js';
import type { Connector } from '../../shared/connectors/connector.js';
import { applyBatch, type BatchResult, type QueueRecord } from '../../shared/connectors/runtime.js';
import { SUPPRESSION_MESSAGE_TYPE, SUPPRESSION_SCHEMA_VERSION, type SuppressionMessage } from '../../shared/distribution/fanout.js';
import type { StoreContext } from '../../shared/store/clients.js';
import { getDeliveries, recordDelivery, type Delivery } from '../../shared/store/deliveries.js';

/**
 * Changes as fan-out puts them on an integration's queue (the DELIVERY# item first, so acks can be
 * recorded), and one run of the connector runtime over them, for connector contract tests.
 */

export function change(
  channel: Channel,
  address: string,
  version: number,
  purposes: Record<string, Status>,
  recordedAt: Date = new Date(),
): SuppressionMessage {
  const status: Status = Object.values(purposes).includes('suppressed') ? 'suppressed' : 'allowed';
  return {
    type: SUPPRESSION_MESSAGE_TYPE,
    schemaVersion: SUPPRESSION_SCHEMA_VERSION,
    messageId: `${channel}:${address}:v${version}`,
    channel,
    address,
    personId: `p_${randomBytes(6).toString('hex')}`,
    status,
    suppressed: status === 'suppressed',
    purposes,
    version,
    eventId: `ev_${randomBytes(8).toString('hex')}`,
    since: recordedAt.toISOString(),
    recordedAt: recordedAt.toISOString(),
  };
}

/** Records each change's delivery, as fan-out does after publishing, and gives its queue record. */
export async function enqueue(store: StoreContext, messages: readonly SuppressionMessage[], receiveCount = 1): Promise<QueueRecord[]> {
  for (const message of messages) {
    await recordDelivery(store, {
      channel: message.channel,
      address: message.address,
      version: message.version,
      eventId: message.eventId,
      messageId: message.messageId,
      personId: message.personId,
    });
  }
  return messages.map((message) => ({
    messageId: `q-${randomBytes(6).toString('hex')}`,
    receiptHandle: `rh-${randomBytes(6).toString('hex')}`,
    body: JSON.stringify(message),
    receiveCount,
  }));
}

export interface RunOutcome extends BatchResult {
  /** Seconds each failed record was made visible again after, by queue message id. */
  retryAfter: Map<string, number>;
  /** Inline waits the runtime made, in milliseconds. */
  waits: number[];
}

/** One batch through the runtime, with the queue's visibility changes and the runtime's waits captured. */
export async function runBatch(
  store: StoreContext,
  integration: { name: string; channels: readonly Channel[] },
  connector: Connector,
  records: readonly QueueRecord[],
  limits: { batchSize: number; requestsPerSecond: number },
): Promise<RunOutcome> {
  const retryAfter = new Map<string, number>();
  const waits: number[] = [];
  const result = await applyBatch(
    integration,
    connector,
    records,
    {
      store,
      retryAfter: async (record, seconds) => {
        retryAfter.set(record.messageId, seconds);
      },
      sleep: async (ms) => {
        waits.push(ms);
        await new Promise((resolve) => setTimeout(resolve, ms));
      },
    },
    limits,
  );
  return { ...result, retryAfter, waits };
}

export async function deliveryOf(store: StoreContext, message: SuppressionMessage): Promise<Delivery | undefined> {
  const found = await getDeliveries(store, [message]);
  return [...found.values()][0];
}
