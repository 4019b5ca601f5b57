import { describe, expect, it } from 'vitest';
import { itemSize, writeUnits } from '../../shared/store/item-size.js';

describe('itemSize', () => {
  it('counts attribute names and UTF-8 string bytes', () => {
    expect(itemSize({ pk: 'abc' })).toBe(2 + 3);
    expect(itemSize({ name: 'é' })).toBe(4 + 2);
  });

  it('counts a number as one byte per two significant digits plus one', () => {
    expect(itemSize({ n: 12345 })).toBe(1 + 4);
    expect(itemSize({ n: 7 })).toBe(1 + 2);
  });

  it('adds 3 bytes per list or map and 1 per list element', () => {
    expect(itemSize({ l: ['a', 'b'] })).toBe(1 + 3 + (1 + 1) + (1 + 1));
    expect(itemSize({ m: { k: 'v' } })).toBe(1 + 3 + 1 + 1);
    expect(itemSize({ flag: true, none: null })).toBe(4 + 1 + 4 + 1);
  });
});

describe('writeUnits', () => {
  it('charges per started kilobyte, doubled in a transaction', () => {
    expect(writeUnits(1, false)).toBe(1);
    expect(writeUnits(1024, false)).toBe(1);
    expect(writeUnits(1025, false)).toBe(2);
    expect(writeUnits(1024, true)).toBe(2);
    expect(writeUnits(3000, true)).toBe(6);
  });
});
