import { describe, expect, it } from 'vitest';
import { classify } from '../../shared/core/keywords.js';

/**
 * Classifying costs time in proportion to the text, whatever the text is. Measured as a ratio to
 * ordinary text of the same size in the same run, never as a wall-clock limit: a regular
 * expression that backtracks on a long run (a quadratic `[…]+$`) is thousands of times slower on
 * hostile text, while a slow or busy machine slows both sides alike.
 */

const SIZE = 1_000_000;

/** `unit` repeated to about SIZE characters, between a prefix and a suffix. */
function filled(prefix: string, unit: string, suffix = ''): string {
  return prefix + unit.repeat(Math.ceil((SIZE - prefix.length - suffix.length) / unit.length)) + suffix;
}

const ordinary = filled('', 'Hi there, could you send me the details for tomorrow? Thanks, see you at the shop. ');

const hostile: Record<string, string> = {
  'a run of spaces': filled('STOP', ' ', 'x'),
  'a run of punctuation': filled('STOP', '.!?,;:-', 'x'),
  'a run of symbols and tabs': filled('STOP', '$+<>|\t', 'x'),
  'repeated partial keywords': filled('', 'STO ST S UNSUBSCRIB OPT O ', 'x'),
  'negated phrases': filled('', 'DONT STOP TEXTING ', 'x'),
  'almost-repeated words': filled('', 'STOP ALL ', 'NOW'),
  'one enormous word': filled('', 'S', 'TOP'),
  'elongated letters and apostrophes': filled('', "SSSTOOOP'''T ", 'x'),
  'unpunctuated Spanish': filled('NO QUIERO ', 'MAS LOS ', 'x'),
  'full-width spaces and accents': filled('ＳＴＯＰ', '\u3000é', 'x'),
};

/** The fastest of a few runs: the least disturbed by anything else the machine is doing. */
function cost(text: string): number {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    classify(text);
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

describe('classifying hostile text', () => {
  // Compiles the default lists and warms the engine, so that neither side pays for it.
  classify('STOP');
  const baseline = cost(ordinary);

  it.each(Object.entries(hostile))('costs no more than a few times ordinary text for %s (about 1 MB)', (_name, text) => {
    expect(text.length).toBeGreaterThan(SIZE * 0.99);
    expect(cost(text) / baseline).toBeLessThan(5);
  });
});
