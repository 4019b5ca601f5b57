import { describe, expect, it } from 'vitest';
import { RetryLater } from '../../shared/connectors/connector.js';
import { sendIsolatingRefusals, suppressedFor } from '../../shared/connectors/lists.js';

describe('suppressedFor', () => {
  it('follows the overall status for an integration without purposes', () => {
    expect(suppressedFor({ status: 'suppressed', purposes: { all: 'allowed', marketing: 'suppressed' } }, undefined)).toBe(true);
    expect(suppressedFor({ status: 'allowed', purposes: { all: 'allowed' } }, [])).toBe(false);
  });

  it('suppresses when any of the integration purposes is, a purpose not named following all', () => {
    const change = { status: 'suppressed' as const, purposes: { all: 'allowed' as const, marketing: 'suppressed' as const } };
    expect(suppressedFor(change, ['marketing'])).toBe(true);
    expect(suppressedFor(change, ['service'])).toBe(false);
    expect(suppressedFor({ status: 'suppressed', purposes: { all: 'suppressed', service: 'allowed' } }, ['service', 'billing'])).toBe(true);
  });
});

describe('sendIsolatingRefusals', () => {
  /** A vendor that refuses any group holding a bad item, naming it only when `names` is set. */
  function vendor(bad: Set<string>, names: boolean) {
    const calls: string[][] = [];
    const accepted = new Set<string>();
    const send = async (group: string[]) => {
      calls.push(group);
      const culprit = group.find((item) => bad.has(item));
      if (!culprit) {
        for (const item of group) accepted.add(item);
        return { ok: true as const };
      }
      return { ok: false as const, reason: 'invalid', ...(names ? { culprit } : {}) };
    };
    return { calls, accepted, send };
  }

  it('sends a clean batch once', async () => {
    const { calls, send } = vendor(new Set(), false);
    expect(await sendIsolatingRefusals(['a', 'b', 'c'], send)).toEqual(new Map());
    expect(calls).toEqual([['a', 'b', 'c']]);
  });

  it('takes out a named culprit and resends the rest', async () => {
    const { calls, accepted, send } = vendor(new Set(['b']), true);
    expect(await sendIsolatingRefusals(['a', 'b', 'c'], send)).toEqual(new Map([['b', 'invalid']]));
    expect(calls).toEqual([
      ['a', 'b', 'c'],
      ['a', 'c'],
    ]);
    expect(accepted).toEqual(new Set(['a', 'c']));
  });

  it('halves an unnamed refusal until each bad item is alone, accepting every other item', async () => {
    const items = Array.from({ length: 16 }, (_, index) => `n${index}`);
    const { calls, accepted, send } = vendor(new Set(['n3', 'n12']), false);
    const refused = await sendIsolatingRefusals(items, send);
    expect([...refused.keys()].sort()).toEqual(['n12', 'n3']);
    expect(accepted).toEqual(new Set(items.filter((item) => item !== 'n3' && item !== 'n12')));
    expect(calls.length).toBeLessThan(items.length);
  });

  it('fails the batch instead of refusing every address when the vendor refuses them all', async () => {
    const items = Array.from({ length: 8 }, (_, index) => `n${index}`);
    const { calls, send } = vendor(new Set(items), false);
    await expect(sendIsolatingRefusals(items, send)).rejects.toThrow(/refused every address/);
    expect(calls.length).toBeLessThan(items.length);
    // One address alone can still be refused for good.
    expect(await sendIsolatingRefusals(['n0'], vendor(new Set(['n0']), false).send)).toEqual(new Map([['n0', 'invalid']]));
  });

  it('lets RetryLater through', async () => {
    await expect(
      sendIsolatingRefusals(['a'], async () => {
        throw new RetryLater('not now', 1000);
      }),
    ).rejects.toBeInstanceOf(RetryLater);
  });
});
