import { describe, expect, it } from 'vitest';
import { traceText, type Trace } from '../../shared/audit/trace.js';
import { tracePdf } from '../../shared/audit/trace-pdf.js';
import { slaPolicy } from '../../shared/core/sla.js';

/**
 * The proof as PDF, read back by the file structure ISO 32000-1 §7.5 defines: the header, every
 * object where the cross-reference table says it starts, each stream as long as its /Length, a
 * page per 70 lines, and the text of `traceText` in the pages' text operators.
 */

function trace(events: number, note = 'letter (scan #17) \\ signed'): Trace {
  return {
    generatedAt: '2026-05-01T00:00:00.000Z',
    personId: 'p-1',
    identities: [
      { type: 'email', value: 'zoë@example.com' },
      { type: 'phone', value: '+14155550100' },
    ],
    policy: slaPolicy(),
    events: Array.from({ length: events }, (_, index) => ({
      eventId: `request.console.r-${index}`,
      kind: 'opt-out',
      channels: ['email' as const],
      occurredAt: '2026-05-01T00:00:00.000Z',
      recordedAt: '2026-05-01T00:00:01.000Z',
      evidence: { collectedBy: 'agent-ann', method: 'letter', note: `${note} 停止 ${'x'.repeat(200)}` },
      keptAt: { table: 'preferences', pk: `EVENT#request.console.r-${index}`, sk: 'EVENT' },
      distribution: [],
    })),
  };
}

/** Reads a PDF literal string back (the escapes tracePdf writes). */
const readLiteral = (literal: string) => literal.replace(/\\([\\()])/g, '$1');

function read(pdf: Buffer) {
  const file = pdf.toString('latin1');
  expect(file.startsWith('%PDF-1.4\n')).toBe(true);
  expect(file.endsWith('%%EOF\n')).toBe(true);
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(file)![1]);
  expect(file.slice(startxref, startxref + 5)).toBe('xref\n');
  const [, count] = /^xref\n0 (\d+)\n/.exec(file.slice(startxref))!;
  const entries = file
    .slice(startxref)
    .split('\n')
    .slice(3, 3 + Number(count) - 1);
  const objects = entries.map((entry, index) => {
    const offset = Number(entry.slice(0, 10));
    expect(entry.slice(10)).toBe(' 00000 n ');
    expect(file.slice(offset).startsWith(`${index + 1} 0 obj\n`), `object ${index + 1} starts at ${offset}`).toBe(true);
    return file.slice(offset, file.indexOf('\nendobj\n', offset));
  });
  const streams = objects
    .filter((object) => object.includes('\nstream\n'))
    .map((object) => {
      const length = Number(/\/Length (\d+)/.exec(object)![1]);
      const data = object.slice(object.indexOf('\nstream\n') + 8);
      expect(data.slice(length)).toBe('\nendstream');
      return data.slice(0, length);
    });
  const pages = Number(/\/Count (\d+)/.exec(objects[1]!)![1]);
  const lines = streams.map((stream) => [...stream.matchAll(/\(((?:\\.|[^\\)])*)\) Tj T\*/g)].map((match) => readLiteral(match[1]!)));
  return { pages, lines };
}

describe('trace as PDF', () => {
  it('is a well-formed PDF whose pages carry the text of the trace, wrapped, with a header on each', () => {
    const { pages, lines } = read(tracePdf(trace(1), 'zoë@example.com'));
    expect(pages).toBe(1);
    expect(lines[0]![0]).toBe('Opt-out proof for zoë@example.com, person p-1: page 1 of 1');
    const text = lines[0]!.slice(2).join('\n');
    // Latin-1 is kept (ë); anything else is a visible escape; parentheses and backslashes survive.
    expect(text).toContain('letter (scan #17) \\ signed \\u505c\\u6b62 xxx');
    const expected = traceText(trace(1), 'zoë@example.com').split('\n');
    const unwrapped = text.replace(/\n {6}/g, '').replace(/\\u505c\\u6b62/g, '停止');
    expect(unwrapped).toBe(expected.join('\n'));
    for (const line of lines[0]!) expect(line.length).toBeLessThanOrEqual(110);
  });

  it('continues on as many pages as the trace needs', () => {
    const pdf = tracePdf(trace(40), 'p-1');
    const { pages, lines } = read(pdf);
    const total = lines.flat().length - 2 * pages;
    expect(pages).toBe(Math.ceil(total / 70));
    expect(lines.at(-1)![0]).toBe(`Opt-out proof for p-1, person p-1: page ${pages} of ${pages}`);
  });
});
