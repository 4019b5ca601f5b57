import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../client/index.js';
import { consumeBatch, memoryVersions, type BatchReport, type ConsumerOptions, type SuppressionMessage } from '../../client/queue-consumer.js';
import type { HttpFunction } from '../../infra/local/gateway.js';
import { createGateway } from '../../infra/local/gateway.js';
import { suppressionMessage } from '../../shared/distribution/fanout.js';
import { signalFromSms } from '../../shared/intake/sms/inbound.js';
import { routes } from '../../shared/platform/resources.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { recordDelivery } from '../../shared/store/deliveries.js';
import { getSuppression } from '../../shared/store/suppressions.js';
import { freePort } from '../support/system.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';
import { phoneNumbers } from '../support/phones.js';

/**
 * The example queue consumer (client/queue-consumer.ts) on a fauxqs queue, acking through the real
 * POST /v1/acks handler behind the local gateway, over DynamoDB Local: what it applies, drops,
 * acks and deletes, and what it leaves on the queue when applying or acking fails.
 */

const KEY = 'consumer-key-0123456789';
let stack: TestStack;
let gateway: Server;
let baseUrl: string;

beforeAll(async () => {
  stack = await createTestStack();
  Object.assign(process.env, stack.environment, { API_KEYS: `consumer:${KEY}:ack` });
  const { handler } = (await import('../../functions/acks.js')) as unknown as { handler: HttpFunction };
  gateway = createGateway(
    routes.filter((route) => route.function === 'acks'),
    () => handler,
  );
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => gateway.close(() => resolve())));

const phone = phoneNumbers('332');

/** A STOP or START recorded and enqueued as fan-out would: the message the queue carries. */
async function change(address: string, text: 'STOP' | 'START', at: string): Promise<SuppressionMessage> {
  const messageId = `SM${randomBytes(16).toString('hex')}`;
  const signal = signalFromSms(
    { provider: 'twilio', messageId, from: address, to: '+15017250604', text },
    { receivedAt: new Date(at), defaultRegion: 'US', rawBody: messageId },
  )!;
  await recordSignal(stack.store, signal, { now: () => new Date(at) });
  const message = suppressionMessage((await getSuppression(stack.store, 'sms', address))!);
  await recordDelivery(stack.store, message);
  return message as SuppressionMessage;
}

async function enqueue(queueUrl: string, ...bodies: string[]) {
  for (const body of bodies) await stack.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

/** Receives until `count` messages came, merging the reports. */
async function consume(options: ConsumerOptions, count: number) {
  const reports: BatchReport[] = [];
  for (let polls = 0; polls < 10 && reports.reduce((sum, report) => sum + report.received, 0) < count; polls++) reports.push(await consumeBatch(options));
  return {
    received: reports.reduce((sum, report) => sum + report.received, 0),
    applied: reports.flatMap((report) => report.applied),
    dropped: reports.flatMap((report) => report.dropped),
    unreadable: reports.reduce((sum, report) => sum + report.unreadable, 0),
    failed: reports.flatMap((report) => report.failed),
    acks: reports.flatMap((report) => report.acks?.results ?? []),
    deleted: reports.reduce((sum, report) => sum + report.deleted, 0),
  };
}

async function inFlight(queueUrl: string): Promise<number> {
  const { Attributes } = await stack.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }));
  return Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

describe('the example queue consumer', () => {
  it('applies the newest version per address, drops older and duplicate ones, acks, and deletes only what is applied and acked', async () => {
    const queueUrl = stack.resources.queues.sms.url;
    const [a, b] = [phone(), phone()];
    const a1 = await change(a, 'STOP', '2026-06-01T10:00:00Z');
    const a2 = await change(a, 'START', '2026-06-01T11:00:00Z');
    const b1 = await change(b, 'STOP', '2026-06-01T10:00:00Z');
    // Out of order and with a duplicate, as a queue may deliver them; and one body nobody can read.
    await enqueue(queueUrl, JSON.stringify(a2), JSON.stringify(a1), JSON.stringify(a2), JSON.stringify(b1), '{"type":"something-else"}');

    const list = new Map<string, SuppressionMessage>();
    const versions = memoryVersions();
    const seen = await consume(
      {
        sqs: stack.sqs,
        queueUrl,
        client: createClient({ baseUrl, apiKey: KEY }),
        integration: 'crm-sync',
        versions,
        waitTimeSeconds: 1,
        apply: async (message) => {
          if (message.address === b) throw new Error('the CRM is down');
          list.set(message.address, message);
        },
      },
      5,
    );

    expect(seen.received).toBe(5);
    expect(seen.applied.map((message) => [message.address, message.version])).toEqual([[a, 2]]);
    expect(seen.dropped.map(({ message, reason }) => [message.version, reason]).toSorted()).toEqual([
      [1, 'stale'],
      [2, 'duplicate'],
    ]);
    expect(list.get(a)).toMatchObject({ status: 'allowed', version: 2 });
    expect(versions.entries.get(`sms#${b}`)).toBeUndefined();
    expect(seen.failed.map((failure) => failure.key)).toEqual([`sms#${b}`]);
    expect(seen.unreadable).toBe(1);
    // v2 acked, and with it the older v1 this integration never applied on its own.
    expect(seen.acks).toEqual([expect.objectContaining({ address: a, version: 2, status: 'acked', alsoAcked: [1] })]);
    // a's three messages are gone; b's (its apply failed) and the unreadable one wait for redelivery.
    expect(seen.deleted).toBe(3);
    expect(await inFlight(queueUrl)).toBe(2);
  });

  it('deletes nothing when the acks cannot be sent, and a redelivery is then a duplicate', async () => {
    // Whichever queue the consumer is given: here one the first test did not touch.
    const queueUrl = stack.resources.queues.voice.url;
    const number = phone();
    const message = await change(number, 'STOP', '2026-06-02T10:00:00Z');
    await enqueue(queueUrl, JSON.stringify(message));
    const versions = memoryVersions();
    const unreachable = createClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, apiKey: KEY });
    const seen = await consume(
      { sqs: stack.sqs, queueUrl, client: unreachable, integration: 'crm-sync', versions, waitTimeSeconds: 1, apply: async () => undefined },
      1,
    );
    expect(seen.applied).toHaveLength(1);
    expect(seen.acks).toEqual([]);
    expect(seen.deleted).toBe(0);
    expect(await inFlight(queueUrl)).toBe(1);
    // Held now, so the same message coming back is dropped, not applied twice.
    expect(versions.entries.get(`sms#${number}`)).toBe(message.version);
  });
});
