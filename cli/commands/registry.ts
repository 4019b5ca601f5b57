import { SingleBar, Presets } from 'cli-progress';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { UsageError, asUsageError, parseOptions, type Command } from '../command.js';
import { assertStoreAnswers, useLocalSystemUnlessConfigured } from '../environment.js';
import { assertDate, parseListName } from '../../shared/core/registries.js';
import type { LoadMode, LoadSummary } from '../../shared/record/registry-load.js';

/**
 * `optout-hub registry load --list LIST FILE...` and `optout-hub registry lists`: Do-Not-Call
 * lists into the registries table (shared/record/registry-load.ts), straight against the store
 * the command points at, as `optout-hub import` does.
 */

const usage = `usage: optout-hub registry load --list LIST --as-of YYYY-MM-DD [--mode full|changes|add|delete] [--partial] [--restart] [--no-progress] FILE...
       optout-hub registry lists

load   loads registry files into a list:
  --list      national, state:XX (e.g. state:FL), litigator, or an internal list's name
  --as-of     the date the files' data is as of (the registry's download date)
  --mode      full (default): the files are the whole list (with --partial: the whole list for the
              area codes they contain); changes: each line ends ,A (added) or ,D (deleted);
              add / delete: every number in the files is added / deleted
  --partial   a full load replaces only the area codes that appear in its files
  --restart   start again from the first line instead of resuming an interrupted load
  --flush-lines  lines buffered before the blocks they touch are written and the place is
              checkpointed (default 250000; smaller uses less memory and loses less on a kill)
Lines are NPANXXXXXX or NPA,NXXXXXX; blank lines and a header line are skipped; a malformed line
is reported with its file and line number and the rest loads. Rerunning the same command resumes
an interrupted load, or does nothing if it finished.

lists  prints every list: numbers, blocks, as-of date and when it was loaded.

Uses the store the environment points at (the local system by default).`;

async function countLines(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file)) for (const byte of chunk as Buffer) if (byte === 10) lines++;
  return lines;
}

async function load(args: string[]): Promise<number> {
  const parsed = parseOptions({
    args,
    allowPositionals: true,
    options: {
      list: { type: 'string' },
      'as-of': { type: 'string' },
      mode: { type: 'string' },
      partial: { type: 'boolean' },
      restart: { type: 'boolean' },
      'no-progress': { type: 'boolean' },
      'flush-lines': { type: 'string' },
    },
  });
  const files = parsed.positionals;
  if (!parsed.values.list) throw new UsageError('--list is required: national, state:XX, litigator or an internal list name.');
  const list = asUsageError(() => parseListName(parsed.values.list!));
  if (!parsed.values['as-of']) throw new UsageError('--as-of is required: the date the files are as of (YYYY-MM-DD).');
  const asOf = asUsageError(() => assertDate(parsed.values['as-of']!, '--as-of'));
  const mode = (parsed.values.mode ?? 'full') as LoadMode;
  if (!['full', 'changes', 'add', 'delete'].includes(mode)) throw new UsageError('--mode must be full, changes, add or delete.');
  if (parsed.values.partial && mode !== 'full') throw new UsageError('--partial applies to a full load only.');
  if (files.length === 0) throw new UsageError('Name at least one registry file.');
  for (const file of files) if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`${file} is not a file.`);
  const flushLines = parsed.values['flush-lines'] === undefined ? undefined : Number(parsed.values['flush-lines']);
  if (flushLines !== undefined && (!Number.isInteger(flushLines) || flushLines < 1)) throw new UsageError('--flush-lines must be a whole number, 1 or more.');

  await assertStoreAnswers(useLocalSystemUnlessConfigured(), 'registries');
  const [{ loadRegistry }, { registryStoreFromEnvironment }] = await Promise.all([
    import('../../shared/record/registry-load.js'),
    import('../../shared/store/registries.js'),
  ]);
  const progress = !parsed.values['no-progress'] && process.stderr.isTTY;
  const total = progress ? (await Promise.all(files.map(countLines))).reduce((a, b) => a + b, 0) : 0;
  const bar = progress
    ? new SingleBar(
        { format: 'registry [{bar}] {percentage}% | {value}/{total} lines | {rate} lines/s | eta {eta_formatted}', stream: process.stderr },
        Presets.shades_classic,
      )
    : undefined;
  const started = performance.now();
  bar?.start(total, 0, { rate: '0' });
  let summary: LoadSummary;
  let bad = 0;
  try {
    summary = await loadRegistry(registryStoreFromEnvironment(), {
      list,
      files,
      mode,
      asOf,
      partial: parsed.values.partial,
      restart: parsed.values.restart,
      flushLines,
      onBadLine: ({ file, line, error }) => {
        bad++;
        console.error(`${file}:${line}: ${error}`);
      },
      onProgress: ({ lines }) => bar?.update(lines, { rate: (lines / Math.max(0.001, (performance.now() - started) / 1000)).toFixed(0) }),
    });
  } finally {
    bar?.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  if (summary.alreadyLoaded) {
    console.log(`These files were loaded into ${list.name} already (as of ${asOf}); nothing to do. Use --restart to load them again.`);
    return 0;
  }
  console.log(
    [
      `${summary.resumedFrom ? `Resumed at file ${summary.resumedFrom.file + 1}, line ${summary.resumedFrom.line}. ` : ''}${summary.lines} lines (${summary.numbers} numbers) in ${seconds.toFixed(1)} s (${Math.round(summary.lines / Math.max(seconds, 0.001))} lines/s), peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
      `  ${list.name}: ${summary.listed} numbers in ${summary.blocks} blocks, as of ${asOf}`,
      `  malformed lines: ${bad}${bad ? ' (listed above with file and line)' : ''}`,
    ].join('\n'),
  );
  return 0;
}

async function lists(): Promise<number> {
  await assertStoreAnswers(useLocalSystemUnlessConfigured(), 'registries');
  const { listCatalogue, registryStoreFromEnvironment } = await import('../../shared/store/registries.js');
  const entries = await listCatalogue(registryStoreFromEnvironment());
  if (entries.length === 0) console.log('No lists are loaded.');
  for (const entry of entries)
    console.log(
      `${entry.name.padEnd(24)} ${String(entry.numbers).padStart(12)} numbers  ${String(entry.blocks).padStart(8)} blocks  as of ${entry.asOf}  loaded ${entry.loadedAt}`,
    );
  return 0;
}

export const registryCommand: Command = {
  summary: 'load Do-Not-Call registry files (national, state, litigator, internal lists) and list them',
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'load') return load(rest);
    if (sub === 'lists') return lists();
    throw new UsageError(sub ? `Unknown subcommand "${sub}".` : 'Name a subcommand: load or lists.');
  },
};
