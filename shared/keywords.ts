/**
 * What an inbound text asks for. Pure: the same text always classifies the same way, and the
 * result says how it matched so that an auditor can see why a message was (or was not) a STOP.
 */

export type Intent = 'opt-out' | 'opt-in' | 'help' | 'none';

export interface Classification {
  intent: Intent;
  /** How the intent was recognised; absent for `none`. */
  match?: { kind: 'keyword'; keyword: string } | { kind: 'provider'; provider: string };
}

export interface KeywordLists {
  optOut: readonly string[];
  optIn: readonly string[];
  help: readonly string[];
}

/** CTIA's and the FCC's opt-out words plus the common provider additions. */
export const defaultKeywords: KeywordLists = {
  optOut: ['STOP', 'STOPALL', 'STOP ALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'OPT OUT'],
  optIn: ['START', 'UNSTOP'],
  help: ['HELP', 'INFO'],
};

/**
 * Folds what people actually type onto one form: compatibility characters (full-width letters),
 * case, hyphens and underscores between words, surrounding punctuation and repeated spaces.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    // Invisible format characters (zero-width space, direction marks, soft hyphen) that phones
    // and copy-paste insert into otherwise plain keywords.
    .replace(/\p{Cf}/gu, '')
    .toUpperCase()
    .replace(/[-_]+/g, ' ')
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '')
    .replace(/\s+/g, ' ');
}

export function classify(text: string, lists: KeywordLists = defaultKeywords): Classification {
  const normalized = normalizeText(text);
  const intents: [Exclude<Intent, 'none'>, readonly string[]][] = [
    ['opt-out', lists.optOut],
    ['opt-in', lists.optIn],
    ['help', lists.help],
  ];
  for (const [intent, words] of intents) {
    const keyword = words.find((word) => normalizeText(word) === normalized);
    if (keyword) return { intent, match: { kind: 'keyword', keyword } };
  }
  return { intent: 'none' };
}
