import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { replayDeadLetters, type DeadLetterQueue } from '../../shared/distribution/redrive.js';
import { channelQueuePorts, suppressionMessage, type SuppressionMessage } from '../../shared/distribution/fanout.js';
import { signalFromSms } from '../../shared/intake/sms/inbound.js';
import { getSuppression } from '../../shared/store/suppressions.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { keys } from '../../shared/store/keys.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';

/** `optout-hub replay-dlq` against fauxqs and DynamoDB Local (no fan-out running: only replay sends). */

let stack: TestStack;
let queues: DeadLetterQueue[];

const phone = (i: number) => `+1212555${String(2000 + i).padStart(4, '0')}`;

function sms(from: string, text: 'STOP' | 'START', minute: number) {
  return signalFromSms(
    { provider: 'twilio', messageId: `SM${randomBytes(16).toString('hex')}`, from, to: '+15017250604', text },
    { receivedAt: new Date(Date.UTC(2026, 4, 1, 10, minute)), defaultRegion: 'US', rawBody: '' },
  )!;
}

const replay = () =>
  replayDeadLetters({
    sqs: stack.sqs,
    streams: stack.streams,
    store: stack.store,
    queues,
    visibilityTimeoutSeconds: 2,
    ports: channelQueuePorts({ sqs: stack.sqs, store: stack.store, queueUrl: (channel) => stack.resources.queues[channel].url }),
  });

/** Every message on a queue (at least `count`, then until it is empty), deleted as read. */
async function drain(url: string, count: number): Promise<SuppressionMessage[]> {
  const bodies: SuppressionMessage[] = [];
  for (let polls = 0; polls < 15; polls++) {
    const { Messages = [] } = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const message of Messages) {
      bodies.push(JSON.parse(message.Body!));
      await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
    }
    if (Messages.length === 0 && bodies.length >= count) break;
  }
  return bodies;
}

async function visible(url: string): Promise<number> {
  const { Attributes } = await stack.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/** Where a key's latest change sits in the stream, as Lambda's on-failure message describes it. */
async function streamLocation(pk: string) {
  const streamArn = stack.resources.tables.suppressions.streamArn!;
  const { StreamDescription } = await stack.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator: iterator } = await stack.streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    let found: string | undefined;
    for (let reads = 0; iterator && reads < 20; reads++) {
      const page = await stack.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of page.Records ?? []) if (unmarshall(record.dynamodb!.Keys as never).pk === pk) found = record.dynamodb!.SequenceNumber;
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
    if (found) return { shardId: shard.ShardId!, startSequenceNumber: found, endSequenceNumber: found, batchSize: 1, streamArn };
  }
  throw new Error(`no stream record for ${pk}`);
}

beforeAll(async () => {
  stack = await createTestStack();
  queues = [
    { kind: 'fanout-failures', name: 'fanout-failures', url: stack.resources.fanoutFailureQueueUrl },
    { kind: 'channel', name: 'suppressions-sms-dlq', url: stack.resources.queues.sms.dlqUrl },
  ];
});

describe('replayDeadLetters', () => {
  it('re-publishes the current version of every (channel, address) a dead letter names, then deletes it', async () => {
    const [a, b, c] = [phone(1), phone(2), phone(3)];
    for (const number of [a, b, c]) await recordSignal(stack.store, sms(number, 'STOP', 1));
    await recordSignal(stack.store, sms(c, 'START', 2));
    // The local poller's letter carries the key; Lambda's carries only the stream location.
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.resources.fanoutFailureQueueUrl,
        MessageBody: JSON.stringify({ requestContext: { condition: 'RetryAttemptsExhausted' }, records: [{ keys: { pk: `sms#${a}` } }] }),
      }),
    );
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.resources.fanoutFailureQueueUrl,
        MessageBody: JSON.stringify({ requestContext: { condition: 'RetryAttemptsExhausted' }, DDBStreamBatchInfo: await streamLocation(`sms#${b}`) }),
      }),
    );
    // A consumer gave up on version 1 of c; version 2 is current.
    const v1 = suppressionMessage({ ...(await getSuppression(stack.store, 'sms', c))!, version: 1, status: 'suppressed' });
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.resources.queues.sms.dlqUrl, MessageBody: JSON.stringify(v1) }));

    const summary = await replay();

    expect(summary).toMatchObject({ letters: 3, replayed: 3, kept: 0, published: 3 });
    const messages = await drain(stack.resources.queues.sms.url, 3);
    expect(messages.map((message) => [message.address, message.version, message.status]).sort()).toEqual(
      [
        [a, 1, 'suppressed'],
        [b, 1, 'suppressed'],
        [c, 2, 'allowed'],
      ].sort(),
    );
    expect(await visible(stack.resources.fanoutFailureQueueUrl)).toBe(0);
    expect(await visible(stack.resources.queues.sms.dlqUrl)).toBe(0);
    const delivery = await stack.store.documents.send(new GetCommand({ TableName: stack.store.tables.preferences, Key: keys.delivery('sms', c, 2) }));
    expect(delivery.Item).toMatchObject({ messageId: `sms:${c}:v2` });
  });

  it('keeps a letter it cannot replay (the item is still poison) and reports why', async () => {
    const pk = `fax#${randomBytes(3).toString('hex')}`;
    await stack.store.documents.send(new PutCommand({ TableName: stack.store.tables.suppressions, Item: { pk, channel: 'fax', address: '1', version: 1 } }));
    await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: stack.resources.fanoutFailureQueueUrl, MessageBody: JSON.stringify({ records: [{ keys: { pk } }] }) }),
    );

    const summary = await replay();

    expect(summary).toMatchObject({ letters: 1, replayed: 0, kept: 1 });
    expect(summary.errors[0]).toMatch(/unknown channel "fax"/);
    expect(await visible(stack.resources.fanoutFailureQueueUrl)).toBe(1);
  });
});
