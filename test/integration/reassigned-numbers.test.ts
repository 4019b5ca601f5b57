import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { reassignedNumbersClient } from '../../shared/distribution/reassigned-numbers.js';
import { reassignedAnswerCache } from '../../shared/store/registries.js';
import { createTestStack } from '../support/local-stack.js';
import { startRndContract, type RndContract } from '../support/rnd-contract.js';

/** The reassigned-numbers client against a contract server written from the query service's docs. */

const KEY = 'rnd-login-0123456789';
let rnd: RndContract;

beforeAll(async () => {
  rnd = await startRndContract(KEY);
  rnd.disconnected.set('2125550140', '20260301');
  rnd.failing.add('2125550150');
});

afterAll(async () => {
  await rnd.close();
});

describe('reassigned numbers client', () => {
  it('answers yes, no and no data as the database does, sending the number, the date and the key', async () => {
    const query = reassignedNumbersClient({ url: rnd.url, apiKey: KEY });
    expect(await query('2125550140', '2026-01-15')).toBe('yes');
    expect(await query('2125550140', '2026-03-02')).toBe('no');
    expect(await query('2125550141', '2026-01-15')).toBe('no');
    expect(await query('2125550141', '2020-06-01')).toBe('no-data');
    expect(rnd.queries).toContainEqual({ phoneNumber: '2125550140', date: '20260115' });
  });

  it('caches each number and date: the same question is asked once', async () => {
    const query = reassignedNumbersClient({ url: rnd.url, apiKey: KEY });
    const before = rnd.queries.length;
    await query('2125550142', '2026-02-01');
    await query('2125550142', '2026-02-01');
    await query('2125550142', '2026-02-02');
    expect(rnd.queries.length - before).toBe(2);
    expect(query.cacheSize()).toBe(2);
  });

  it('waits out a 429 with Retry-After once; a wrong key or a 5xx throws (the check fails closed)', async () => {
    const query = reassignedNumbersClient({ url: rnd.url, apiKey: KEY });
    rnd.perMinute = rnd.queries.length; // the next request is over the limit
    const limited = query('2125550143', '2026-02-01');
    setTimeout(() => {
      rnd.perMinute = 10_000;
    }, 200);
    expect(await limited).toBe('no');
    expect(rnd.limited).toBe(1);
    await expect(reassignedNumbersClient({ url: rnd.url, apiKey: 'wrong' })('2125550144', '2026-02-01')).rejects.toThrow(/401/);
    await expect(query('2125550150', '2026-02-01')).rejects.toThrow(/503/);
  });

  it('shares answers between instances through the reassigned-answers table, until they expire', async () => {
    const stack = await createTestStack();
    const documents = DynamoDBDocumentClient.from(stack.dynamodb);
    const shared = reassignedAnswerCache(documents, () => stack.resources.tables.reassignedAnswers.name);
    let clock = Date.parse('2026-06-10T12:00:00Z');
    const instance = () => reassignedNumbersClient({ url: rnd.url, apiKey: KEY, shared, now: () => clock });
    const before = rnd.queries.length;
    expect(await instance()('2125550140', '2026-01-15')).toBe('yes');
    expect(await instance()('2125550140', '2026-01-15')).toBe('yes');
    expect(rnd.queries.length - before).toBe(1);
    clock += 25 * 3_600_000;
    expect(await instance()('2125550140', '2026-01-15')).toBe('yes');
    expect(rnd.queries.length - before).toBe(2);
  });
});
