import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { SingleBar, Presets } from 'cli-progress';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError, parseOptions, type Command } from '../command.js';
import { assertCsvFile, csvHeader } from '../csv-file.js';
import { assertStoreAnswers, useLocalSystemUnlessConfigured } from '../environment.js';

/**
 * `optout-hub import FILE.csv`: streams a CSV of requests (columns: shared/intake/requests/import-rows.ts,
 * docs/calls-and-requests.md) into the store in batches, through the same code as
 * `POST /v1/requests/batch` (recordRequestBatch → recordSignal), straight against the store the
 * command points at: an operator with table access needs no API key, and there is no HTTP hop
 * per row (nor an API Gateway throttle) between a million rows and the tables.
 *
 * Resumable: after every batch a checkpoint beside the file (FILE.csv.checkpoint.json) records
 * how many rows are done and how long the error report is; a rerun continues from there. Request
 * ids come from a `request_id` column or from the file's content hash and the row number, so
 * rerunning rows already recorded changes nothing. Memory stays bounded: one batch in flight.
 */

export interface ImportOptions {
  file: string;
  source: string;
  batchSize: number;
  concurrency: number;
  /** Start from row 1 even if a checkpoint says otherwise (still changes nothing already recorded). */
  restart: boolean;
  /** Show a progress bar (on a terminal). */
  progress: boolean;
  log: (line: string) => void;
}

export interface ImportSummary {
  rows: number;
  recorded: number;
  duplicates: number;
  refused: number;
  resumedFrom: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  errorsFile: string;
  finished: boolean;
}

interface Checkpoint {
  version: 1;
  fileSha256: string;
  rowsDone: number;
  errorsBytes: number;
  counts: { recorded: number; duplicates: number; refused: number };
  finished: boolean;
}

const MAX_ITEM_ATTEMPTS = 6;

export const checkpointPath = (file: string) => `${file}.checkpoint.json`;
export const errorsPath = (file: string) => `${file}.errors.csv`;

async function fileDigest(file: string): Promise<{ sha256: string; lines: number }> {
  const hash = createHash('sha256');
  let lines = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    for (const byte of chunk as Buffer) if (byte === 10) lines++;
  }
  return { sha256: hash.digest('hex'), lines };
}

async function readCheckpoint(file: string): Promise<Checkpoint | undefined> {
  if (!existsSync(checkpointPath(file))) return undefined;
  return JSON.parse(await readFile(checkpointPath(file), 'utf8')) as Checkpoint;
}

/** Written to a temporary file and renamed, so a kill never leaves half a checkpoint. */
async function writeCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  const temporary = `${checkpointPath(file)}.tmp`;
  await writeFile(temporary, JSON.stringify(checkpoint));
  await rename(temporary, checkpointPath(file));
}

export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  assertCsvFile(options.file);
  const { columnKey, knownColumns, missingColumns, requestFromRow } = await import('../../shared/intake/requests/import-rows.js');
  // The file's own mistakes first: a header that cannot give a single request fails before any row.
  const header = csvHeader(options.file);
  const missing = missingColumns(header);
  if (missing.length) {
    throw new UsageError(`${options.file} lacks required columns: ${missing.join('; ')} (its header: ${header.join(', ') || 'empty'}).`);
  }
  // Environment next: the store's clients read their endpoint when created.
  await assertStoreAnswers(useLocalSystemUnlessConfigured());
  const [{ defaultPhoneRegion }, { recordRequestBatch }, { storeFromEnvironment }] = await Promise.all([
    import('../../shared/platform/config.js'),
    import('../../shared/intake/requests/batch.js'),
    import('../../shared/store/clients.js'),
  ]);
  const store = storeFromEnvironment();
  const defaultRegion = defaultPhoneRegion();

  const digest = await fileDigest(options.file);
  const fileId = digest.sha256.slice(0, 16);
  let checkpoint = await readCheckpoint(options.file);
  if (checkpoint && checkpoint.fileSha256 !== digest.sha256) {
    if (!options.restart) {
      throw new Error(`${options.file} changed since the import recorded in ${checkpointPath(options.file)}; rerun with --restart to import it as a new file.`);
    }
    checkpoint = undefined;
  }
  if (options.restart || !checkpoint) {
    checkpoint = { version: 1, fileSha256: digest.sha256, rowsDone: 0, errorsBytes: 0, counts: { recorded: 0, duplicates: 0, refused: 0 }, finished: false };
  }
  const resumedFrom = checkpoint.rowsDone;
  const started = performance.now();
  let peakRss = process.memoryUsage().rss;
  const summary = (finished: boolean): ImportSummary => {
    const seconds = (performance.now() - started) / 1000;
    const processed = checkpoint!.rowsDone - resumedFrom;
    return {
      rows: checkpoint!.rowsDone,
      ...checkpoint!.counts,
      resumedFrom,
      seconds,
      rowsPerSecond: seconds > 0 ? processed / seconds : 0,
      peakRssMb: Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024,
      errorsFile: errorsPath(options.file),
      finished,
    };
  };
  if (checkpoint.finished) {
    options.log(
      `${options.file} was imported completely already (${checkpoint.rowsDone} rows); nothing to do. Use --restart to run it again (it changes nothing).`,
    );
    return summary(true);
  }
  if (resumedFrom > 0) options.log(`Resuming ${options.file} after row ${resumedFrom}.`);

  // The error report holds exactly the rows before the checkpoint: anything later is redone. Each
  // refused row is written as it was, with its row number and error after it, so the report can
  // be corrected and imported again (those two columns are ignored as unknown on the way back in).
  const taken = new Set(header.map(columnKey));
  const reportColumns = ['row', 'error'].map((name) => (taken.has(name) ? `import_${name}` : name));
  if (!existsSync(errorsPath(options.file)) || checkpoint.errorsBytes === 0) {
    await writeFile(errorsPath(options.file), stringify([[...header, ...reportColumns]]));
    checkpoint.errorsBytes = (await readFile(errorsPath(options.file))).length;
  } else {
    await truncate(errorsPath(options.file), checkpoint.errorsBytes);
  }
  const errors = await open(errorsPath(options.file), 'a');

  const bar =
    options.progress && process.stderr.isTTY
      ? new SingleBar(
          { format: 'import [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | eta {eta_formatted}', stream: process.stderr },
          Presets.shades_classic,
        )
      : undefined;
  bar?.start(Math.max(0, digest.lines - 1), resumedFrom, { rate: '0' });

  let row = 0;
  let batch: { row: number; cells: string[]; raw: unknown }[] = [];
  let stopped: Error | undefined;

  const flush = async () => {
    if (batch.length === 0) return;
    const receivedAt = new Date();
    let pending = batch.map((entry, index) => ({ ...entry, index }));
    const results = new Array<{ status: number; requestId?: string; error?: { type: string; detail: string; errors?: unknown } }>(batch.length);
    for (let attempt = 1; pending.length; attempt++) {
      const answered = await recordRequestBatch(
        store,
        pending.map((entry) => entry.raw),
        { receivedAt, defaultRegion, concurrency: options.concurrency },
      );
      const retry: typeof pending = [];
      answered.forEach((result, i) => {
        const entry = pending[i]!;
        // 5xx: the store did not record it; try again, then stop (the checkpoint keeps the place).
        if (result.status >= 500 && attempt < MAX_ITEM_ATTEMPTS) retry.push(entry);
        else results[entry.index] = result;
      });
      pending = retry;
      if (pending.length) await sleep(200 * 2 ** attempt);
    }
    const failed = results.find((result) => result.status >= 500);
    if (failed)
      throw new Error(`The store kept failing (${failed.error?.detail ?? failed.status}); rerun the same command to resume after row ${checkpoint!.rowsDone}.`);
    const lines: string[][] = [];
    results.forEach((result, i) => {
      if (result.status === 201) checkpoint!.counts.recorded++;
      else if (result.status === 200) checkpoint!.counts.duplicates++;
      else {
        checkpoint!.counts.refused++;
        const detail = [
          result.error?.detail,
          ...((result.error?.errors as { path: string; message: string }[] | undefined) ?? []).map((e) => `${e.path}: ${e.message}`),
        ]
          .filter(Boolean)
          .join(' ');
        const { row, cells } = batch[i]!;
        lines.push([...header.map((_, column) => cells[column] ?? ''), String(row), `${result.status}: ${detail}`]);
      }
    });
    if (lines.length) {
      const text = stringify(lines);
      await errors.write(text);
      await errors.sync();
      checkpoint!.errorsBytes += Buffer.byteLength(text);
    }
    checkpoint!.rowsDone = batch[batch.length - 1]!.row;
    await writeCheckpoint(options.file, checkpoint!);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const elapsed = (performance.now() - started) / 1000;
    bar?.update(checkpoint!.rowsDone, { rate: (elapsed > 0 ? (checkpoint!.rowsDone - resumedFrom) / elapsed : 0).toFixed(0) });
    batch = [];
  };

  const onSignal = () => {
    stopped = new Error(`Interrupted; rerun the same command to resume after row ${checkpoint!.rowsDone}.`);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const keys = header.map(columnKey);
  const unknownColumns = header.filter((_, i) => !(knownColumns as readonly string[]).includes(keys[i]!));
  // Rows as arrays, so the error report can repeat a refused row exactly as it was written.
  const parser = createReadStream(options.file).pipe(
    parse({
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }),
  );
  try {
    let headerRead = false;
    for await (const cells of parser as AsyncIterable<string[]>) {
      if (!headerRead) {
        headerRead = true;
        if (unknownColumns.length) options.log(`Ignoring unknown columns: ${unknownColumns.join(', ')}.`);
        continue;
      }
      row++;
      if (row <= resumedFrom) continue;
      // As csv-parse's columns option did: the last of two columns with one name wins.
      const record = Object.fromEntries(keys.map((key, column) => [key, cells[column] ?? '']));
      batch.push({ row, cells, raw: requestFromRow(record, { row, fileId, defaultSource: options.source }) });
      if (batch.length >= options.batchSize) await flush();
      if (stopped) throw stopped;
    }
    await flush();
    checkpoint.finished = true;
    await writeCheckpoint(options.file, checkpoint);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    bar?.stop();
    await errors.close();
  }
  return summary(true);
}

export const importCommand: Command = {
  summary: 'import a CSV of opt-out/opt-in requests in batches (resumable, idempotent)',
  usage: [
    'usage: optout-hub import FILE.csv [--source NAME] [--batch-size N] [--concurrency N] [--restart] [--no-progress]',
    '',
    '  Columns: request_id, kind, channels, purpose, scope, phone, email, external_id, postal_line1, postal_line2,',
    '  postal_city, postal_state, postal_code, postal_country, occurred_at, source, collected_by, method, reference, note',
    '  (see docs/calls-and-requests.md). Bad rows go to FILE.csv.errors.csv; progress is kept in',
    '  FILE.csv.checkpoint.json, so running the same command again resumes where it stopped.',
    '',
    '  --source NAME      source of rows without a source column (default import)',
    '  --batch-size N     rows per batch and checkpoint (default 500, at most 500)',
    '  --concurrency N    rows recorded at the same time (default 16)',
    '  --restart          ignore the checkpoint and go through the whole file again (changes nothing already recorded)',
  ].join('\n'),
  async run(args) {
    const parsed = parseOptions({
      args,
      allowPositionals: true,
      options: {
        source: { type: 'string', default: 'import' },
        'batch-size': { type: 'string', default: '500' },
        concurrency: { type: 'string', default: '16' },
        restart: { type: 'boolean', default: false },
        'no-progress': { type: 'boolean', default: false },
      },
    });
    const [file, ...extra] = parsed.positionals;
    if (!file || extra.length) throw new UsageError('Name exactly one CSV file.');
    const batchSize = Number(parsed.values['batch-size']);
    const concurrency = Number(parsed.values.concurrency);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 500) throw new UsageError('--batch-size is a whole number from 1 to 500.');
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError('--concurrency is a whole number from 1 to 64.');
    const result = await runImport({
      file,
      source: parsed.values.source!,
      batchSize,
      concurrency,
      restart: parsed.values.restart!,
      progress: !parsed.values['no-progress'],
      log: (line) => console.error(line),
    });
    console.log(
      [
        `rows ${result.rows} (resumed after ${result.resumedFrom})`,
        `recorded ${result.recorded}`,
        `already recorded ${result.duplicates}`,
        `refused ${result.refused} (see ${result.errorsFile})`,
        `${result.rowsPerSecond.toFixed(0)} rows/s`,
        `peak RSS ${result.peakRssMb.toFixed(0)} MB`,
      ].join(' · '),
    );
    return result.refused > 0 ? 3 : 0;
  },
};
