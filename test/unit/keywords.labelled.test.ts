import { describe, expect, it } from 'vitest';
import { labelledMessages, type LabelledMessage } from '../../bench/keywords.js';
import { classify, defaultKeywords } from '../../shared/core/keywords.js';

/**
 * Real-world-style inbound texts, labelled by hand: the intent each must read as and how it must
 * match. The table itself lives in bench/keywords.ts so that the bench classifies the same mix
 * (a test file cannot be imported outside vitest); each row carries a note where the label is a
 * judgement call (accepted and rejected typos, the deliberately conservative short-message rule).
 */

const describeRow = ({ text, intent, kind, by }: LabelledMessage) => `${JSON.stringify(text)} → ${intent}${kind ? ` by ${kind}` : ''}${by ? ` ${by}` : ''}`;

describe('labelled messages', () => {
  it.each(labelledMessages.map((row) => [describeRow(row), row] as const))('%s', (_title, { text, intent, kind, by }) => {
    const result = classify(text);
    expect(result.intent).toBe(intent);
    expect(result.match?.kind).toBe(kind);
    if (by !== undefined) {
      const match = result.match as { keyword?: string; phrase?: string } | undefined;
      expect(match?.keyword ?? match?.phrase).toBe(by);
    }
    if (intent === 'none') expect(result).toEqual({ intent: 'none' });
  });
});

describe('the labelled table', () => {
  const count = (predicate: (row: LabelledMessage) => boolean) => labelledMessages.filter(predicate).length;

  it('has at least 150 messages, no two alike', () => {
    expect(labelledMessages.length).toBeGreaterThanOrEqual(150);
    expect(new Set(labelledMessages.map((row) => row.text)).size).toBe(labelledMessages.length);
  });

  it('covers every intent and every way of matching', () => {
    for (const intent of ['opt-out', 'opt-in', 'help', 'none'] as const) expect(count((row) => row.intent === intent)).toBeGreaterThan(0);
    for (const kind of ['keyword', 'phrase', 'edge-word', 'sentence', 'typo'] as const) expect(count((row) => row.kind === kind)).toBeGreaterThan(2);
    expect(count((row) => row.intent === 'none')).toBeGreaterThanOrEqual(40);
  });

  it('has an example of every built-in phrase rule', () => {
    const used = new Set(labelledMessages.filter((row) => row.kind === 'phrase').map((row) => row.by));
    for (const rule of defaultKeywords.phrases ?? []) expect(used, rule.id).toContain(rule.id);
  });

  it('has Spanish and French, emoji, full-width and invisible characters', () => {
    const texts = labelledMessages.map((row) => row.text);
    expect(texts.filter((t) => /\p{Extended_Pictographic}/u.test(t)).length).toBeGreaterThan(5);
    expect(texts.filter((t) => /[\uff01-\uff5e]/.test(t)).length).toBeGreaterThan(3);
    expect(texts.filter((t) => /[\p{Cf}\u3164]/u.test(t)).length).toBeGreaterThan(5);
    expect(count((row) => /^(?:es|fr)-/.test(row.by ?? '') || ['ALTO', 'PARA', 'ARRÊT', 'ARRET', 'NO MÁS', 'FIN'].includes(row.by ?? ''))).toBeGreaterThan(20);
  });
});
