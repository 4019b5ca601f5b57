import { parse } from 'csv-parse';
import { stringify, type Stringifier } from 'csv-stringify';
import cliProgress from 'cli-progress';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import type { CountryCode } from 'libphonenumber-js/max';
import { UsageError, asUsageError, parseOptions, type Command } from '../command.js';
import { assertCsvFile } from '../csv-file.js';
import { assertStoreAnswers, useLocalSystemUnlessConfigured } from '../environment.js';
import { assertPurpose, defaultPhoneRegion } from '../../shared/platform/config.js';
import { checkAddresses, MAX_BATCH_CHECK, type AddressCheck } from '../../shared/distribution/enforcement.js';
import { isChannel, type Channel } from '../../shared/core/channels.js';
import type { StoreContext } from '../../shared/store/clients.js';
import type { ContactAnswer, ContactCheckContext } from '../../shared/distribution/contact-check.js';

/**
 * `optout-hub scrub FILE.csv --channel mail --purpose marketing`: the check before a campaign or
 * print file is finalized. The file is streamed (never held in memory) through the same batch
 * check as POST /v1/suppressions/check, and each row goes to one of two files: the sendable rows,
 * and the rows that must not be contacted with the reason. A row whose check failed goes to the
 * second file (fail closed).
 */

export const SUPPRESSED_COLUMNS = ['suppression_reason', 'suppressed_since', 'suppression_event_id', 'suppression_detail'] as const;

/** With --contact-check: the pre-contact answer's reasons and the rest, in both files. */
export const CONTACT_COLUMNS = ['contact_reasons', 'next_allowed_at', 'listed_on', 'exemptions_applied', 'stale_lists'] as const;

export interface ScrubOptions {
  input: string;
  outDir?: string;
  channel: Channel;
  purpose: string;
  /** The column holding the address; several are joined with `|` (a mail postal key). */
  columns: string[];
  store: StoreContext;
  region: CountryCode;
  /** Addresses per batch check (at most 1,000). */
  batchSize?: number;
  /** Batch checks in flight at once; memory holds at most this many batches of rows. */
  concurrency?: number;
  onProgress?: (progress: { bytes: number; rows: number }) => void;
  /**
   * Check each row as POST /v1/contact-check does (voice and sms only): opt-outs, Do-Not-Call
   * lists, exemptions, calling windows at `at` (now by default), reassigned numbers.
   */
  contact?: { ctx: ContactCheckContext; at?: string; kind?: 'solicitation' | 'informational' };
}

export interface ScrubSummary {
  rows: number;
  sendable: number;
  suppressed: number;
  invalid: number;
  failed: number;
  sendableFile: string;
  suppressedFile: string;
}

type Row = Record<string, string>;

/** A row's answer: the batch check's, or the pre-contact check's mapped onto it. */
type RowCheck = Pick<AddressCheck, 'sendable' | 'reason' | 'since' | 'eventId' | 'detail'> & { contact?: ContactAnswer };

function contactRow(answer: ContactAnswer): RowCheck {
  const reason = answer.reasons.includes('invalid-number')
    ? 'invalid-address'
    : answer.reasons.includes('check-failed')
      ? 'check-failed'
      : answer.allowed
        ? null
        : 'suppressed';
  return { sendable: answer.allowed, reason, since: null, eventId: null, detail: answer.failures.join(' ') || undefined, contact: answer };
}

function contactColumns(answer: ContactAnswer): Record<(typeof CONTACT_COLUMNS)[number], string> {
  return {
    contact_reasons: answer.reasons.join(';'),
    next_allowed_at: answer.nextAllowedAt ?? '',
    listed_on: answer.listedOn.join(';'),
    exemptions_applied: answer.exemptionsApplied.map((exemption) => `${exemption.kind}:${exemption.date}:${exemption.exempts.join('+')}`).join(';'),
    stale_lists: answer.staleLists.map((stale) => `${stale.list}:${stale.asOf}`).join(';'),
  };
}

async function write(stringifier: Stringifier, record: Row): Promise<void> {
  if (!stringifier.write(record)) await once(stringifier, 'drain');
}

export async function scrubCsv(options: ScrubOptions): Promise<ScrubSummary> {
  const batchSize = Math.min(options.batchSize ?? MAX_BATCH_CHECK, MAX_BATCH_CHECK);
  const concurrency = options.concurrency ?? 4;
  const input = resolve(options.input);
  const outDir = resolve(options.outDir ?? dirname(input));
  const stem = basename(input, extname(input));
  const summary: ScrubSummary = {
    rows: 0,
    sendable: 0,
    suppressed: 0,
    invalid: 0,
    failed: 0,
    sendableFile: join(outDir, `${stem}.sendable.csv`),
    suppressedFile: join(outDir, `${stem}.suppressed.csv`),
  };

  // Made here rather than failing later inside a write stream, where the error has no command to tell.
  try {
    await mkdir(outDir, { recursive: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(
      `--out-dir ${outDir} cannot be used: ${code === 'EEXIST' || code === 'ENOTDIR' ? 'it is a file, not a directory' : (code ?? String(error))}.`,
    );
  }
  const source = createReadStream(input);
  let bytes = 0;
  source.on('data', (chunk) => (bytes += chunk.length));
  let header: string[] | undefined;
  const parser = source.pipe(
    parse({
      columns: (names: string[]) => {
        const missing = options.columns.filter((column) => !names.includes(column));
        if (missing.length)
          throw new UsageError(`${basename(input)} has no column ${missing.map((name) => `"${name}"`).join(', ')} (it has: ${names.join(', ')}).`);
        header = names;
        return names;
      },
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }),
  );
  source.on('error', (error) => parser.destroy(error));

  let outputs: { sendable: Stringifier; suppressed: Stringifier; done: Promise<unknown> } | undefined;
  const open = (names: string[]) => {
    const extra = contact ? CONTACT_COLUMNS : [];
    const sendable = stringify({ header: true, columns: [...names, ...extra] });
    const suppressed = stringify({ header: true, columns: [...names, ...SUPPRESSED_COLUMNS, ...extra] });
    const files = [createWriteStream(summary.sendableFile), createWriteStream(summary.suppressedFile)];
    sendable.pipe(files[0]!);
    suppressed.pipe(files[1]!);
    return { sendable, suppressed, done: Promise.all(files.map((file) => finished(file))) };
  };

  const contact = options.contact;
  const check = async (rows: Row[]): Promise<{ rows: Row[]; results: RowCheck[] }> => {
    const addresses = rows.map((row) => options.columns.map((column) => row[column] ?? '').join('|'));
    if (contact) {
      const { checkContacts } = await import('../../shared/distribution/contact-check.js');
      const channel = options.channel as 'voice' | 'sms';
      const answers = await checkContacts(
        contact.ctx,
        addresses.map((phone) => ({ channel, phone, purpose: options.purpose, at: contact.at, kind: contact.kind })),
      );
      return { rows, results: answers.map(contactRow) };
    }
    const results = await checkAddresses(options.store, addresses, { channel: options.channel, purpose: options.purpose, region: options.region });
    return { rows, results };
  };
  const emit = async ({ rows, results }: { rows: Row[]; results: RowCheck[] }) => {
    outputs ??= open(header!);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const result = results[i]!;
      summary.rows++;
      const columns = result.contact ? contactColumns(result.contact) : {};
      if (result.sendable) {
        summary.sendable++;
        await write(outputs.sendable, { ...row, ...columns });
        continue;
      }
      if (result.reason === 'suppressed') summary.suppressed++;
      else if (result.reason === 'invalid-address') summary.invalid++;
      else summary.failed++;
      await write(outputs.suppressed, {
        ...row,
        suppression_reason: result.reason ?? 'check-failed',
        suppressed_since: result.since ?? '',
        suppression_event_id: result.eventId ?? '',
        suppression_detail: result.detail ?? '',
        ...columns,
      });
    }
    options.onProgress?.({ bytes, rows: summary.rows });
  };

  // Batches are checked concurrently but written in file order; at most `concurrency` in memory.
  const inFlight: Promise<{ rows: Row[]; results: RowCheck[] }>[] = [];
  // A batch that fails while an earlier one is awaited is reported when its turn comes, not as
  // an unhandled rejection that would end the process first.
  const start = (rows: Row[]) => {
    const pending = check(rows);
    pending.catch(() => undefined);
    inFlight.push(pending);
  };
  let batch: Row[] = [];
  for await (const row of parser as AsyncIterable<Row>) {
    batch.push(row);
    if (batch.length < batchSize) continue;
    start(batch);
    batch = [];
    if (inFlight.length >= concurrency) await emit(await inFlight.shift()!);
  }
  if (batch.length) start(batch);
  while (inFlight.length) await emit(await inFlight.shift()!);

  outputs ??= open(header ?? options.columns);
  outputs.sendable.end();
  outputs.suppressed.end();
  await outputs.done;
  return summary;
}

const usage = `usage: optout-hub scrub FILE.csv --channel CHANNEL --purpose PURPOSE [--column NAME[,NAME…]] [--out-dir DIR]
                       [--contact-check [--at ISO-TIME] [--kind solicitation|informational]]

Checks every row of a CSV file (with a header row) against the suppression list and writes
  FILE.sendable.csv    the rows that may be contacted
  FILE.suppressed.csv  the rows that may not, with suppression_reason (suppressed, invalid-address,
                       check-failed), suppressed_since, suppression_event_id, suppression_detail
into --out-dir (default: beside FILE). A row whose check failed is never sendable.

  --channel   sms, email, voice or mail
  --purpose   the purpose of the campaign (all, marketing or a configured topic)
  --column    the address column (default: address); for mail, name the postal columns in order
              STREET,CITY,STATE,POSTALCODE,COUNTRY, or one column holding that key with | between
  --out-dir   where the two files go
  --contact-check  (voice and sms) check each row as POST /v1/contact-check does: the
              organisation's opt-outs, the Do-Not-Call lists, exemptions, calling windows and
              reassigned numbers; a row is sendable only when allowed, and both files gain
              contact_reasons, next_allowed_at, listed_on, exemptions_applied, stale_lists
  --at        with --contact-check: when the calls or texts would happen (default: now)
  --kind      with --contact-check: solicitation (default) or informational

Uses the store the environment points at (the local system by default).`;

/** The pre-contact check as the API runs it, from the same configuration. */
async function contactContext(store: StoreContext): Promise<ContactCheckContext> {
  const [
    { callingRules, reassignedNumbersUrl, registryRefreshRule, staleListsFailClosed },
    { registryStoreFromEnvironment, listCatalogue, reassignedAnswerCacheFromEnvironment },
    { reassignedNumbersClient },
    { secret },
  ] = await Promise.all([
    import('../../shared/platform/contact-config.js'),
    import('../../shared/store/registries.js'),
    import('../../shared/distribution/reassigned-numbers.js'),
    import('../../shared/platform/config.js'),
  ]);
  const registries = registryStoreFromEnvironment();
  const catalogue = listCatalogue(registries);
  const url = reassignedNumbersUrl();
  return {
    store,
    registries,
    region: defaultPhoneRegion(),
    rules: callingRules(),
    refreshDays: registryRefreshRule(),
    staleFailsClosed: staleListsFailClosed(),
    reassigned: url
      ? reassignedNumbersClient({ url, apiKey: await secret('REASSIGNED_NUMBERS_API_KEY'), shared: reassignedAnswerCacheFromEnvironment() })
      : undefined,
    // One catalogue for the whole file: every row is answered against the same lists.
    catalogue: () => catalogue,
  };
}

export const scrub: Command = {
  summary: 'split a campaign or print file into sendable and suppressed rows',
  usage,
  async run(args) {
    const parsed = parseOptions({
      args,
      allowPositionals: true,
      options: {
        channel: { type: 'string' },
        purpose: { type: 'string' },
        column: { type: 'string' },
        'out-dir': { type: 'string' },
        'contact-check': { type: 'boolean' },
        at: { type: 'string' },
        kind: { type: 'string' },
      },
    });
    const [file, ...extra] = parsed.positionals;
    if (!file || extra.length) throw new UsageError('Name exactly one CSV file.');
    const { channel, purpose } = parsed.values;
    if (!channel || !isChannel(channel)) throw new UsageError('--channel must be sms, email, voice or mail.');
    if (!purpose) throw new UsageError('--purpose is required: the purpose of the campaign.');
    asUsageError(() => assertPurpose(purpose));
    const contactCheck = parsed.values['contact-check'] === true;
    if (contactCheck && channel !== 'voice' && channel !== 'sms') throw new UsageError('--contact-check checks calls and texts: --channel voice or sms.');
    if (!contactCheck && (parsed.values.at !== undefined || parsed.values.kind !== undefined)) throw new UsageError('--at and --kind go with --contact-check.');
    const kind = parsed.values.kind;
    if (kind !== undefined && kind !== 'solicitation' && kind !== 'informational') throw new UsageError('--kind must be solicitation or informational.');
    if (parsed.values.at !== undefined && (!/^\d{4}-\d{2}-\d{2}T/.test(parsed.values.at) || Number.isNaN(Date.parse(parsed.values.at))))
      throw new UsageError(`--at is not an ISO 8601 time: "${parsed.values.at}".`);
    const size = assertCsvFile(file);
    const columns = (parsed.values.column ?? 'address')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);

    const where = useLocalSystemUnlessConfigured();
    await assertStoreAnswers(where, 'suppressions');
    if (contactCheck) await assertStoreAnswers(where, 'registries');
    const { storeFromEnvironment } = await import('../../shared/store/clients.js');
    const contact = contactCheck
      ? { ctx: await contactContext(storeFromEnvironment()), at: parsed.values.at, kind: kind as 'solicitation' | 'informational' | undefined }
      : undefined;
    const bar = new cliProgress.SingleBar(
      { format: 'scrub [{bar}] {percentage}% | {rows} rows | {speed} rows/s | ETA {eta_formatted}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    const started = Date.now();
    bar.start(size, 0, { rows: 0, speed: 0 });
    let summary: ScrubSummary;
    try {
      summary = await scrubCsv({
        input: file,
        outDir: parsed.values['out-dir'],
        channel,
        purpose,
        columns,
        store: storeFromEnvironment(),
        region: defaultPhoneRegion(),
        contact,
        onProgress: ({ bytes, rows }) => bar.update(bytes, { rows, speed: Math.round(rows / Math.max(0.001, (Date.now() - started) / 1000)) }),
      });
      bar.update(size);
    } finally {
      bar.stop();
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(
      [
        `${summary.rows} rows in ${seconds.toFixed(1)} s (${Math.round(summary.rows / Math.max(seconds, 0.001))} rows/s)`,
        `  sendable    ${summary.sendable}  → ${summary.sendableFile}`,
        `  suppressed  ${summary.suppressed}  → ${summary.suppressedFile}`,
        `  invalid     ${summary.invalid}  (in the suppressed file)`,
        `  check failed ${summary.failed}  (in the suppressed file: not sendable until checked)`,
      ].join('\n'),
    );
    return summary.failed > 0 ? 1 : 0;
  },
};
