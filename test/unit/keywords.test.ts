import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelledMessages } from '../../bench/keywords.js';
import { classify, configureKeywords, defaultKeywords, keywordLanguages, normalizeText, type KeywordLists } from '../../shared/core/keywords.js';

/** ASCII letters, digits and punctuation to their full-width forms; a space to the ideographic space. */
function fullWidth(text: string): string {
  return [...text].map((c) => (c === ' ' ? '\u3000' : c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');
}

function titleCase(text: string): string {
  return text.toLowerCase().replace(/(^|\s)(\p{L})/gu, (_m, space: string, letter: string) => space + letter.toUpperCase());
}

function alternatingCase(text: string): string {
  return [...text].map((c, i) => (i % 2 ? c.toLowerCase() : c.toUpperCase())).join('');
}

/** The ways people actually type a keyword, by name. */
function variants(word: string): [string, string][] {
  return [
    ['as listed', word],
    ['lower case', word.toLowerCase()],
    ['title case', titleCase(word)],
    ['alternating case', alternatingCase(word)],
    ['surrounding spaces', `   ${word}   `],
    ['surrounding tabs and newlines', `\t\n${word}\r\n`],
    ['exclamation', `${word.toLowerCase()}!`],
    ['full stop and spaces', `  ${titleCase(word)}. `],
    ['single quotes', `'${word}'`],
    ['double quotes', `"${word.toLowerCase()}"`],
    ['curly quotes', `\u201c${word}\u201d`],
    ['repeated punctuation', `!!${word}?!...`],
    ['emoji after', `${word} 🛑`],
    ['emoji before', `🙏 ${word}`],
    ['repeated', `${word} ${word}`],
    ['full-width letters', fullWidth(word)],
    ['full-width letters and punctuation', `${fullWidth(word.toLowerCase())}！`],
    ['newline between words', word.replace(/ /g, '\n')],
    ['several spaces between words', word.replace(/ /g, '   ')],
    ['non-breaking spaces', `\u00a0${word.replace(/ /g, '\u00a0')}\u00a0`],
    ['zero-width space after', `${word}\u200b`],
  ];
}

function table(words: readonly (readonly [string, string])[]) {
  return words.flatMap(([word, keyword]) => variants(word).map(([how, text]) => ({ word, how, text, keyword })));
}

/** [as typed, keyword it is reported as]. */
const optOutWords = [
  // FCC per se, CTIA, providers.
  ['STOP', 'STOP'],
  ['STOPALL', 'STOPALL'],
  ['STOP ALL', 'STOP ALL'],
  ['UNSUBSCRIBE', 'UNSUBSCRIBE'],
  ['CANCEL', 'CANCEL'],
  ['END', 'END'],
  ['QUIT', 'QUIT'],
  ['REVOKE', 'REVOKE'],
  ['OPTOUT', 'OPTOUT'],
  ['OPT OUT', 'OPT OUT'],
  ['OPT-OUT', 'OPT OUT'],
  ['OPT_OUT', 'OPT OUT'],
  ['STOP-ALL', 'STOP ALL'],
  ['REMOVE', 'REMOVE'],
  ['TD', 'TD'],
  // Spanish.
  ['ALTO', 'ALTO'],
  ['PARAR', 'PARAR'],
  ['PARA', 'PARA'],
  ['DETENER', 'DETENER'],
  ['CANCELAR', 'CANCELAR'],
  ['BAJA', 'BAJA'],
  ['NO MÁS', 'NO MÁS'],
  ['NO MAS', 'NO MAS'],
  ['DESUSCRIBIR', 'DESUSCRIBIR'],
  // French (ARRET and ARRÊT are also the providers').
  ['ARRÊT', 'ARRÊT'],
  ['ARRET', 'ARRET'],
  ['ARRÊTE', 'ARRÊTE'],
  ['ARRETE', 'ARRETE'],
  ['DÉSABONNER', 'DÉSABONNER'],
  ['DESABONNER', 'DESABONNER'],
  ['DÉSINSCRIRE', 'DÉSINSCRIRE'],
  ['DESINSCRIRE', 'DESINSCRIRE'],
  ['FIN', 'FIN'],
] as const;

const optInWords = [
  ['START', 'START'],
  ['UNSTOP', 'UNSTOP'],
] as const;

const helpWords = [
  ['HELP', 'HELP'],
  ['INFO', 'INFO'],
  ['AIDE', 'AIDE'],
  ['AYUDA', 'AYUDA'],
] as const;

describe('classify with the default keywords', () => {
  it.each(table(optOutWords))('reads $word ($how: $text) as opt-out by $keyword', ({ text, keyword }) => {
    expect(classify(text)).toEqual({ intent: 'opt-out', match: { kind: 'keyword', keyword } });
  });

  it.each(table(optInWords))('reads $word ($how: $text) as opt-in by $keyword', ({ text, keyword }) => {
    expect(classify(text)).toEqual({ intent: 'opt-in', match: { kind: 'keyword', keyword } });
  });

  it.each(table(helpWords))('reads $word ($how: $text) as help by $keyword', ({ text, keyword }) => {
    expect(classify(text)).toEqual({ intent: 'help', match: { kind: 'keyword', keyword } });
  });

  it('covers every default keyword in the tables above', () => {
    const tested = new Set([...optOutWords, ...optInWords, ...helpWords].map(([, keyword]) => keyword));
    for (const keyword of [...defaultKeywords.optOut, ...defaultKeywords.optIn, ...defaultKeywords.help]) {
      expect(tested).toContain(keyword);
    }
  });

  it.each([
    ['arret', 'ARRET'],
    ['arrêt', 'ARRÊT'],
    ['ARRÈT', 'ARRET'],
    ['no mas', 'NO MAS'],
    ['no más', 'NO MÁS'],
    ['desinscrire', 'DESINSCRIRE'],
  ])('matches %j whatever its accents, reporting the spelling typed (%s) or the first listed', (text, keyword) => {
    expect(classify(text)).toEqual({ intent: 'opt-out', match: { kind: 'keyword', keyword } });
  });

  it.each([
    'can you stop by at 5?',
    'hello',
    'bus stop',
    'stop by later',
    '',
    '   ',
    '!!!',
    '🛑',
    'stopping',
    'stops',
    'unstoppable',
    'ST OP',
    'helpful',
    'information',
    'the end is near',
    'start over',
    'cancel my order #123',
    'opt',
    'out',
    'STO',
  ])('reads the ordinary message %j as none, with no match', (text) => {
    const result = classify(text);
    expect(result).toEqual({ intent: 'none' });
    expect(result.match).toBeUndefined();
  });

  // These were `none` under the exact-keyword-only rules. The brief for the tolerant engine makes
  // them opt-outs on purpose: repeated keywords fold ("STOP STOP"), and a short message that starts
  // or ends with an opt-out keyword is suppressed ("please stop", "STOP ALL NOW").
  it.each([
    ['STOP STOP', { kind: 'keyword', keyword: 'STOP' }],
    ['please stop', { kind: 'edge-word', keyword: 'STOP', position: 'end' }],
    ['STOP ALL NOW', { kind: 'edge-word', keyword: 'STOP ALL', position: 'start' }],
  ] as const)('now reads %j as opt-out', (text, match) => {
    expect(classify(text)).toEqual({ intent: 'opt-out', match });
  });
});

it.each(['STOP\u200b', '\u200eSTOP', 'STOP\u200f', 'STOP\u2060', 'S\u00adTOP', '\u2066STOP\u2069', 'ST\u200dOP', '\ufeffSTOP'])(
  'reads STOP with an invisible format character (%j) as opt-out',
  (text) => {
    expect(classify(text)).toEqual({ intent: 'opt-out', match: { kind: 'keyword', keyword: 'STOP' } });
  },
);

describe('opt-out wins over opt-in and help', () => {
  it.each([
    ['STOP HELP', 'edge-word'],
    ['HELP STOP', 'edge-word'],
    ['START STOP', 'edge-word'],
    ['STOP START', 'edge-word'],
    ['help stop help', 'sentence'],
    ['Help! Stop texting me', 'phrase'],
  ])('reads %j as opt-out (%s)', (text, kind) => {
    const result = classify(text);
    expect(result.intent).toBe('opt-out');
    expect(result.match?.kind).toBe(kind);
  });
});

describe('classify with custom keyword lists', () => {
  const lists: KeywordLists = { optOut: ['HALT', 'No More'], optIn: ['RESUME'], help: ['AIDE'] };

  it('matches the given lists and reports the keyword as listed', () => {
    expect(classify('halt', lists)).toEqual({ intent: 'opt-out', match: { kind: 'keyword', keyword: 'HALT' } });
    expect(classify('  NO-MORE! ', lists)).toEqual({ intent: 'opt-out', match: { kind: 'keyword', keyword: 'No More' } });
    expect(classify('Resume', lists)).toEqual({ intent: 'opt-in', match: { kind: 'keyword', keyword: 'RESUME' } });
    expect(classify('aide?', lists)).toEqual({ intent: 'help', match: { kind: 'keyword', keyword: 'AIDE' } });
  });

  it('does not fall back to the default keywords or phrases', () => {
    expect(classify('STOP', lists)).toEqual({ intent: 'none' });
    expect(classify('please stop texting me', lists)).toEqual({ intent: 'none' });
  });

  it('applies the short-message rule to its own words', () => {
    expect(classify('halt please', lists)).toEqual({ intent: 'opt-out', match: { kind: 'edge-word', keyword: 'HALT', position: 'start' } });
  });

  it('prefers opt-out when a word is in several lists', () => {
    const overlapping: KeywordLists = { optOut: ['X'], optIn: ['X'], help: ['X'] };
    expect(classify('x', overlapping).intent).toBe('opt-out');
    expect(classify('y', { optOut: [], optIn: ['Y'], help: ['Y'] }).intent).toBe('opt-in');
  });

  it('ignores a keyword that normalizes to nothing', () => {
    const lists: KeywordLists = { optOut: ['!!!', '🛑'], optIn: [], help: [] };
    expect(classify('!!!', lists)).toEqual({ intent: 'none' });
    expect(classify('🛑', lists)).toEqual({ intent: 'none' });
  });
});

describe('configureKeywords', () => {
  it('is what the defaults are made of: English, Spanish and French', () => {
    expect(configureKeywords()).toEqual(defaultKeywords);
    expect(defaultKeywords.languages).toEqual(['en', 'es', 'fr']);
    for (const language of Object.values(keywordLanguages)) {
      for (const word of language.optOut) expect(defaultKeywords.optOut).toContain(word);
      for (const rule of language.phrases ?? []) expect(defaultKeywords.phrases).toContain(rule);
    }
  });

  it('lists every keyword once', () => {
    for (const list of [defaultKeywords.optOut, defaultKeywords.optIn, defaultKeywords.help]) expect(new Set(list).size).toBe(list.length);
  });

  it('leaves a language out when asked', () => {
    const english = configureKeywords({ languages: ['en'] });
    expect(classify('STOP', english).intent).toBe('opt-out');
    expect(classify('ARRET', english).intent).toBe('opt-out'); // a provider word, whatever the language
    expect(classify('alto', english)).toEqual({ intent: 'none' });
    expect(classify('dejen de enviarme mensajes', english)).toEqual({ intent: 'none' });
    expect(classify('ayuda', english)).toEqual({ intent: 'none' });
    expect(classify('alto', configureKeywords({ languages: ['es'] })).intent).toBe('opt-out');
  });

  it('adds an organisation’s own words and phrases', () => {
    const lists = configureKeywords({
      extra: { optOut: ['HALT', 'BASTA'], optIn: ['RESUME'], help: ['SOS'], phrases: [{ id: 'go-away', pattern: 'GO AWAY' }] },
    });
    expect(classify('Basta!', lists)).toEqual({ intent: 'opt-out', match: { kind: 'keyword', keyword: 'BASTA' } });
    expect(classify('just go away', lists)).toEqual({ intent: 'opt-out', match: { kind: 'phrase', phrase: 'go-away' } });
    expect(classify("don't go away", lists)).toEqual({ intent: 'none' });
    expect(classify('resume', lists).intent).toBe('opt-in');
    expect(classify('sos', lists).intent).toBe('help');
    expect(classify('STOP', lists).intent).toBe('opt-out');
  });

  it('turns the looser rules off when asked', () => {
    const strict = configureKeywords({ shortMessageWords: 0, sentences: false, typos: false });
    expect(classify('stop lol', strict)).toEqual({ intent: 'none' });
    expect(classify('Who are you, how did you get this number. STOP.', strict)).toEqual({ intent: 'none' });
    expect(classify('STPO', strict)).toEqual({ intent: 'none' });
    expect(classify('stop texting me', strict).intent).toBe('opt-out');
  });

  it('applies the short-message rule only up to its word limit', () => {
    const text = 'stop it now you guys ok'; // six words
    expect(classify(text).match?.kind).toBe('edge-word');
    expect(classify(text, configureKeywords({ shortMessageWords: 5 })).match?.kind).not.toBe('edge-word');
    expect(classify('stop it now you guys ok then what').intent).toBe('none'); // eight words, no phrase
  });
});

describe('normalizeText', () => {
  it.each([
    ['ＳＴＯＰ', 'STOP'],
    [' opt-out! ', 'OPT OUT'],
    ['opt__out', 'OPT OUT'],
    ['opt - out', 'OPT OUT'],
    ['opt\u2013out', 'OPT OUT'],
    ['  stop\t\n all  ', 'STOP ALL'],
    ['«Stop»', 'STOP'],
    ['¡stop!', 'STOP'],
    ['$stop$', 'STOP'],
    ['can you stop by at 5?', 'CAN YOU STOP BY AT 5'],
    ['', ''],
    ['Arrêt', 'ARRET'],
    ['no ma\u0301s', 'NO MAS'],
    ['S\u00adT\u200bO\u2060P', 'STOP'],
    ['🙏 stop 🛑', 'STOP'],
    ['stop🛑now', 'STOP NOW'],
    ['\u201cstop\u201d', 'STOP'],
  ])('normalizes %j to %j', (text, expected) => {
    expect(normalizeText(text)).toBe(expected);
  });
});

describe('classify properties', () => {
  const allKeywords = [...defaultKeywords.optOut, ...defaultKeywords.optIn, ...defaultKeywords.help];
  const mixedCase = (word: string, upper: boolean[]) => [...word].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c.toLowerCase())).join('');
  const caseMask = fc.array(fc.boolean(), { minLength: 16, maxLength: 16 });
  const keywordText = fc.tuple(fc.constantFrom(...allKeywords), caseMask).map(([word, upper]) => mixedCase(word, upper));
  const corpusText = fc.constantFrom(...labelledMessages.map((m) => m.text));
  const text = fc.oneof(keywordText, corpusText, fc.string(), fc.string({ unit: 'binary' }));
  const whitespace = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u3000', '\ufeff') });
  const invisible = fc.string({
    unit: fc.constantFrom(
      '\u200b',
      '\u200c',
      '\u200d',
      '\u200e',
      '\u200f',
      '\u2060',
      '\ufeff',
      '\u00ad',
      '\u202a',
      '\u202c',
      '\u2066',
      '\u2069',
      '\u061c',
      '\u180e',
    ),
    maxLength: 4,
  });
  const decoration = fc.string({
    unit: fc.constantFrom(
      ' ',
      '\t',
      '\n',
      '\u00a0',
      '\u3000', // whitespace
      '.',
      ',',
      '!',
      '?',
      '¡',
      '¿',
      ';',
      ':',
      '-',
      '_',
      '…',
      '(',
      ')',
      '*',
      '#',
      '@',
      '~', // punctuation
      "'",
      '"',
      '\u2018',
      '\u2019',
      '\u201c',
      '\u201d',
      '«',
      '»', // quotes
      '🛑',
      '🙏',
      '😡',
      '👍🏽',
      '❤️',
      '🇫🇷',
      '✋', // emoji
      '\u200b',
      '\u200e',
      '\u200f',
      '\u2060',
      '\ufeff',
      '\u00ad',
      '\u2066',
      '\u2069',
      '\u200d', // invisible
    ),
    maxLength: 6,
  });

  it('reads every opt-out keyword, in any case and however decorated, as that keyword (never none)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...defaultKeywords.optOut), caseMask, decoration, decoration, (keyword, upper, before, after) => {
        expect(classify(`${before}${mixedCase(keyword, upper)}${after}`)).toEqual({ intent: 'opt-out', match: { kind: 'keyword', keyword } });
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(classify(t)).toEqual(classify(t));
      }),
    );
  });

  it('is invariant under case changes and surrounding whitespace', () => {
    fc.assert(
      fc.property(text, whitespace, whitespace, (t, before, after) => {
        const expected = classify(t);
        expect(classify(t.toLowerCase())).toEqual(expected);
        expect(classify(t.toUpperCase())).toEqual(expected);
        expect(classify(`${before}${t}${after}`)).toEqual(expected);
      }),
    );
  });

  it('is unchanged by zero-width and other format characters before or after the message', () => {
    fc.assert(
      fc.property(text, invisible, invisible, (t, before, after) => {
        expect(classify(`${before}${t}${after}`)).toEqual(classify(t));
      }),
    );
  });

  it('reads every keyword, in any mix of case and surrounded by whitespace, as its own intent', () => {
    const lists = [
      ['opt-out', defaultKeywords.optOut],
      ['opt-in', defaultKeywords.optIn],
      ['help', defaultKeywords.help],
    ] as const;
    const entry = fc.constantFrom(...lists.flatMap(([intent, words]) => words.map((keyword) => ({ intent, keyword }))));
    fc.assert(
      fc.property(entry, caseMask, whitespace, whitespace, ({ intent, keyword }, upper, before, after) => {
        expect(classify(`${before}${mixedCase(keyword, upper)}${after}`)).toEqual({ intent, match: { kind: 'keyword', keyword } });
      }),
    );
  });

  it('never reads an opt-out keyword as anything but opt-out when it is the whole message', () => {
    // The contrapositive of the property above, over arbitrary text: whatever is `none` does not
    // normalize to an opt-out keyword.
    const optOutKeys = new Set(defaultKeywords.optOut.map((word) => normalizeText(word)));
    fc.assert(
      fc.property(
        fc.oneof(
          text,
          keywordText.map((k) => `${k}\u200b!`),
        ),
        (t) => {
          if (classify(t).intent === 'none') expect(optOutKeys.has(normalizeText(t))).toBe(false);
        },
      ),
    );
  });
});
