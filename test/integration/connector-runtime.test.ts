import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryLater, type ChangeOutcome, type Connector } from '../../shared/connectors/connector.js';
import { applyBatch, type QueueRecord } from '../../shared/connectors/runtime.js';
import { webhookConnector } from '../../shared/connectors/webhook.js';
import { deliveryRecordOf, suppressionMessage, type SuppressionMessage } from '../../shared/distribution/fanout.js';
import { getDelivery, recordDelivery } from '../../shared/store/deliveries.js';
import { appliedVersions } from '../../shared/store/applied.js';
import { keys } from '../../shared/store/keys.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/contracts/webhook-receiver.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';

/**
 * The connector runtime against DynamoDB Local: apply by version, acks per integration, refusals,
 * back-off and Retry-After. The vendor is either a scripted connector (the seam) or the webhook
 * connector against a receiver that verifies Standard Webhooks signatures.
 */

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});

const phone = () => `+1415${String(1_000_000 + (randomBytes(3).readUIntBE(0, 3) % 9_000_000)).slice(0, 7)}`;
const INTEGRATION = { name: 'crm-sync', channels: ['sms', 'email'] };

function change(address: string, version: number, status: 'suppressed' | 'allowed' = 'suppressed'): SuppressionMessage {
  return suppressionMessage({
    channel: 'sms',
    address,
    personId: 'p-1',
    status,
    purposes: { all: status },
    version,
    eventId: `evt-${address}-${version}`,
    since: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.100Z',
  });
}

/** What fan-out does before a connector can ack: the delivery item of each version. */
async function published(...messages: SuppressionMessage[]): Promise<void> {
  for (const message of messages) await recordDelivery(stack.store, deliveryRecordOf({ message }));
}

let sequence = 0;
const record = (message: SuppressionMessage | string, receiveCount = 1): QueueRecord => ({
  messageId: `m-${++sequence}`,
  receiptHandle: `r-${sequence}`,
  body: typeof message === 'string' ? message : JSON.stringify(message),
  receiveCount,
});

/** A vendor scripted per call; records what it was asked. */
function scripted(answer: (changes: readonly SuppressionMessage[], call: number) => ChangeOutcome[] | Promise<ChangeOutcome[]>) {
  const calls: SuppressionMessage[][] = [];
  const connector: Connector = {
    async apply(changes) {
      calls.push([...changes]);
      return answer(changes, calls.length);
    },
  };
  return { connector, calls };
}

function ports() {
  const visibility = new Map<string, number>();
  const slept: number[] = [];
  return {
    visibility,
    slept,
    value: {
      store: stack.store,
      retryAfter: async (queued: QueueRecord, seconds: number) => {
        visibility.set(queued.messageId, seconds);
      },
      sleep: async (ms: number) => {
        slept.push(ms);
      },
    },
  };
}

const limits = { batchSize: 3, requestsPerSecond: 1000 };
const applied = (changes: readonly unknown[]): ChangeOutcome[] => changes.map(() => ({ outcome: 'applied' }));

describe('the connector runtime', () => {
  it('applies only the highest version per address, acks it for the integration, and covers the older ones', async () => {
    const address = phone();
    const [v1, v2, v3] = [change(address, 1), change(address, 2, 'allowed'), change(address, 3)];
    await published(v1, v2, v3);
    const vendor = scripted(applied);
    const port = ports();
    const result = await applyBatch(INTEGRATION, vendor.connector, [record(v2), record(v3), record(v1)], port.value, limits);
    expect(result).toMatchObject({ failed: [], applied: 3, duplicates: 0 });
    expect(vendor.calls.flat().map((message) => message.version)).toEqual([3]);
    for (const version of [1, 2, 3]) {
      const delivery = await getDelivery(stack.store, 'sms', address, version);
      expect(delivery?.acks?.['crm-sync'], `v${version}`).toMatchObject({ version: 3 });
    }
    expect((await appliedVersions(stack.store, 'crm-sync', [{ channel: 'sms', address }])).get(`sms#${address}`)).toBe(3);

    // Redelivered, and a late older version: nothing is sent again.
    const again = await applyBatch(INTEGRATION, vendor.connector, [record(v3), record(v1)], port.value, limits);
    expect(again).toMatchObject({ failed: [], duplicates: 2, applied: 0 });
    expect(vendor.calls).toHaveLength(1);
  });

  it('keeps each integration apart: another integration still gets the version', async () => {
    const address = phone();
    const v1 = change(address, 1);
    await published(v1);
    await applyBatch(INTEGRATION, scripted(applied).connector, [record(v1)], ports().value, limits);
    const other = scripted(applied);
    const result = await applyBatch({ name: 'sms-dialer', channels: ['sms'] }, other.connector, [record(v1)], ports().value, limits);
    expect(result.applied).toBe(1);
    expect(Object.keys((await getDelivery(stack.store, 'sms', address, 1))!.acks!).sort()).toEqual(['crm-sync', 'sms-dialer']);
  });

  it('splits into the vendor batch size', async () => {
    const messages = Array.from({ length: 7 }, () => change(phone(), 1));
    await published(...messages);
    const vendor = scripted(applied);
    await applyBatch(
      INTEGRATION,
      vendor.connector,
      messages.map((message) => record(message)),
      ports().value,
      limits,
    );
    expect(vendor.calls.map((call) => call.length)).toEqual([3, 3, 1]);
  });

  it('records a permanent refusal as refused, not applied, and does not retry it', async () => {
    const [good, bad] = [change(phone(), 1), change(phone(), 1)];
    await published(good, bad);
    const vendor = scripted((changes) =>
      changes.map((message) => (message.address === bad.address ? { outcome: 'refused', reason: '422: invalid number' } : { outcome: 'applied' })),
    );
    const result = await applyBatch(INTEGRATION, vendor.connector, [record(good), record(bad)], ports().value, limits);
    expect(result).toMatchObject({ failed: [], applied: 1, refused: 1 });
    const refused = await getDelivery(stack.store, 'sms', bad.address, 1);
    expect(refused?.acks?.['crm-sync']).toMatchObject({ refused: '422: invalid number' });
    // A refusal is not the delivery's first application.
    expect(refused?.ackedAt).toBeUndefined();
    expect((await getDelivery(stack.store, 'sms', good.address, 1))?.ackedAt).toBeDefined();
    const again = await applyBatch(INTEGRATION, vendor.connector, [record(bad)], ports().value, limits);
    expect(again.duplicates).toBe(1);
    expect(vendor.calls).toHaveLength(1);
  });

  it('sends a retried change back with the vendor Retry-After, or with back-off by receive count', async () => {
    const [a, b] = [change(phone(), 1), change(phone(), 1)];
    await published(a, b);
    const port = ports();
    const records = [record(a, 1), record(b, 3)];
    const vendor = scripted((changes) =>
      changes.map((message) => (message.address === a.address ? { outcome: 'retry', reason: '429', afterMs: 90_000 } : { outcome: 'retry', reason: 'down' })),
    );
    const result = await applyBatch(INTEGRATION, vendor.connector, records, port.value, limits);
    expect(result.failed.sort()).toEqual(records.map((queued) => queued.messageId).sort());
    expect(port.visibility.get(records[0]!.messageId)).toBe(90);
    expect(port.visibility.get(records[1]!.messageId)).toBe(120);
    expect(await getDelivery(stack.store, 'sms', a.address, 1).then((delivery) => delivery?.acks)).toBeUndefined();
  });

  it('waits out a short Retry-After in place and then applies', async () => {
    const message = change(phone(), 1);
    await published(message);
    const port = ports();
    const vendor = scripted((changes, call) => {
      if (call === 1) throw new RetryLater('429', 2000);
      return applied(changes);
    });
    const result = await applyBatch(INTEGRATION, vendor.connector, [record(message)], port.value, limits);
    expect(result).toMatchObject({ failed: [], applied: 1 });
    expect(port.slept.some((ms) => ms >= 1900)).toBe(true);
  });

  it('retries shortly when fan-out has not recorded the delivery yet, then acks', async () => {
    const message = change(phone(), 1);
    // The change is recorded (its suppression item exists) but its delivery is not, yet.
    await stack.store.documents.send(
      new PutCommand({
        TableName: stack.store.tables.suppressions,
        Item: {
          ...keys.suppression('sms', message.address),
          channel: 'sms',
          address: message.address,
          version: 1,
          status: 'suppressed',
          purposes: { all: 'suppressed' },
        },
      }),
    );
    const port = ports();
    const queued = record(message);
    const first = await applyBatch(INTEGRATION, scripted(applied).connector, [queued], port.value, limits);
    expect(first.failed).toEqual([queued.messageId]);
    expect(port.visibility.get(queued.messageId)).toBe(2);
    await published(message);
    const second = await applyBatch(INTEGRATION, scripted(applied).connector, [record(message)], port.value, limits);
    expect(second.applied).toBe(1);
  });

  it('sends a message that is not a change of its channels straight back, to reach its DLQ', async () => {
    const port = ports();
    const poison = [record('not json'), record('{"channel":"sms"}'), record(JSON.stringify({ ...change(phone(), 1), channel: 'voice' }))];
    const result = await applyBatch(INTEGRATION, scripted(applied).connector, poison, port.value, limits);
    expect(result.poison).toBe(3);
    expect(result.failed).toHaveLength(3);
    for (const queued of poison) expect(port.visibility.get(queued.messageId)).toBe(0);
  });
});

describe('the webhook connector', () => {
  let receiver: WebhookReceiver;
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  beforeAll(async () => {
    receiver = await startWebhookReceiver(secret);
  });
  afterAll(async () => receiver?.close());

  const connector = () =>
    webhookConnector.create({
      integration: { name: 'crm-sync', connector: 'webhook', channels: ['sms'], settings: {} },
      settings: { url: receiver.url, timeoutMs: 2000 },
      secret,
      fetch,
    });

  it('POSTs each change signed the Standard Webhooks way, honours 429 Retry-After, and records a 422 as refused', async () => {
    const [a, b] = [change(phone(), 1), change(phone(), 1)];
    await published(a, b);
    receiver.refuse(b.address);
    receiver.setMode({ kind: 'throttle', retryAfterSeconds: 1, times: 1 });
    const port = ports();
    const result = await applyBatch(
      INTEGRATION,
      connector(),
      [record(a), record(b)],
      { ...port.value, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
      limits,
    );
    expect(result).toMatchObject({ failed: [], applied: 1, refused: 1 });
    expect(receiver.forged).toBe(0);
    expect(receiver.deferred).toBe(1);
    expect(receiver.received.map((message) => message.id)).toContain(a.messageId);
    expect(receiver.received.find((message) => message.id === a.messageId)!.body).toEqual(JSON.parse(JSON.stringify(a)));
    expect((await getDelivery(stack.store, 'sms', b.address, 1))?.acks?.['crm-sync']?.refused).toMatch(/^422/);
  });

  it('refuses to start without a whsec_ secret', () => {
    expect(() =>
      webhookConnector.create({
        integration: { name: 'x1', connector: 'webhook', channels: ['sms'], settings: {} },
        settings: { url: receiver.url, timeoutMs: 1000 },
        secret: undefined,
        fetch,
      }),
    ).toThrow(/no whsec_ secret for integration "x1"/);
  });
});
