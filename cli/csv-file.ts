import { parse } from 'csv-parse/sync';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { UsageError } from './command.js';

/** What the commands that read a CSV check before touching the store, so a wrong path is one clear sentence. */

const SAMPLE_BYTES = 64 * 1024;

function sample(file: string, size: number): Buffer {
  const head = Buffer.alloc(Math.min(size, SAMPLE_BYTES));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return head;
}

// Text has no NUL and few control characters; a spreadsheet, archive or image has both early on.
function looksBinary(head: Buffer): boolean {
  if (head.includes(0)) return true;
  let control = 0;
  for (const byte of head) if (byte < 32 && byte !== 9 && byte !== 10 && byte !== 12 && byte !== 13) control++;
  return control > head.length / 20;
}

/** The file's size, once it is known to be a readable text file (not a directory, not binary). */
export function assertCsvFile(file: string): number {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(code === 'ENOENT' ? `${file} does not exist.` : `${file} cannot be read (${code ?? String(error)}).`);
  }
  if (stats.isDirectory()) throw new UsageError(`${file} is a directory: name a CSV file.`);
  if (!stats.isFile()) throw new UsageError(`${file} is not a file.`);
  let head: Buffer;
  try {
    head = sample(file, stats.size);
  } catch (error) {
    throw new UsageError(`${file} cannot be read (${(error as { code?: string }).code ?? String(error)}).`);
  }
  if (looksBinary(head)) {
    throw new UsageError(`${file} is not a CSV text file (it holds binary data: a spreadsheet? Save it as CSV, UTF-8).`);
  }
  return stats.size;
}

/** The names in the file's first row (the header), as written. */
export function csvHeader(file: string): string[] {
  const head = sample(file, statSync(file).size).toString('utf8');
  const firstLine = head.split(/\r?\n/).find((line) => line.trim() !== '') ?? '';
  try {
    const [names = []] = parse(firstLine, { bom: true, relax_column_count: true, relax_quotes: true, trim: true }) as string[][];
    return names;
  } catch (error) {
    throw new UsageError(`${file}: the first row is not a CSV header (${error instanceof Error ? error.message : String(error)}).`);
  }
}
