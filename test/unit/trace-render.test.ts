import { describe, expect, it } from 'vitest';
import { printable, traceHtml, traceText, type Trace } from '../../shared/audit/trace.js';
import { slaPolicy } from '../../shared/core/sla.js';

const CLEAR_SCREEN = '\u001b[2J\u001b[H';
const HYPERLINK = '\u001b]8;;https://evil.example/\u001b\\click me\u001b]8;;\u001b\\';
const RIGHT_TO_LEFT = 'gnp.\u202eexe';

function traceWith(evidence: Record<string, unknown>, messageId: string): Trace {
  return {
    generatedAt: '2026-05-01T00:00:00.000Z',
    personId: 'person-1',
    identities: [{ type: 'phone', value: '+14155550100' }],
    policy: slaPolicy(),
    events: [
      {
        eventId: 'event-1',
        kind: 'opt-out',
        channels: ['sms'],
        source: { provider: 'twilio', messageId },
        occurredAt: '2026-05-01T00:00:00.000Z',
        recordedAt: '2026-05-01T00:00:01.000Z',
        evidence,
        keptAt: { table: 'preferences', pk: 'PERSON#person-1', sk: 'EVENT#event-1' },
        distribution: [],
      },
    ],
  };
}

// Anything a terminal or a browser would act on rather than show (newlines are the output's own).
const BIDI = [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
function activeCharacters(text: string): string[] {
  return [...text].filter((char) => {
    const code = char.codePointAt(0)!;
    return (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f) || BIDI.includes(code);
  });
}

describe('trace rendering of hostile evidence', () => {
  const trace = traceWith({ note: CLEAR_SCREEN, reference: HYPERLINK, collectedBy: RIGHT_TO_LEFT }, `msg${CLEAR_SCREEN}`);

  it('prints no escape sequence, hyperlink or bidi override in the text output', () => {
    const text = traceText(trace, `+14155550100${CLEAR_SCREEN}`);
    expect(activeCharacters(text)).toEqual([]);
    // Still readable for the auditor: the escape is shown, not dropped.
    expect(text).toContain('note \\u001b[2J\\u001b[H');
    expect(text).toContain('reference \\u001b]8;;https://evil.example/\\u001b\\click me');
    expect(text).toContain('collectedBy gnp.\\u202eexe');
    expect(text).toContain('message msg\\u001b[2J');
    expect(text).toContain('Opt-out trace for +14155550100\\u001b[2J');
  });

  it('keeps the line structure of the text output', () => {
    const text = traceText(traceWith({ note: 'line one\nline two\r' }, 'm'), 'subject');
    expect(text).toContain('note line one\\u000aline two\\u000d');
    expect(text.split('\n').some((line) => line.startsWith('line two'))).toBe(false);
  });

  it('shows no bidi override or control character in the HTML proof either', () => {
    expect(activeCharacters(traceHtml(trace, 'subject'))).toEqual([]);
  });

  it('leaves ordinary text, accents included, unchanged', () => {
    expect(printable('Zoë García, 会社 — ok')).toBe('Zoë García, 会社 — ok');
  });
});
