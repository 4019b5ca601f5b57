import { CreateTopicCommand, DeleteTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SuppressionMessage } from '../../shared/distribution/fanout.js';
import { signalFromSms } from '../../shared/intake/sms/inbound.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { keys } from '../../shared/store/keys.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';

/** The scheduled redrive function against fauxqs and DynamoDB Local (no fan-out running: only redrive sends). */

let stack: TestStack;
let redrive: (event?: unknown) => Promise<{ letters: number; replayed: number; kept: number; published: number; silent: string[] }>;

const phone = (i: number) => `+1212555${String(3000 + i).padStart(4, '0')}`;

async function stop(from: string): Promise<void> {
  const signal = signalFromSms(
    { provider: 'twilio', messageId: `SM${randomBytes(16).toString('hex')}`, from, to: '+15017250604', text: 'STOP' },
    { receivedAt: new Date(Date.UTC(2026, 4, 1, 10, 0)), defaultRegion: 'US', rawBody: '' },
  )!;
  await recordSignal(stack.store, signal);
}

/** A change parked as the local stream poller parks it (the key in the letter). */
async function park(address: string): Promise<void> {
  await stack.sqs.send(
    new SendMessageCommand({
      QueueUrl: stack.resources.fanoutFailureQueueUrl,
      MessageBody: JSON.stringify({ requestContext: { condition: 'RetryAttemptsExhausted' }, records: [{ keys: { pk: `sms#${address}` } }] }),
    }),
  );
}

async function drain(url: string): Promise<SuppressionMessage[]> {
  const bodies: SuppressionMessage[] = [];
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    if (Messages.length === 0) empty++;
    for (const message of Messages) {
      bodies.push(JSON.parse(message.Body!));
      await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
    }
  }
  return bodies;
}

async function lettersLeft(): Promise<number> {
  const { Attributes } = await stack.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: stack.resources.fanoutFailureQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

beforeAll(async () => {
  stack = await createTestStack();
  Object.assign(process.env, stack.environment);
  const { redriveHandler } = await import('../../functions/redrive.js');
  // A short visibility timeout, so a letter kept by one run is seen again by the next within the test.
  redrive = redriveHandler({ visibilityTimeoutSeconds: 2 }) as typeof redrive;
});

describe('redrive', () => {
  it('publishes a parked change to its channel topic (so the channel queue has it), records its delivery and deletes the letter', async () => {
    const address = phone(1);
    await stop(address);
    await park(address);

    expect(await redrive({})).toMatchObject({ letters: 1, replayed: 1, kept: 0, published: 1, silent: [] });

    const messages = await drain(stack.resources.queues.sms.url);
    expect(messages.map((message) => [message.address, message.version, message.status])).toEqual([[address, 1, 'suppressed']]);
    expect(await lettersLeft()).toBe(0);
    const delivery = await stack.store.documents.send(new GetCommand({ TableName: stack.store.tables.preferences, Key: keys.delivery('sms', address, 1) }));
    expect(delivery.Item).toMatchObject({ messageId: `sms:${address}:v1` });
  });

  it('leaves the letter while the channel topic is missing, and redrives it once the topic is back', async () => {
    const address = phone(2);
    await stop(address);
    await park(address);
    const smsUrl = stack.resources.queues.sms.url;
    const topicArn = stack.resources.topics.sms;
    await stack.sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));

    expect(await redrive({})).toMatchObject({ letters: 1, replayed: 0, kept: 1, published: 0, silent: ['sms'] });
    expect(await lettersLeft()).toBe(1);

    // The topic answers again (as after an outage): the same name, so the same ARN, with the queue subscribed again.
    const { TopicArn } = await stack.sns.send(new CreateTopicCommand({ Name: topicArn.slice(topicArn.lastIndexOf(':') + 1) }));
    expect(TopicArn).toBe(topicArn);
    const { Attributes } = await stack.sqs.send(new GetQueueAttributesCommand({ QueueUrl: smsUrl, AttributeNames: ['QueueArn'] }));
    await stack.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn, Attributes: { RawMessageDelivery: 'true' } }));
    await new Promise((resolve) => setTimeout(resolve, 2500));

    expect(await redrive({})).toMatchObject({ letters: 1, replayed: 1, kept: 0, published: 1, silent: [] });
    expect((await drain(smsUrl)).map((message) => [message.address, message.version])).toEqual([[address, 1]]);
    expect(await lettersLeft()).toBe(0);
  });
});
