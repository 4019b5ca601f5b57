import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, DependencyError } from '../../shared/core/errors.js';
import { signalSchema, type Signal } from '../../shared/core/signal.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { findPerson, getPerson } from '../../shared/store/people.js';
import { getSuppression } from '../../shared/store/suppressions.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';
import { phoneNumbers } from '../support/phones.js';

/**
 * What DynamoDB Local refuses as invalid (a key over its 2,048-byte partition-key limit) is a 400
 * that writes nothing, never a 503 that a provider would retry forever. The intake bounds every
 * value that becomes a key before it gets here; these go past that, straight to the store.
 */

let stack: TestStack;
const randomPhone = phoneNumbers('628');
const LONG = 'A'.repeat(3000);

beforeAll(async () => {
  stack = await createTestStack();
});

/** A signal as no intake would build it: a 3,000-character postal key beside a phone number. */
function oversized(phone: string): Signal {
  const at = new Date().toISOString();
  return signalSchema.parse({
    id: `request.test.${phone}`,
    kind: 'opt-out',
    channels: ['sms', 'mail'],
    subject: [
      { type: 'phone', value: phone },
      { type: 'postal', value: `${LONG}|SPRINGFIELD|IL|62701|US` },
    ],
    occurredAt: at,
    receivedAt: at,
    source: { type: 'request', provider: 'test', messageId: phone },
    evidence: { collectedBy: 'test', method: 'api' },
  });
}

async function itemCount(table: string): Promise<number> {
  const page = await stack.store.documents.send(new ScanCommand({ TableName: table, Select: 'COUNT', ConsistentRead: true }));
  return page.Count ?? 0;
}

describe('a key DynamoDB refuses as invalid', () => {
  it('is a 400 (not a 503) for a signal, and nothing of it is written', async () => {
    const phone = randomPhone();
    const before = [await itemCount(stack.store.tables.preferences), await itemCount(stack.store.tables.suppressions)];

    const recording = recordSignal(stack.store, oversized(phone));
    await expect(recording).rejects.toBeInstanceOf(BadRequestError);
    await expect(recordSignal(stack.store, oversized(phone))).rejects.toMatchObject({ status: 400 });
    await expect(recordSignal(stack.store, oversized(phone))).rejects.not.toBeInstanceOf(DependencyError);

    expect(await findPerson(stack.store, { type: 'phone', value: phone })).toBeUndefined();
    expect(await getSuppression(stack.store, 'sms', phone)).toBeUndefined();
    expect([await itemCount(stack.store.tables.preferences), await itemCount(stack.store.tables.suppressions)]).toEqual(before);
  });

  it('is a 400 for a pre-send check of a 3,000-character mail key', async () => {
    await expect(getSuppression(stack.store, 'mail', `${LONG}|SPRINGFIELD|IL|62701|US`)).rejects.toMatchObject({ status: 400, slug: 'bad-request' });
  });

  it('is a 400 for a 4,000-character person id', async () => {
    await expect(getPerson(stack.store, `p-${'x'.repeat(4000)}`)).rejects.toMatchObject({ status: 400, slug: 'bad-request' });
  });

  it('still lets an ordinary signal through afterwards', async () => {
    const phone = randomPhone();
    const signal = { ...oversized(phone), channels: ['sms' as const], subject: [{ type: 'phone' as const, value: phone }] };
    await expect(recordSignal(stack.store, signal)).resolves.toMatchObject({ duplicate: false, effect: 'applied' });
  });
});
