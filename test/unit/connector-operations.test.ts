import { describe, expect, it } from 'vitest';
import { liftsPurpose, resetAfterMs, runOperations, suppressesPurpose, type CallAnswer } from '../../shared/connectors/operations.js';

describe('runOperations', () => {
  it('groups operations per target into calls of at most perCall addresses, in the order targets first appear', async () => {
    const calls: [string, string[]][] = [];
    const outcomes = await runOperations(
      3,
      [
        { index: 0, address: 'a', target: 'global' },
        { index: 0, address: 'a', target: 'group-1' },
        { index: 1, address: 'b', target: 'global' },
        { index: 2, address: 'c', target: 'global' },
      ],
      (target) => (target === 'global' ? 2 : 1),
      async (target, addresses) => {
        calls.push([target, addresses]);
        return { outcome: 'done' };
      },
    );
    expect(calls).toEqual([
      ['global', ['a', 'b']],
      ['global', ['c']],
      ['group-1', ['a']],
    ]);
    expect(outcomes).toEqual([{ outcome: 'applied' }, { outcome: 'applied' }, { outcome: 'applied' }]);
  });

  it('makes a refused call again one address at a time and refuses only the addresses refused alone', async () => {
    const calls: string[][] = [];
    const outcomes = await runOperations(
      3,
      ['good', 'bad', 'fine'].map((address, index) => ({ index, address, target: 't' })),
      () => 10,
      async (_target, addresses): Promise<CallAnswer> => {
        calls.push(addresses);
        return addresses.includes('bad') ? { outcome: 'refused', reason: '400: bad address' } : { outcome: 'done' };
      },
    );
    expect(calls).toEqual([['good', 'bad', 'fine'], ['good'], ['bad'], ['fine']]);
    expect(outcomes).toEqual([{ outcome: 'applied' }, { outcome: 'refused', reason: '400: bad address' }, { outcome: 'applied' }]);
  });

  it('refuses a change when any of its targets refuses it', async () => {
    const outcomes = await runOperations(
      1,
      [
        { index: 0, address: 'a', target: 'ok' },
        { index: 0, address: 'a', target: 'no' },
      ],
      () => 1,
      async (target): Promise<CallAnswer> => (target === 'no' ? { outcome: 'refused', reason: 'nope' } : { outcome: 'done' }),
    );
    expect(outcomes).toEqual([{ outcome: 'refused', reason: 'nope' }]);
  });

  it('lets a throw from a call through, so the runtime retries the whole chunk', async () => {
    await expect(
      runOperations(
        1,
        [{ index: 0, address: 'a', target: 't' }],
        () => 1,
        async () => {
          throw new Error('503');
        },
      ),
    ).rejects.toThrow('503');
  });

  it('applies a change that needs no call', async () => {
    expect(
      await runOperations(
        2,
        [],
        () => 1,
        async () => ({ outcome: 'done' }),
      ),
    ).toEqual([{ outcome: 'applied' }, { outcome: 'applied' }]);
  });
});

describe('purposes', () => {
  const state = (version: number, purposes: Record<string, 'suppressed' | 'allowed'>) => ({
    version,
    purposes,
    status: Object.values(purposes).includes('suppressed') ? ('suppressed' as const) : ('allowed' as const),
  });

  it('reads a purpose the change does not name from `all`', () => {
    expect(suppressesPurpose(state(1, { all: 'suppressed' }), 'newsletter')).toBe(true);
    expect(suppressesPurpose(state(1, { all: 'allowed', newsletter: 'suppressed' }), 'newsletter')).toBe(true);
    expect(suppressesPurpose(state(1, { all: 'allowed', newsletter: 'suppressed' }), 'all')).toBe(false);
  });

  it('lifts an allowed purpose from version 2 on, never in version 1', () => {
    expect(liftsPurpose(state(1, { all: 'allowed', newsletter: 'suppressed' }), 'all')).toBe(false);
    expect(liftsPurpose(state(2, { all: 'allowed' }), 'all')).toBe(true);
    expect(liftsPurpose(state(2, { all: 'suppressed' }), 'all')).toBe(false);
  });
});

describe('resetAfterMs', () => {
  const now = new Date('2026-12-02T12:00:00.000Z');
  it('reads X-RateLimit-Reset as UTC epoch seconds', () => {
    expect(resetAfterMs(String(now.getTime() / 1000 + 7), now)).toBe(7000);
    expect(resetAfterMs(String(now.getTime() / 1000 - 7), now)).toBe(0);
  });
  it('ignores an absent or unreadable header', () => {
    expect(resetAfterMs(null, now)).toBeUndefined();
    expect(resetAfterMs('soon', now)).toBeUndefined();
  });
});
