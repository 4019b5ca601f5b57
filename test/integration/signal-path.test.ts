import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStreamPoller, type StreamFunction, type StreamPoller } from '../../infra/local/stream-poller.js';
import { DependencyError } from '../../shared/core/errors.js';
import type { SuppressionMessage } from '../../shared/distribution/fanout.js';
import { signalFromSms } from '../../shared/intake/sms/inbound.js';
import type { Signal } from '../../shared/core/signal.js';
import { keys } from '../../shared/store/keys.js';
import { getPerson } from '../../shared/store/people.js';
import { getSuppression } from '../../shared/store/suppressions.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { createTestStack, receiveMessagesFor, type TestStack } from '../support/local-stack.js';
import { phoneNumbers } from '../support/phones.js';

/** The write path and fan-out against DynamoDB Local and fauxqs: no mocks. */

let stack: TestStack;
let poller: StreamPoller;

const randomPhone = phoneNumbers('415');

function smsSignal(from: string, text: string, at: Date, messageId = `SM${randomBytes(16).toString('hex')}`): Signal {
  const signal = signalFromSms(
    { provider: 'twilio', messageId, from, to: '+15017250604', text },
    { receivedAt: at, defaultRegion: 'US', rawBody: `Body=${text}&From=${from}` },
  );
  if (!signal) throw new Error(`"${text}" is not a keyword`);
  return signal;
}

beforeAll(async () => {
  stack = await createTestStack();
  Object.assign(process.env, stack.environment);
  const { handler } = (await import('../../functions/fanout.js')) as { handler: StreamFunction };
  poller = startStreamPoller({
    streams: stack.streams,
    streamArn: stack.resources.tables.suppressions.streamArn!,
    handler,
    functionName: 'fanout',
    region: 'us-east-1',
    idleDelayMs: 50,
  });
});

afterAll(async () => {
  await poller?.stop();
});

describe('recording an SMS STOP', () => {
  it('writes the event, the person and the suppression in one go, and fans out one message', async () => {
    const phone = randomPhone();
    const signal = smsSignal(phone, 'STOP', new Date('2026-03-01T10:00:00Z'));

    const outcome = await recordSignal(stack.store, signal);

    expect(outcome).toMatchObject({ duplicate: false, effect: 'applied', suppressions: [{ status: 'suppressed', version: 1 }] });
    const event = await stack.store.documents.send(new GetCommand({ TableName: stack.store.tables.preferences, Key: keys.event(signal.id) }));
    expect(event.Item).toMatchObject({ id: signal.id, kind: 'opt-out', personId: outcome.personId, effect: 'applied' });
    const person = await getPerson(stack.store, outcome.personId);
    expect(person?.identities).toEqual([{ type: 'phone', value: phone }]);
    expect(person?.preferences).toEqual([
      expect.objectContaining({ channel: 'sms', purpose: 'all', scope: 'address', address: phone, status: 'suppressed', eventId: signal.id }),
    ]);
    expect(await getSuppression(stack.store, 'sms', phone)).toMatchObject({
      channel: 'sms',
      address: phone,
      personId: outcome.personId,
      status: 'suppressed',
      purposes: { all: 'suppressed' },
      since: '2026-03-01T10:00:00.000Z',
      eventId: signal.id,
      version: 1,
    });

    const messages = await receiveMessagesFor<SuppressionMessage>(stack.sqs, stack.resources.queues.sms.url, phone, 1);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      type: 'suppression.changed',
      schemaVersion: 1,
      channel: 'sms',
      address: phone,
      status: 'suppressed',
      suppressed: true,
      version: 1,
      eventId: signal.id,
      since: '2026-03-01T10:00:00.000Z',
    });
    expect(messages[0]!.attributes?.type?.StringValue).toBe('suppression.changed');
  });

  it('treats a retried webhook as a no-op: one event, one version, one message', async () => {
    const phone = randomPhone();
    const signal = smsSignal(phone, 'STOP', new Date('2026-03-02T10:00:00Z'));

    const first = await recordSignal(stack.store, signal);
    const retries = await Promise.all([1, 2, 3, 4].map(async () => recordSignal(stack.store, signal)));

    expect(first.duplicate).toBe(false);
    expect(retries.every((retry) => retry.duplicate)).toBe(true);
    expect((await getSuppression(stack.store, 'sms', phone))?.version).toBe(1);
    // Waits for a second message that must never come.
    expect(await receiveMessagesFor(stack.sqs, stack.resources.queues.sms.url, phone, 2, 5)).toHaveLength(1);
  });

  it('lets only one of several concurrent first deliveries apply', async () => {
    const phone = randomPhone();
    const signal = smsSignal(phone, 'STOP', new Date('2026-03-03T10:00:00Z'));

    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => recordSignal(stack.store, signal)));

    expect(outcomes.filter((outcome) => !outcome.duplicate)).toHaveLength(1);
    expect((await getSuppression(stack.store, 'sms', phone))?.version).toBe(1);
  });

  it('keeps a number suppressed when an older START arrives after a newer STOP', async () => {
    const phone = randomPhone();
    await recordSignal(stack.store, smsSignal(phone, 'STOP', new Date('2026-03-04T10:00:00Z')));

    const late = await recordSignal(stack.store, smsSignal(phone, 'START', new Date('2026-03-04T09:00:00Z')));

    expect(late.effect).toBe('superseded');
    expect(await getSuppression(stack.store, 'sms', phone)).toMatchObject({ status: 'suppressed', version: 1 });
  });

  it('re-allows a number on a later START, with a higher version on the queue', async () => {
    const phone = randomPhone();
    await recordSignal(stack.store, smsSignal(phone, 'STOP', new Date('2026-03-05T10:00:00Z')));
    await recordSignal(stack.store, smsSignal(phone, 'START', new Date('2026-03-05T11:00:00Z')));

    expect(await getSuppression(stack.store, 'sms', phone)).toMatchObject({ status: 'allowed', version: 2 });
    const messages = (await receiveMessagesFor<SuppressionMessage>(stack.sqs, stack.resources.queues.sms.url, phone, 2)).sort((a, b) => a.version - b.version);
    expect(messages.map((message) => [message.version, message.status])).toEqual([
      [1, 'suppressed'],
      [2, 'allowed'],
    ]);
  });

  it('answers with a DependencyError, and writes nothing, when the store cannot be reached', async () => {
    const phone = randomPhone();
    const broken = { ...stack.store, tables: { ...stack.store.tables, suppressions: 'no-such-table' } };

    await expect(recordSignal(broken, smsSignal(phone, 'STOP', new Date()))).rejects.toBeInstanceOf(DependencyError);
    expect(await getSuppression(stack.store, 'sms', phone)).toBeUndefined();
  });

  it('keeps the evidence hash but no raw request in the event', async () => {
    const phone = randomPhone();
    const signal = smsSignal(phone, 'stop', new Date('2026-03-06T10:00:00Z'));
    await recordSignal(stack.store, signal);
    const event = await stack.store.documents.send(new GetCommand({ TableName: stack.store.tables.preferences, Key: keys.event(signal.id) }));
    expect(event.Item?.evidence).toEqual({
      payloadSha256: createHash('sha256').update(`Body=stop&From=${phone}`).digest('hex'),
      collectedBy: 'twilio',
      method: 'sms-keyword',
    });
    expect(event.Item?.match).toEqual({ kind: 'keyword', keyword: 'STOP' });
  });
});
