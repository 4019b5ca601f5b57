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
  'letters spelled out with punctuation': filled('', 'S.T.O.U.N.S.U.B.S.C.R.I.B ', 'x'),
  'single letters and spaces': filled('', 'S T O ', 'P'),
  'digits for letters': filled('', '5T0 UN5UB5CR1B 0PT0 ', 'x'),
  'pieces of keywords joined by punctuation': filled('', 'UN-SUB-SCRIB-', 'x'),
  'look-alike letters from other scripts': filled('', '\u0405\u0422\u041e \u0421\u0442\u043e\u043f ', 'x'),
};

/**
 * Hostile text's cost over ordinary text's, each the fastest of a few runs taken in turn: the least
 * disturbed by anything else the machine is doing, and both sides disturbed alike when the load
 * changes during the test.
 */
function costRatio(text: string): number {
  let hostileBest = Number.POSITIVE_INFINITY;
  let ordinaryBest = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run++) {
    let start = performance.now();
    classify(ordinary);
    ordinaryBest = Math.min(ordinaryBest, performance.now() - start);
    start = performance.now();
    classify(text);
    hostileBest = Math.min(hostileBest, performance.now() - start);
  }
  return hostileBest / ordinaryBest;
}

describe('classifying hostile text', () => {
  // Compiles the default lists and warms the engine, so that neither side pays for it.
  classify('STOP');
  classify(ordinary);

  // Six classifications of a megabyte each: more than the default five seconds on a busy machine.
  it.each(Object.entries(hostile))(
    'costs no more than a few times ordinary text for %s (about 1 MB)',
    (_name, text) => {
      expect(text.length).toBeGreaterThan(SIZE * 0.99);
      expect(costRatio(text)).toBeLessThan(5);
    },
    60_000,
  );
});
