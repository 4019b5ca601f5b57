import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { areaCodes } from '../shared/core/area-codes.js';

/**
 * A synthetic Do-Not-Call registry file for benches and tests: `numbers` made-up numbers, ten
 * digits a line, `perBlock` of them in each NPA-NXX block, over the US area codes in order. The
 * same arguments always give the same file. No real registry data is ever used.
 */
export async function writeSyntheticRegistry(path: string, numbers: number, perBlock = 1250, seed = 1): Promise<{ numbers: number; blocks: number }> {
  const usAreaCodes = Object.entries(areaCodes)
    .filter(([, [region]]) => region?.startsWith('US-'))
    .map(([npa]) => npa);
  let state = seed >>> 0 || 1;
  const random = () => {
    // xorshift32: fast, deterministic, good enough to scatter places in a block.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const out = createWriteStream(path);
  let written = 0;
  let blocks = 0;
  outer: for (const npa of usAreaCodes) {
    for (let nxx = 200; nxx <= 999; nxx++) {
      const count = Math.min(perBlock, numbers - written);
      if (count <= 0) break outer;
      const places = new Set<number>();
      while (places.size < count) places.add(Math.floor(random() * 10_000));
      const lines = [...places].map((place) => `${npa}${nxx}${String(place).padStart(4, '0')}\n`).join('');
      if (!out.write(lines)) await once(out, 'drain');
      written += count;
      blocks++;
    }
  }
  out.end();
  await finished(out);
  return { numbers: written, blocks };
}
