import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startStreamPoller, type StreamFailureMessage, type StreamPoller } from '../../infra/local/stream-poller.js';
import { applySuppressionMessage, channelQueuePorts, type FanoutPorts, type SuppressionMessage } from '../../shared/distribution/fanout.js';
import { signalFromSms } from '../../shared/intake/sms/inbound.js';
import { getSuppression } from '../../shared/store/suppressions.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { keys } from '../../shared/store/keys.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';

/**
 * Fan-out under injected failures, against DynamoDB Local, its stream and fauxqs, with the local
 * event source mapping (stream poller) in between: every decision ends on its queue exactly once
 * per version; a poison record ends on the on-failure queue and holds nothing else back.
 */

let poller: StreamPoller | undefined;
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

// Each test has its own stack, so the same numbers never meet.
const phone = (i: number) => `+1415555${String(1000 + i).padStart(4, '0')}`;

function sms(from: string, text: 'STOP' | 'START', minute: number) {
  return signalFromSms(
    { provider: 'twilio', messageId: `SM${randomBytes(16).toString('hex')}`, from, to: '+15017250604', text },
    { receivedAt: new Date(Date.UTC(2026, 2, 1, 10, minute)), defaultRegion: 'US', rawBody: `Body=${text}` },
  )!;
}

async function drain(sqs: SQSClient, queueUrl: string, until: (bodies: unknown[]) => boolean, idlePolls = 3): Promise<unknown[]> {
  const bodies: unknown[] = [];
  let idle = 0;
  for (let polls = 0; polls < 120 && (idle < idlePolls || !until(bodies)); polls++) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    idle = Messages.length ? 0 : idle + 1;
    for (const message of Messages) {
      bodies.push(JSON.parse(message.Body!));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
  return bodies;
}

interface Harness {
  stack: TestStack;
  invocations: string[][];
}

/** A fresh stack, `writes` recorded first, then the poller started over the real fan-out handler. */
async function run(wrap: (ports: FanoutPorts) => FanoutPorts, writes: (stack: TestStack) => Promise<void>): Promise<Harness> {
  const stack = await createTestStack();
  Object.assign(process.env, stack.environment);
  const { fanoutHandler } = await import('../../functions/fanout.js');
  await writes(stack);
  const real = channelQueuePorts({ sqs: stack.sqs, store: stack.store, queueUrl: (channel) => stack.resources.queues[channel].url });
  const handler = fanoutHandler(wrap(real));
  const invocations: string[][] = [];
  poller = startStreamPoller({
    streams: stack.streams,
    streamArn: stack.resources.tables.suppressions.streamArn!,
    handler: async (event: DynamoDBStreamEvent, context) => {
      invocations.push(event.Records.map((record) => String(record.dynamodb?.Keys?.pk?.S)));
      return handler(event, context);
    },
    functionName: 'fanout',
    region: 'us-east-1',
    maxRetries: 3,
    retryDelayMs: 10,
    idleDelayMs: 20,
    onFailure: { sqs: stack.sqs, queueUrl: stack.resources.fanoutFailureQueueUrl },
  });
  return { stack, invocations };
}

/** Ten numbers opt out, three of them opt back in: 13 versions to distribute. */
async function tenStopsThreeStarts(stack: TestStack): Promise<string[]> {
  const phones = Array.from({ length: 10 }, (_, i) => phone(i));
  for (const number of phones) await recordSignal(stack.store, sms(number, 'STOP', 1));
  for (const number of phones.slice(0, 3)) await recordSignal(stack.store, sms(number, 'START', 2));
  return phones;
}

async function expectExactlyOncePerVersion(stack: TestStack, phones: string[]): Promise<void> {
  const expected = phones.length + 3;
  const bodies = (await drain(stack.sqs, stack.resources.queues.sms.url, (got) => got.length >= expected)) as SuppressionMessage[];
  const ids = bodies.map((body) => body.messageId).sort();
  const wanted = phones.flatMap((number, i) => [`sms:${number}:v1`, ...(i < 3 ? [`sms:${number}:v2`] : [])]).sort();
  expect(ids).toEqual(wanted);
  // A consumer applying them by version ends where the table is.
  const applied = new Map<string, SuppressionMessage>();
  for (const body of bodies) applySuppressionMessage(applied, body);
  for (const number of phones) {
    const stored = await getSuppression(stack.store, 'sms', number);
    expect(applied.get(`sms#${number}`)).toMatchObject({ version: stored!.version, status: stored!.status });
  }
  // Each enqueued version left its DELIVERY# item for acks and trace.
  const delivery = await stack.store.documents.send(new GetCommand({ TableName: stack.store.tables.preferences, Key: keys.delivery('sms', phones[0]!, 2) }));
  expect(delivery.Item).toMatchObject({ channel: 'sms', address: phones[0], version: 2, messageId: `sms:${phones[0]}:v2`, enqueuedAt: expect.any(String) });
}

describe('fan-out under injected failures', () => {
  it('retries a send that fails for one record without duplicating the others', async () => {
    let phones: string[] = [];
    let failures = 0;
    const { stack, invocations } = await run(
      (ports) => ({
        ...ports,
        async send(change) {
          if (change.message.address === phones[4] && failures < 2) {
            failures++;
            throw new Error('injected: the queue refused this one');
          }
          await ports.send(change);
        },
      }),
      async (created) => {
        phones = await tenStopsThreeStarts(created);
      },
    );
    await expectExactlyOncePerVersion(stack, phones);
    expect(failures).toBe(2);
    expect(invocations.length).toBeGreaterThan(1);
    expect(await drain(stack.sqs, stack.resources.fanoutFailureQueueUrl, () => true, 1)).toEqual([]);
  });

  it('recovers from whole-batch failures (the queue down for a while) with every version once', async () => {
    let phones: string[] = [];
    let refused = 0;
    const { stack } = await run(
      (ports) => ({
        ...ports,
        async send(message) {
          if (refused < 20) {
            refused++;
            throw new Error('injected: queue unavailable');
          }
          await ports.send(message);
        },
      }),
      async (created) => {
        phones = await tenStopsThreeStarts(created);
      },
    );
    await expectExactlyOncePerVersion(stack, phones);
    expect(refused).toBe(20);
  });

  it('parks a poison record on the on-failure queue, with its key, and delivers the rest of the shard', async () => {
    let phones: string[] = [];
    const poisonKey = `fax#${randomBytes(4).toString('hex')}`;
    const { stack, invocations } = await run(
      (ports) => ports,
      async (created) => {
        const first = Array.from({ length: 5 }, (_, i) => phone(i));
        for (const number of first) await recordSignal(created.store, sms(number, 'STOP', 1));
        // An item fan-out can never turn into a message, written between good ones.
        await created.store.documents.send(
          new PutCommand({ TableName: created.store.tables.suppressions, Item: { pk: poisonKey, channel: 'fax', address: '12', version: 1 } }),
        );
        const rest = Array.from({ length: 5 }, (_, i) => phone(i + 5));
        for (const number of rest) await recordSignal(created.store, sms(number, 'STOP', 1));
        for (const number of first.slice(0, 3)) await recordSignal(created.store, sms(number, 'START', 2));
        phones = [...first, ...rest];
      },
    );
    await expectExactlyOncePerVersion(stack, phones);
    const parked = (await drain(stack.sqs, stack.resources.fanoutFailureQueueUrl, (got) => got.length >= 1)) as StreamFailureMessage[];
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 },
      DDBStreamBatchInfo: { batchSize: 1, streamArn: stack.resources.tables.suppressions.streamArn },
      records: [{ keys: { pk: poisonKey } }],
    });
    expect(parked[0]!.DDBStreamBatchInfo.startSequenceNumber).toBe(parked[0]!.DDBStreamBatchInfo.endSequenceNumber);
    // Bisection isolated it: it was tried alone once plus three retries.
    expect(invocations.filter((batch) => batch.length === 1 && batch[0] === poisonKey)).toHaveLength(4);
  });
});
