import { traceText, type Trace } from './trace.js';

/**
 * The trace's proof as a PDF, written directly (ISO 32000-1, PDF 1.4): the same text as
 * `traceText`, in Courier on Letter pages, with a header on every page. No library and no
 * service: a PDF of plain text needs only the file structure (objects, one content stream per
 * page, the cross-reference table). Text is written in WinAnsiEncoding; a character outside
 * Latin-1 is printed as a visible \u escape, as control characters already are.
 */

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const MARGIN = 40;
const FONT_SIZE = 8;
const LEADING = 10;
/** Courier's advance is 600/1000 em: 4.8 pt at 8 pt, so 110 characters fill 532 pt. */
const COLUMNS = Math.floor((PAGE_WIDTH - 2 * MARGIN) / (FONT_SIZE * 0.6));
/** Lines per page below the header and its blank line. */
const ROWS = Math.floor((PAGE_HEIGHT - 2 * MARGIN) / LEADING) - 2;

/** A line as WinAnsi-safe text: Latin-1 kept, anything else as \uXXXX. */
function latin1(line: string): string {
  let out = '';
  for (const char of line) {
    const code = char.codePointAt(0)!;
    out += (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) ? char : `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return out;
}

/** Long lines wrap at the page width, continuing indented. */
function wrap(line: string): string[] {
  if (line.length <= COLUMNS) return [line];
  const indent = '      ';
  const parts = [line.slice(0, COLUMNS)];
  for (let at = COLUMNS; at < line.length; at += COLUMNS - indent.length) parts.push(indent + line.slice(at, at + COLUMNS - indent.length));
  return parts;
}

/** A PDF literal string: backslash, parentheses escaped (ISO 32000-1 §7.3.4.2). */
const pdfString = (text: string) => `(${text.replace(/[\\()]/g, (char) => `\\${char}`)})`;

export function tracePdf(trace: Trace, subject: string): Buffer {
  const lines = traceText(trace, subject).split('\n').map(latin1).flatMap(wrap);
  const pages: string[][] = [];
  for (let start = 0; start < lines.length; start += ROWS) pages.push(lines.slice(start, start + ROWS));
  if (pages.length === 0) pages.push([]);

  const objects: string[] = [];
  const add = (body: string) => objects.push(body);
  // 1: catalog, 2: page tree, 3: font, 4: info; then a page and its contents per page.
  const pageIds = pages.map((_, index) => 5 + index * 2);
  add('<< /Type /Catalog /Pages 2 0 R >>');
  add(`<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`);
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>');
  const created = trace.generatedAt.replace(/[-:T]/g, '').slice(0, 14);
  add(`<< /Title ${pdfString(latin1(`Opt-out proof for ${subject}`))} /Producer (optout-hub) /CreationDate (D:${created}Z) >>`);
  pages.forEach((rows, index) => {
    const header = latin1(`Opt-out proof for ${subject}, person ${trace.personId}: page ${index + 1} of ${pages.length}`).slice(0, COLUMNS);
    const text = [header, '', ...rows].map((row) => `${pdfString(row)} Tj T*`).join('\n');
    const stream = `BT\n/F1 ${FONT_SIZE} Tf\n${LEADING} TL\n${MARGIN} ${PAGE_HEIGHT - MARGIN} Td\n${text}\nET`;
    add(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageIds[index]! + 1} 0 R >>`,
    );
    add(`<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`);
  });

  let file = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(Buffer.byteLength(file, 'latin1'));
    file += `${index + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(file, 'latin1');
  file += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')}`;
  file += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 4 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(file, 'latin1');
}
