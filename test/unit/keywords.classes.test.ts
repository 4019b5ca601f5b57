import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelledMessages } from '../../bench/keywords.js';
import { latinLookalikes } from '../../shared/core/confusables.js';
import { classify, defaultKeywords, normalizeText } from '../../shared/core/keywords.js';

/**
 * The four ways a STOP is disguised or paraphrased (issue: letters split by punctuation, digits for
 * letters, look-alike letters from other scripts, withdrawals with no keyword), each as properties
 * over every default opt-out keyword, and the same disguises applied to the labelled ordinary
 * messages, which must stay what they were.
 */

/** A keyword however it is split into words: "OPT OUT", "OPTOUT" and "O-P-T O-U-T" are one. */
const unsplit = (keyword: string) => normalizeText(keyword).replace(/ /g, '');

function expectKeyword(text: string, keyword: string): void {
  const result = classify(text);
  expect(result.intent, text).toBe('opt-out');
  expect(result.match?.kind, text).toBe('keyword');
  expect(unsplit((result.match as { keyword: string }).keyword), text).toBe(unsplit(keyword));
}

const optOut = fc.constantFrom(...defaultKeywords.optOut);
const mask = fc.array(fc.boolean(), { minLength: 24, maxLength: 24 });
const mixedCase = (text: string, upper: boolean[]) => [...text].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c.toLowerCase())).join('');
const ending = fc.constantFrom('', '!', '.', '!!!', ' ', '?!');

/** The opt-out keywords' own words ("STOP", "ALL", "NO", …), as the engine reads them. */
const keywordWords = new Set(defaultKeywords.optOut.flatMap((keyword) => normalizeText(keyword).split(' ')));
const ordinary = labelledMessages.filter((row) => row.intent === 'none');
const ordinaryWithKeywordWords = ordinary.filter((row) =>
  normalizeText(row.text)
    .split(' ')
    .some((word) => keywordWords.has(word)),
);

/** Each word's letters joined by `separator` where `spell(word)` says so. */
function spellOut(text: string, separator: string, spell: (word: string) => boolean): string {
  return text.replace(/\p{L}+/gu, (word) => (spell(word) ? [...word].join(separator) : word));
}

describe('letters separated by punctuation or spaces', () => {
  const separator = fc.constantFrom('.', '-', '_', ' ', '*', '/', '. ', ' - ', '..', '\u00b7', '\u2022', '|', '+', '~', '\u2013', '...');

  it('reads any opt-out keyword spelled out letter by letter as that keyword', () => {
    fc.assert(
      fc.property(optOut, separator, mask, ending, (keyword, between, upper, end) => {
        expectKeyword(`${spellOut(mixedCase(keyword, upper), between, () => true)}${end}`, keyword);
      }),
      { numRuns: 400 },
    );
  });

  it('reads a keyword broken into pieces by punctuation without spaces as that keyword', () => {
    const long = defaultKeywords.optOut.filter((keyword) => /^\p{L}{4,}$/u.test(keyword));
    fc.assert(
      fc.property(fc.constantFrom(...long), fc.integer({ min: 1, max: 3 }), fc.constantFrom('.', '-', '_', '*', '/'), (keyword, cut, mark) => {
        expectKeyword(`${keyword.slice(0, cut)}${mark}${keyword.slice(cut)}`, keyword);
      }),
    );
  });

  it('leaves every labelled ordinary message as it was when its keyword-like words are spelled out', () => {
    expect(ordinaryWithKeywordWords.length).toBeGreaterThan(20);
    fc.assert(
      fc.property(fc.constantFrom(...ordinaryWithKeywordWords), fc.constantFrom('.', '-', '_', '*', '/', '. '), ({ text }, between) => {
        const spelled = spellOut(text, between, (word) => keywordWords.has(normalizeText(word)));
        expect(classify(spelled), spelled).toEqual(classify(text));
      }),
      { numRuns: 300 },
    );
  });

  it('does not join single letters that spell no keyword', () => {
    for (const text of ['U.S.A.', 'A S A P', 'R.S.V.P.', 'P.S. call me', 'Q&A', 'B-E-S-T', 'I T']) expect(classify(text)).toEqual({ intent: 'none' });
  });
});

describe('digits standing for letters', () => {
  const DIGIT_FOR: Record<string, string> = { O: '0', I: '1', L: '1', E: '3', A: '4', S: '5', T: '7', B: '8' };

  /** Letters of words of three or more letters swapped for digits where `swap` says so, always leaving a letter in each word. */
  function withDigits(keyword: string, swap: boolean[]): string {
    let i = 0;
    return keyword.replace(/\p{L}+/gu, (word) => {
      if (word.length < 3) return word;
      const swapped = [...word].map((c) => (swap[i++ % swap.length] && DIGIT_FOR[c.toUpperCase()]) || c);
      if (swapped.every((c) => /\d/.test(c))) swapped[swapped.length - 1] = word[word.length - 1]!;
      return swapped.join('');
    });
  }

  it('reads any opt-out keyword with digits for some of its letters as that keyword', () => {
    fc.assert(
      fc.property(optOut, mask, mask, ending, (keyword, swap, upper, end) => {
        expectKeyword(`${withDigits(mixedCase(keyword, upper), swap)}${end}`, keyword);
      }),
      { numRuns: 400 },
    );
  });

  it('reads them spelled out with digits too ("5 T 0 P")', () => {
    fc.assert(
      fc.property(optOut, mask, fc.constantFrom(' ', '.', '-'), (keyword, swap, between) => {
        expectKeyword(
          spellOut(withDigits(keyword, swap), between, () => true).replace(/\d/g, (d) => `${between}${d}${between}`),
          keyword,
        );
      }),
      { numRuns: 200 },
    );
  });

  it('leaves every labelled ordinary message as it was with digits in its keyword-like words', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ordinaryWithKeywordWords), mask, ({ text }, swap) => {
        const disguised = text.replace(/\p{L}+/gu, (word) => (keywordWords.has(normalizeText(word)) ? withDigits(word, swap) : word));
        expect(classify(disguised).intent, disguised).toBe('none');
      }),
      { numRuns: 300 },
    );
  });

  it('never reads numbers as anything', () => {
    const number = fc.array(fc.tuple(fc.nat({ max: 99_999 }), fc.constantFrom(' ', '-', '.', ':', '/', ',', '$', '#', '+', '(', ')', '%', '')), {
      minLength: 1,
      maxLength: 6,
    });
    fc.assert(
      fc.property(number, (parts) => {
        const text = parts.map(([n, mark]) => `${n}${mark}`).join('');
        expect(classify(text), text).toEqual({ intent: 'none' });
      }),
      { numRuns: 500 },
    );
    for (const text of ['7D', 'B4', '5070', '1 0', 'room 4B', '5 top deals']) expect(classify(text).intent, text).toBe('none');
  });
});

describe('letters from other scripts that look Latin (UTS #39 confusables)', () => {
  /** For each Latin capital, the letters of other scripts that look like it. */
  const lookalikesOf = new Map(Object.entries(latinLookalikes).map(([latin, sources]) => [latin, [...sources]]));
  const choice = fc.array(fc.nat(), { minLength: 24, maxLength: 24 });

  /** ASCII letters swapped, where `swap` says so, for a look-alike chosen by `pick`. */
  function disguise(text: string, swap: boolean[], pick: number[]): string {
    let i = 0;
    return text.replace(/[A-Za-z]/g, (c) => {
      const n = i++;
      const options = lookalikesOf.get(c.toUpperCase());
      return swap[n % swap.length] && options ? options[pick[n % pick.length]! % options.length]! : c;
    });
  }

  it('has look-alikes for the letters of every keyword, from Cyrillic, Greek and other scripts', () => {
    for (const letter of new Set([...defaultKeywords.optOut.join('')].filter((c) => /[A-Z]/.test(c)))) {
      expect(lookalikesOf.get(letter)?.length ?? 0, letter).toBeGreaterThan(1);
    }
    expect(lookalikesOf.get('O')).toEqual(expect.arrayContaining(['\u041e', '\u043e', '\u039f', '\u03bf'])); // Cyrillic and Greek O, both cases
    expect(lookalikesOf.get('S')).toContain('\u0405');
    expect(lookalikesOf.get('C')).toContain('\u0421');
  });

  it('reads any opt-out keyword with look-alike letters as that keyword', () => {
    fc.assert(
      fc.property(optOut, mask, choice, mask, ending, (keyword, swap, pick, upper, end) => {
        expectKeyword(`${disguise(mixedCase(keyword, upper), swap, pick)}${end}`, keyword);
      }),
      { numRuns: 500 },
    );
  });

  it('reads every labelled message, look-alikes swapped in anywhere, exactly as before', () => {
    fc.assert(
      fc.property(fc.constantFrom(...labelledMessages), mask, choice, ({ text }, swap, pick) => {
        const disguised = disguise(text, swap, pick);
        expect(classify(disguised), disguised).toEqual(classify(text));
      }),
      { numRuns: 500 },
    );
  });

  it('leaves words of another script alone when a letter in them looks like no Latin letter', () => {
    for (const text of ['\u0441\u0442\u043e\u043f', '\u0421\u0422\u041e\u041f', '\u03a3\u03a4\u039f\u03a0', '\u0421\u043f\u0430\u0441\u0438\u0431\u043e']) {
      expect(classify(text), text).toEqual({ intent: 'none' });
    }
    expect(normalizeText('\u0441\u0442\u043e\u043f')).toBe('\u0421\u0422\u041e\u041f');
    expect(normalizeText('\u0455\u0442\u043e\u0440')).toBe('STOP');
  });
});

describe('withdrawals of permission without a keyword', () => {
  const please = fc.constantFrom('', 'please ', 'Please ', 'hey, ', 'ok ', 'Hi. ');
  const tail = fc.constantFrom('', '!', '.', ' thanks', ' please', ' ok?');
  const me = fc.constantFrom('me', 'my number', 'this number', 'my phone', 'us');
  const list = fc.constantFrom('your list', 'the list', 'this list', 'your mailing list', 'your contacts', 'your database', 'the text list');

  const forms: Record<string, fc.Arbitrary<string>> = {
    'negation + contact verb + me': fc
      .tuple(
        please,
        fc.constantFrom("don't", 'do not', 'never', 'DO NOT', 'dont'),
        fc.constantFrom('text', 'message', 'contact', 'send', 'call or text', 'txt', 'bother'),
        me,
        fc.constantFrom('', ' anymore', ' again', ' ever again', ' any more'),
        tail,
      )
      .map(([p, not, verb, who, more, end]) => `${p}${not} ${verb} ${who}${more}${end}`),
    'remove + me + list': fc
      .tuple(please, fc.constantFrom('remove', 'delete', 'take', 'get', 'drop', 'Remove'), me, fc.constantFrom('from', 'off', 'off of', 'out of'), list, tail)
      .map(([p, verb, who, off, from, end]) => `${p}${verb} ${who} ${off} ${from}${end}`),
    'take me off, alone': fc
      .tuple(please, fc.constantFrom('take me off', 'get me off', 'Take me off this', 'get me off of this'), tail)
      .map((parts) => parts.join('')),
    'no longer want + messages': fc
      .tuple(
        fc.constantFrom('I', 'we', 'Honestly I'),
        fc.constantFrom('no longer', "don't", 'do not'),
        fc.constantFrom('want', 'wish to receive', 'need', 'want to get'),
        fc.constantFrom('these', 'your', 'any more', 'any'),
        fc.constantFrom('messages', 'texts', 'text messages', 'alerts', 'promotions'),
        tail,
      )
      .map(([who, not, want, which, what, end]) => `${who} ${not} ${want} ${which} ${what}${end}`),
    'no longer want to be contacted': fc
      .tuple(
        fc.constantFrom('I', 'We'),
        fc.constantFrom('no longer', "don't", 'do not'),
        fc.constantFrom('want to be', 'wish to be'),
        fc.constantFrom('contacted', 'texted', 'messaged', 'on your list'),
        tail,
      )
      .map(([who, not, want, what, end]) => `${who} ${not} ${want} ${what}${end}`),
    'asking to be removed': fc
      .tuple(
        fc.constantFrom("I'd like to be", 'I want to be', 'I need to be', 'how do I get', 'can I be', 'I wish to be'),
        fc.constantFrom('removed', 'unsubscribed', 'taken off'),
        tail,
      )
      .map(([ask, what, end]) => `${ask} ${what}${end}`),
    'weariness or a preference against the messages': fc
      .tuple(
        fc.constantFrom(
          "I've had enough of",
          "I'm tired of getting",
          "I'm sick of",
          "I'd rather not receive",
          'I would prefer not to get',
          'Honestly, I am fed up with',
        ),
        fc.constantFrom('these', 'your', 'all these', 'the'),
        fc.constantFrom('messages', 'texts', 'promotions', 'alerts'),
        tail,
      )
      .map(([feeling, which, what, end]) => `${feeling} ${which} ${what}${end}`),
    'leave me alone': fc.tuple(please, fc.constantFrom('leave me alone', 'leave us alone', 'go away', 'leave me be'), tail).map((parts) => parts.join('')),
    'consent withdrawn': fc
      .constantFrom(
        'I do not consent',
        'I no longer consent to this',
        'you do not have my permission to text me',
        'I withdraw my consent',
        'I never signed up for this',
      )
      .chain((text) => tail.map((end) => `${text}${end}`)),
    Spanish: fc.oneof(
      fc
        .tuple(
          fc.constantFrom('no me', 'No me', 'ya no me'),
          fc.constantFrom('envíen', 'manden', 'escriban', 'contacten', 'vuelvan a escribir', 'sigan enviando mensajes'),
        )
        .map(([no, verb]) => `${no} ${verb}`),
      fc
        .tuple(
          fc.constantFrom('sáquenme', 'bórrenme', 'elimínenme', 'quítenme'),
          fc.constantFrom('de su lista', 'de la lista', 'de esta lista'),
          fc.constantFrom('', ' por favor', ', gracias'),
        )
        .map((parts) => parts.join(' ').trim()),
      fc.constantFrom('no quiero que me contacten', 'ya no deseo recibir mensajes', 'no me interesa', 'retiro mi consentimiento'),
    ),
    French: fc.oneof(
      fc
        .constantFrom('ne me', "ne m'", 'Ne me')
        .chain((ne) => fc.constantFrom('contactez', 'texte', 'écrivez', 'envoyez').map((verb) => `${ne}${ne.endsWith("'") ? '' : ' '}${verb} plus`)),
      fc.tuple(fc.constantFrom('retirez-moi', 'supprimez-moi', 'enlevez-moi'), fc.constantFrom(' de votre liste', '', ' svp')).map((parts) => parts.join('')),
      fc.constantFrom('je ne souhaite plus recevoir de messages', "ça ne m'intéresse pas", 'je retire mon consentement', 'plus jamais de messages'),
    ),
  };

  it.each(Object.entries(forms))('reads every %s as an opt-out by phrase', (_form, withdrawal) => {
    fc.assert(
      fc.property(withdrawal, (text) => {
        const result = classify(text);
        expect(result.intent, text).toBe('opt-out');
        expect(result.match?.kind, text).toBe('phrase');
      }),
      { numRuns: 150 },
    );
  });

  it('reads a withdrawal inside a longer message as an opt-out', () => {
    const context = fc.constantFrom('Who is this?', 'Thanks, see you Saturday.', 'I got your message about the sale.', 'Hola.', 'Bonjour.');
    fc.assert(
      fc.property(context, fc.oneof(...Object.values(forms)), context, (before, text, after) => {
        expect(classify(`${before} ${text}. ${after}`).intent, text).toBe('opt-out');
      }),
      { numRuns: 300 },
    );
  });

  it('does not read a negated withdrawal as one', () => {
    const negated = fc
      .tuple(
        fc.constantFrom("don't ", 'please do not ', 'I never said ', "I don't want you to ", 'never '),
        fc.constantFrom('remove me from your list', 'take me off your list', 'delete my number', 'unsubscribe me', 'stop texting me', 'take me off'),
      )
      .map(([not, request]) => `${not}${request}`);
    fc.assert(
      fc.property(negated, (text) => {
        expect(classify(text), text).toEqual({ intent: 'none' });
      }),
    );
    for (const text of [
      "I don't want to be removed from the list",
      'The stain was removed, thanks',
      'Take me off the schedule for Friday',
      'We go away on Friday',
    ]) {
      expect(classify(text), text).toEqual({ intent: 'none' });
    }
  });
});
