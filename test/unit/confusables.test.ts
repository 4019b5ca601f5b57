import { describe, expect, it } from 'vitest';
import { lookalikes, render } from '../../scripts/confusables.js';
import { latinLookalikes } from '../../shared/core/confusables.js';

/** Lines in the format of Unicode's confusables.txt (UTS #39). */
const excerpt = `# confusables.txt
# Version: 99.0.0
0421 ;\t0043 ;\tMA\t# ( С → C ) CYRILLIC CAPITAL LETTER ES → LATIN CAPITAL LETTER C\t#
043E ;\t006F ;\tMA\t# ( о → o ) CYRILLIC SMALL LETTER O → LATIN SMALL LETTER O\t#
0422 ;\t0054 ;\tMA\t# ( Т → T ) CYRILLIC CAPITAL LETTER TE → LATIN CAPITAL LETTER T\t#
03BD ;\t0076 ;\tMA\t# ( ν → v ) GREEK SMALL LETTER NU → LATIN SMALL LETTER V\t#
039D ;\t004E ;\tMA\t# ( Ν → N ) GREEK CAPITAL LETTER NU → LATIN CAPITAL LETTER N\t#
0406 ;\t006C ;\tMA\t# ( І → l ) CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I → LATIN SMALL LETTER L\t#
04CF ;\t006C ;\tMA\t# ( ӏ → l ) CYRILLIC SMALL LETTER PALOCHKA → LATIN SMALL LETTER L\t#
05D5 ;\t006C ;\tMA\t# ( ו → l ) HEBREW LETTER VAV → LATIN SMALL LETTER L\t#
FF33 ;\t0053 ;\tMA\t# ( Ｓ → S ) FULLWIDTH LATIN CAPITAL LETTER S → LATIN CAPITAL LETTER S\t#
0030 ;\t004F ;\tMA\t# ( 0 → O ) DIGIT ZERO → LATIN CAPITAL LETTER O\t#
0441 ;\t0063 ;\tMA\t# ( с → c ) CYRILLIC SMALL LETTER ES → LATIN SMALL LETTER C\t#
0475 ;\t0076 0307 ;\tMA\t# ( two letters ) not one letter\t#
`;

describe('the look-alike table derived from confusables.txt', () => {
  const { version, table } = lookalikes(excerpt);

  it('keeps letters whose prototype is one ASCII letter, as that capital', () => {
    expect(version).toBe('99.0.0');
    expect(table.get('\u0421')).toBe('C');
    expect(table.get('\u043e')).toBe('O');
    expect(table.get('\u0422')).toBe('T');
  });

  it('leaves out what normalization folds, digits, right-to-left letters and longer prototypes', () => {
    expect(table.has('\uff33')).toBe(false); // full-width: NFKC
    expect(table.has('0')).toBe(false);
    expect(table.has('\u05d5')).toBe(false);
    expect(table.has('\u0475')).toBe(false);
  });

  it('reads the prototype l as I for a capital and L for a lower-case letter', () => {
    expect(table.get('\u0406')).toBe('I');
    expect(table.get('\u04cf')).toBe('L');
  });

  it('adds the other case, read as the capital reads', () => {
    expect(table.get('\u0442')).toBe('T'); // Cyrillic т, from Т
    expect(table.get('\u041e')).toBe('O'); // Cyrillic О, from о
    expect(table.get('\u03bd')).toBe('N'); // Greek ν is the small Ν, not a v
    expect(table.get('\u04c0')).toBe('L'); // the palochka's capital, not listed here, added with it
  });

  it('renders a module the engine reads', () => {
    const source = render(version, table);
    expect(source).toContain('confusables.txt version 99.0.0');
    expect(source).toContain("  T: '\\u{422}\\u{442}");
    expect(source).not.toContain('\\u{5d5}');
  });

  it('is what shared/core/confusables.ts holds: Cyrillic, Greek and other scripts, closed under case', () => {
    const entries = Object.entries(latinLookalikes).flatMap(([latin, sources]) => [...sources].map((c) => [c, latin] as const));
    const byLetter = new Map(entries);
    expect(byLetter.size).toBe(entries.length); // no letter under two capitals
    for (const [c, latin] of entries) {
      expect(latin).toMatch(/^[A-Z]$/);
      for (const other of [c.toUpperCase(), c.toLowerCase()])
        if ([...other].length === 1 && other !== c && byLetter.has(other)) expect(byLetter.get(other)).toBe(latin);
    }
    for (const [c, latin] of [
      ['\u0405', 'S'],
      ['\u0455', 'S'],
      ['\u0440', 'P'],
      ['\u03bf', 'O'],
      ['\u0410', 'A'],
      ['\ua4e2', 'S'],
    ] as const)
      expect(byLetter.get(c)).toBe(latin);
  });
});
