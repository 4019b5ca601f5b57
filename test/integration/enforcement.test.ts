import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { localClientOptions } from '../../infra/local/services.js';
import { checkAddresses } from '../../shared/distribution/enforcement.js';
import { requestSchema, signalFromRequest } from '../../shared/intake/requests/requests.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { freePort } from '../support/system.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';

/** The batch check against DynamoDB Local: per-address answers, and fail-closed when the store is down. */

let stack: TestStack;
const tag = randomBytes(4).toString('hex');
const email = (i: number) => `person${i}.${tag}@example.com`;

async function optOut(address: string, purpose: string, requestId = `r-${randomBytes(6).toString('hex')}`) {
  const request = requestSchema.parse({
    requestId,
    kind: 'opt-out',
    channels: ['email'],
    purpose,
    subject: { email: address },
    occurredAt: '2026-02-01T09:00:00.000Z',
    source: 'crm',
  });
  return recordSignal(stack.store, signalFromRequest(request, { receivedAt: new Date('2026-02-01T09:00:01.000Z'), defaultRegion: 'US' }));
}

beforeAll(async () => {
  stack = await createTestStack();
  await optOut(email(1), 'all');
  await optOut(email(2), 'marketing');
});

describe('checkAddresses', () => {
  it('answers each address: suppressed (since when, which event), sendable, or invalid', async () => {
    const results = await checkAddresses(stack.store, [email(1).toUpperCase(), email(2), email(3), 'not an email'], {
      channel: 'email',
      purpose: 'marketing',
      region: 'US',
    });
    expect(results.map((result) => [result.input, result.sendable, result.reason])).toEqual([
      [email(1).toUpperCase(), false, 'suppressed'],
      [email(2), false, 'suppressed'],
      [email(3), true, null],
      ['not an email', false, 'invalid-address'],
    ]);
    expect(results[0]).toMatchObject({ address: email(1), since: '2026-02-01T09:00:00.000Z', eventId: expect.any(String), version: 1 });
  });

  it('answers per purpose: a marketing opt-out does not stop a service message', async () => {
    const [result] = await checkAddresses(stack.store, [email(2)], { channel: 'email', purpose: 'all', region: 'US' });
    expect(result).toMatchObject({ sendable: true, suppressed: false });
  });

  it('answers 1,000 addresses (ten BatchGetItem calls), duplicates included, in the order given', async () => {
    const inputs = Array.from({ length: 1000 }, (_, i) => email(i % 600));
    const results = await checkAddresses(stack.store, inputs, { channel: 'email', purpose: 'marketing', region: 'US' });
    expect(results).toHaveLength(1000);
    expect(results.map((result) => result.input)).toEqual(inputs);
    expect(results.filter((result) => !result.sendable).map((result) => result.address)).toEqual([email(1), email(2), email(1), email(2)]);
  });

  it('fails closed when the table does not exist: nothing sendable, each with the reason', async () => {
    const broken = { ...stack.store, tables: { ...stack.store.tables, suppressions: `no-such-table-${tag}` } };
    const results = await checkAddresses(broken, [email(1), email(3), 'bad'], { channel: 'email', purpose: 'marketing', region: 'US' });
    expect(results.map((result) => [result.sendable, result.reason])).toEqual([
      [false, 'check-failed'],
      [false, 'check-failed'],
      [false, 'invalid-address'],
    ]);
    expect(results[1]!.detail).toMatch(/store did not answer/);
  });

  it('fails closed when the store endpoint is down', async () => {
    const stopped = new DynamoDBClient({ ...localClientOptions(`http://127.0.0.1:${await freePort()}`), maxAttempts: 2 });
    const down = { ...stack.store, documents: DynamoDBDocumentClient.from(stopped) };
    const results = await checkAddresses(down, [email(3), email(4)], { channel: 'email', purpose: 'marketing', region: 'US' });
    expect(results.every((result) => !result.sendable && result.reason === 'check-failed' && result.suppressed === null)).toBe(true);
    stopped.destroy();
  });
});
