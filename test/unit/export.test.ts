import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changeKey, changeKeyFloor, changeKeyMillis, keys } from '../../shared/store/keys.js';

describe('changeKey', () => {
  it('sorts as text in the order changes were recorded', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.emailAddress(),
        fc.integer({ min: 1, max: 1_000_000 }),
        (a, b, address, version) => {
          const ka = changeKey({ address, version, updatedAt: new Date(a).toISOString() });
          const kb = changeKey({ address, version, updatedAt: new Date(b).toISOString() });
          if (a < b) expect(ka < kb).toBe(true);
          expect(changeKeyMillis(ka)).toBe(a);
          // Everything recorded before a millisecond sorts below its floor; everything at or after, above.
          expect(ka < changeKeyFloor(b)).toBe(a < b);
        },
      ),
    );
  });

  it('is unique per address and version at the same millisecond', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const keys = new Set([
      changeKey({ address: '+14155550100', version: 1, updatedAt: at }),
      changeKey({ address: '+14155550100', version: 2, updatedAt: at }),
      changeKey({ address: '+14155550101', version: 1, updatedAt: at }),
    ]);
    expect(keys.size).toBe(3);
  });
});

describe('deliveryKey', () => {
  it('is the contract shared with acks and trace: DELIVERY#channel#address, v + 10 digits', () => {
    expect(keys.delivery('sms', '+14155550100', 7)).toEqual({ pk: 'DELIVERY#sms#+14155550100', sk: 'v0000000007' });
  });
});
