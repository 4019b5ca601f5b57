import { randomBytes, randomUUID } from 'node:crypto';
import type { Channel } from '../../shared/core/channels.js';
import type { Status } from '../../shared/core/preferences.js';
import type { Connector } from '../../shared/connectors/connector.js';
import { applyBatch, type BatchResult, type RuntimeLimits } from '../../shared/connectors/runtime.js';
import { SUPPRESSION_MESSAGE_TYPE, SUPPRESSION_SCHEMA_VERSION, type SuppressionMessage } from '../../shared/distribution/fanout.js';
import type { StoreContext } from '../../shared/store/clients.js';
import { getDelivery, recordDelivery, type IntegrationAck } from '../../shared/store/deliveries.js';

/**
 * What a connector contract test needs around `applyBatch`: changes as fan-out writes them (the
 * DELIVERY# item first, so acks can be recorded) and queue records as SQS hands them out, with
 * the visibility changes the runtime asks for captured instead of sent to a queue.
 */

export function change(channel: Channel, address: string, version: number, purposes: Record<string, Status> = { all: 'suppressed' }): SuppressionMessage {
  const suppressed = Object.values(purposes).includes('suppressed');
  return {
    type: SUPPRESSION_MESSAGE_TYPE,
    schemaVersion: SUPPRESSION_SCHEMA_VERSION,
    messageId: `${channel}:${address}:v${version}`,
    channel,
    address,
    personId: `p_${randomBytes(6).toString('hex')}`,
    status: suppressed ? 'suppressed' : 'allowed',
    suppressed,
    purposes,
    version,
    eventId: randomUUID(),
    since: new Date().toISOString(),
    recordedAt: new Date().toISOString(),
  };
}

/** As fan-out does after putting the messages on the topic. */
export async function deliver(store: StoreContext, messages: readonly SuppressionMessage[]): Promise<void> {
  const pending = [...messages];
  const worker = async () => {
    for (let message = pending.shift(); message; message = pending.shift()) await record(message);
  };
  const record = (message: SuppressionMessage) =>
    recordDelivery(store, {
      channel: message.channel,
      address: message.address,
      version: message.version,
      eventId: message.eventId,
      messageId: message.messageId,
      personId: message.personId,
    });
  await Promise.all(Array.from({ length: 8 }, worker));
}

export interface Run {
  result: BatchResult;
  /** Queue message id → seconds until it comes back, for every message sent back. */
  retryAfter: Map<string, number>;
}

/** One SQS batch of `messages` through the runtime; the queue message id is the change's messageId. */
export async function run(
  store: StoreContext,
  integration: { name: string; channels: readonly string[] },
  connector: Connector,
  messages: readonly SuppressionMessage[],
  limits: RuntimeLimits,
  receiveCount = 1,
): Promise<Run> {
  const retryAfter = new Map<string, number>();
  const result = await applyBatch(
    integration,
    connector,
    messages.map((message) => ({
      messageId: message.messageId,
      receiptHandle: `rh-${randomBytes(4).toString('hex')}`,
      body: JSON.stringify(message),
      receiveCount,
    })),
    {
      store,
      retryAfter: async (record, seconds) => {
        retryAfter.set(record.messageId, seconds);
      },
    },
    limits,
  );
  return { result, retryAfter };
}

/** The integration's ack on the delivery of this change, if any. */
export async function ackOf(store: StoreContext, message: SuppressionMessage, integration: string): Promise<IntegrationAck | undefined> {
  return (await getDelivery(store, message.channel, message.address, message.version))?.acks?.[integration];
}

export const uniqueEmail = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;
export const uniquePhone = () => `+1415${String(randomBytes(4).readUInt32BE() % 10_000_000).padStart(7, '0')}`;
