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
    // The export's one premise: a write commits within the settle window of its recorded-at time.
    // Time here is a clock the test drives, shared by the writers and the reader, so the premise
    // holds by construction, whatever the machine's speed: the reader's clock never passes the
    // settle window of a write that picked its time and has not committed yet.
    const settleMs = 50;
    let time = Date.parse('2026-04-02T12:00:00Z');
    const inFlight = new Map<number, number>();
    const tick = () => (time += 7);
    const writeClock = (write: number) => () => {
      const at = tick();
      inFlight.set(write, at); // a retried attempt picks a new time, which replaces the old one
      return new Date(at);
    };
    const readerNow = () => Math.min(tick(), ...[...inFlight.values()].map((at) => at + settleMs - 1));

    const numbers = Array.from({ length: 24 }, (_, i) => phone(100 + i));
    const { nextCursor: start } = await exportChanges(stack.store, 'sms', { settleMs, limit: '1000', now: readerNow });
    let writing = true;
    const writer = (async () => {
      // Opt-outs and opt-ins interleaved, several per address, four writers at a time.
      const work = numbers.flatMap((number, i) => [0, 1, 2].slice(0, 1 + (i % 3)).map((step) => ({ number, step })));
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < work.length) {
            const write = next++;
            const { number, step } = work[write]!;
            await recordSignal(stack.store, sms(number, step % 2 === 0 ? 'STOP' : 'START', new Date(Date.UTC(2026, 3, 2, 10, step))), {
              now: writeClock(write),
            });
            inFlight.delete(write);
            await sleep(15);
          }
        }),
      );
      writing = false;
    })();

    const applied = new Map<string, SuppressionMessage>();
    let cursor = start;
    let pages = 0;
    let passedWrites = false;
    const readPage = async () => {
      const page = await exportChanges(stack.store, 'sms', { since: cursor, limit: '2', settleMs, now: readerNow });
      for (const item of page.items) applySuppressionMessage(applied, item);
      // The reader's bound overtook writes still under way: the case the settle window is for.
      if (writing && page.items.length) passedWrites = true;
      cursor = page.nextCursor;
      pages++;
      return page;
    };
    while (writing) {
      await readPage();
      await sleep(20);
    }
    await writer;
    time += settleMs;
    while ((await readPage()).hasMore);

    expect(pages).toBeGreaterThan(5);
    expect(passedWrites).toBe(true);
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
