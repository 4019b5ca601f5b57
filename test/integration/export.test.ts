import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportChanges } from '../../shared/distribution/enforcement.js';
import { applySuppressionMessage, type SuppressionMessage } from '../../shared/distribution/fanout.js';
import { signalFromSms } from '../../shared/intake/sms/inbound.js';
import { getSuppression } from '../../shared/store/suppressions.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';

/** The reconciliation export over the changes index in DynamoDB Local, paged while writes happen. */

let stack: TestStack;
const SETTLE_MS = 1000;

beforeAll(async () => {
  stack = await createTestStack();
});

const phone = (i: number) => `+1628555${String(i).padStart(4, '0')}`;

function sms(from: string, text: 'STOP' | 'START', at: Date) {
  return signalFromSms(
    { provider: 'twilio', messageId: `SM${randomBytes(16).toString('hex')}`, from, to: '+15017250604', text },
    { receivedAt: at, defaultRegion: 'US', rawBody: '' },
  )!;
}

describe('GET /v1/suppressions/{channel} (export)', () => {
  it('pages a snapshot of the channel, oldest change first, and continues from its last cursor', async () => {
    const numbers = Array.from({ length: 7 }, (_, i) => phone(i));
    for (const number of numbers) await recordSignal(stack.store, sms(number, 'STOP', new Date('2026-04-01T10:00:00Z')));
    await sleep(SETTLE_MS + 50);
    const seen: SuppressionMessage[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await exportChanges(stack.store, 'sms', { since: cursor, limit: '3', settleMs: SETTLE_MS });
      seen.push(...page.items);
      cursor = page.nextCursor;
      expect(page.items.length).toBeLessThanOrEqual(3);
      if (!page.hasMore) break;
    }
    expect(seen.map((item) => item.address).filter((address) => numbers.includes(address))).toEqual(numbers);
    expect(seen.every((item) => item.channel === 'sms' && item.suppressed)).toBe(true);
    // Nothing new: an empty page, and the same place to continue from.
    const after = await exportChanges(stack.store, 'sms', { since: cursor, settleMs: SETTLE_MS });
    expect(after.items).toEqual([]);
    expect(after.hasMore).toBe(false);
  });

  it('has no gaps across pages while writes happen: a reader ends with every final version', async () => {
    const numbers = Array.from({ length: 24 }, (_, i) => phone(100 + i));
    const { nextCursor: start } = await exportChanges(stack.store, 'sms', { settleMs: 0, limit: '1000' });
    let writing = true;
    // The export's one assumption: a write commits within the settle window of its recorded-at time.
    let slowest = 0;
    const writer = (async () => {
      // Opt-outs and opt-ins interleaved, several per address, four writers at a time.
      const work = numbers.flatMap((number, i) => [0, 1, 2].slice(0, 1 + (i % 3)).map((step) => ({ number, step })));
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < work.length) {
            const { number, step } = work[next++]!;
            const outcome = await recordSignal(stack.store, sms(number, step % 2 === 0 ? 'STOP' : 'START', new Date(Date.UTC(2026, 3, 2, 10, step))));
            for (const written of outcome.suppressions) slowest = Math.max(slowest, Date.now() - Date.parse(written.updatedAt));
            await sleep(15);
          }
        }),
      );
      writing = false;
    })();

    const applied = new Map<string, SuppressionMessage>();
    let cursor = start;
    let pages = 0;
    const readPage = async () => {
      const page = await exportChanges(stack.store, 'sms', { since: cursor, limit: '2', settleMs: SETTLE_MS });
      for (const item of page.items) applySuppressionMessage(applied, item);
      cursor = page.nextCursor;
      pages++;
      return page;
    };
    while (writing) {
      await readPage();
      await sleep(20);
    }
    await writer;
    await sleep(SETTLE_MS + 50);
    while ((await readPage()).hasMore);

    expect(pages).toBeGreaterThan(5);
    expect(slowest, 'a write took longer than the settle window; the guarantee does not apply').toBeLessThan(SETTLE_MS);
    for (const number of numbers) {
      const stored = await getSuppression(stack.store, 'sms', number);
      // A START that overtook its older STOP leaves no item: nothing to export either.
      if (!stored) expect(applied.has(`sms#${number}`), number).toBe(false);
      else expect(applied.get(`sms#${number}`), number).toMatchObject({ version: stored.version, status: stored.status });
    }
    expect(applied.size).toBeGreaterThan(numbers.length / 2);
  });

  it('refuses a cursor it did not issue and a limit out of range', async () => {
    await expect(exportChanges(stack.store, 'sms', { since: 'bogus', settleMs: 0 })).rejects.toMatchObject({ status: 400 });
    await expect(exportChanges(stack.store, 'sms', { limit: '0', settleMs: 0 })).rejects.toMatchObject({ status: 400 });
    await expect(exportChanges(stack.store, 'sms', { limit: '1001', settleMs: 0 })).rejects.toMatchObject({ status: 400 });
  });
});
