import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { BadRequestError } from '../core/errors.js';
import { applyChanges, blockOf, encodeBlock, decodeBlock, parseRegistryLine, placeOf, type ListName, type RegistryAction } from '../core/registries.js';
import {
  addAreaCodes,
  areaCodesOf,
  blocksOfAreaCode,
  getList,
  getLoad,
  putList,
  putLoad,
  readBlocks,
  writeBlock,
  type LoadCheckpoint,
  type RegistryContext,
  type StoredBlock,
} from '../store/registries.js';

/**
 * Loading a Do-Not-Call list from registry files, streamed, resumable and idempotent.
 *
 * - `full`: the files are the whole list as of `asOf` (or, with `partial`, the whole list for the
 *   area codes they contain). Blocks are written tagged with this load's id: a block this load
 *   wrote before gains numbers, any other is replaced; at the end every block of the list's area
 *   codes not written by this load is deleted.
 * - `changes` (lines end `,A`/`,D`), `add`, `delete`: applied to the blocks in file order.
 *
 * Lines are buffered up to `flushLines`, then each touched block is read, changed and written
 * with a version condition; after every flush a checkpoint in the table records the file and line
 * reached. A rerun of the same command (same list, mode, as-of date and file contents) continues
 * from the checkpoint: replaying lines after it sets or clears the same bits again, so a load
 * killed at any point ends with exactly the contents of an uninterrupted one. A load that finished
 * is not applied again.
 */

export type LoadMode = 'full' | 'changes' | 'add' | 'delete';

export interface LoadOptions {
  list: ListName;
  files: readonly string[];
  mode: LoadMode;
  /** The date the files' data is as of (YYYY-MM-DD). */
  asOf: string;
  /** A full load replaces only the area codes in its files. */
  partial?: boolean;
  /** Lines buffered before the touched blocks are written (bounds memory). */
  flushLines?: number;
  concurrency?: number;
  /** Start over even if a checkpoint of this load exists. */
  restart?: boolean;
  onProgress?: (progress: { lines: number }) => void;
  /** A malformed line, with its file and line number. */
  onBadLine?: (bad: { file: string; line: number; error: string }) => void;
  now?: () => Date;
}

export interface LoadSummary {
  list: string;
  loadKey: string;
  lines: number;
  numbers: number;
  badLines: number;
  resumedFrom?: { file: number; line: number };
  /** The list afterwards. */
  listed: number;
  blocks: number;
  alreadyLoaded: boolean;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const DEFAULT_FLUSH_LINES = 250_000;

async function mapConcurrent<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export async function loadRegistry(ctx: RegistryContext, options: LoadOptions): Promise<LoadSummary> {
  const now = options.now ?? (() => new Date());
  const list = options.list;
  const hashes = await Promise.all(options.files.map(sha256));
  const loadKey = createHash('sha256')
    .update(JSON.stringify([list.name, options.mode, options.asOf, Boolean(options.partial), hashes]))
    .digest('hex')
    .slice(0, 32);
  const entry = await getList(ctx, list.name);
  let checkpoint = await getLoad(ctx, list.name, loadKey);
  const summary: LoadSummary = {
    list: list.name,
    loadKey,
    lines: 0,
    numbers: 0,
    badLines: 0,
    listed: entry?.numbers ?? 0,
    blocks: entry?.blocks ?? 0,
    alreadyLoaded: false,
  };

  const applied = entry && (options.mode === 'full' ? entry.lastFullLoad === loadKey : entry.appliedFiles.includes(loadKey));
  if (checkpoint?.finished && applied && !options.restart) return { ...summary, alreadyLoaded: true };
  if (options.mode !== 'full' && entry && options.asOf < entry.asOf && !checkpoint) {
    throw new BadRequestError(
      `These changes are as of ${options.asOf}, older than the ${list.name} list (as of ${entry.asOf}); load a newer full file instead.`,
    );
  }
  if (options.mode !== 'full' && !entry && !checkpoint) {
    throw new BadRequestError(`The ${list.name} list has no full load yet: load a full file first (--mode full).`);
  }
  if (!checkpoint || checkpoint.finished || options.restart) {
    checkpoint = { loadKey, loadId: randomUUID(), file: 0, line: 0, badLines: 0, numbers: 0, areaCodes: [], finished: false, startedAt: now().toISOString() };
    await putLoad(ctx, list.name, checkpoint);
  } else {
    summary.resumedFrom = { file: checkpoint.file, line: checkpoint.line };
  }
  const state: LoadCheckpoint = checkpoint;
  const flushLines = options.flushLines ?? DEFAULT_FLUSH_LINES;
  const concurrency = options.concurrency ?? 16;
  const areaCodes = new Set(state.areaCodes);

  // full: block → places; otherwise block → changes in file order.
  let wanted = new Map<string, Set<number>>();
  let changes = new Map<string, { place: number; action: RegistryAction }[]>();
  let buffered = 0;

  const writeOne = async (block: string, next: (current: StoredBlock | undefined) => ReturnType<typeof encodeBlock>) => {
    for (let attempt = 0; ; attempt++) {
      const current = (await readBlocks(ctx, list.name, [block])).get(block);
      if (await writeBlock(ctx, list.name, block, next(current), current?.version ?? 0, state.loadId)) return;
      if (attempt > 10) throw new Error(`Block ${block} of ${list.name} kept changing under the load; run the same command again to resume.`);
    }
  };

  const flush = async (file: number, line: number) => {
    const blocks = options.mode === 'full' ? [...wanted.keys()] : [...changes.keys()];
    // Read in batches of 100; a block whose conditional write loses a race is read and written again alone.
    for (let start = 0; start < blocks.length; start += 100) {
      const chunk = blocks.slice(start, start + 100);
      const current = await readBlocks(ctx, list.name, chunk);
      await mapConcurrent(chunk, concurrency, async (block) => {
        const next = (stored: StoredBlock | undefined) => {
          if (options.mode === 'full') {
            const places = wanted.get(block)!;
            return encodeBlock(stored && stored.loadId === state.loadId ? [...decodeBlock(stored), ...places] : places);
          }
          return applyChanges(stored, changes.get(block)!);
        };
        const stored = current.get(block);
        if (!(await writeBlock(ctx, list.name, block, next(stored), stored?.version ?? 0, options.mode === 'full' ? state.loadId : stored?.loadId))) {
          await writeOne(block, next);
        }
      });
    }
    const npas = [...new Set(blocks.map((block) => block.slice(0, 3)))].filter((npa) => !areaCodes.has(npa));
    await addAreaCodes(ctx, list.name, npas);
    for (const npa of npas) areaCodes.add(npa);
    state.file = file;
    state.line = line;
    state.areaCodes = [...areaCodes].sort();
    await putLoad(ctx, list.name, state);
    wanted = new Map();
    changes = new Map();
    buffered = 0;
  };

  for (let fileIndex = state.file; fileIndex < options.files.length; fileIndex++) {
    const file = options.files[fileIndex]!;
    const skip = fileIndex === state.file ? state.line : 0;
    let lineNumber = 0;
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const text of lines) {
      lineNumber++;
      if (lineNumber <= skip) continue;
      summary.lines++;
      const parsed = parseRegistryLine(text, options.mode === 'changes');
      if ('skip' in parsed) continue;
      if ('error' in parsed) {
        state.badLines++;
        summary.badLines++;
        options.onBadLine?.({ file, line: lineNumber, error: parsed.error });
        continue;
      }
      state.numbers++;
      summary.numbers++;
      const block = blockOf(parsed.number);
      const place = placeOf(parsed.number);
      if (options.mode === 'full') {
        const places = wanted.get(block) ?? new Set<number>();
        wanted.set(block, places);
        places.add(place);
      } else {
        const action: RegistryAction = options.mode === 'changes' ? parsed.action! : options.mode;
        const pending = changes.get(block) ?? [];
        changes.set(block, pending);
        pending.push({ place, action });
      }
      if (++buffered >= flushLines) {
        await flush(fileIndex, lineNumber);
        options.onProgress?.({ lines: summary.lines });
      }
    }
    await flush(fileIndex + 1, 0);
    options.onProgress?.({ lines: summary.lines });
  }

  // The sweep: blocks of the replaced area codes that this full load did not write are not on the list any more.
  const scope = options.mode === 'full' ? (options.partial ? state.areaCodes : [...new Set([...state.areaCodes, ...(await areaCodesOf(ctx, list.name))])]) : [];
  let listed = 0;
  let blocks = 0;
  for (const npa of await areaCodesOf(ctx, list.name)) {
    const stored = await blocksOfAreaCode(ctx, list.name, npa);
    const sweep = scope.includes(npa);
    await mapConcurrent(stored, concurrency, async (block) => {
      if (sweep && block.loadId !== state.loadId) {
        await writeOne(block.block, (current) => (current && current.loadId === state.loadId ? current : undefined));
        return;
      }
    });
    for (const block of stored) {
      if (sweep && block.loadId !== state.loadId) continue;
      listed += block.count;
      blocks++;
    }
  }

  const latest = await getList(ctx, list.name);
  const appliedFiles = options.mode === 'full' ? [] : [...(latest?.appliedFiles ?? []).filter((key) => key !== loadKey), loadKey].slice(-500);
  await putList(ctx, {
    ...list,
    asOf: options.mode === 'full' || !latest ? options.asOf : [latest.asOf, options.asOf].sort().pop()!,
    loadedAt: now().toISOString(),
    numbers: listed,
    blocks,
    appliedFiles,
    lastFullLoad: options.mode === 'full' ? loadKey : (latest?.lastFullLoad ?? ''),
  });
  state.finished = true;
  await putLoad(ctx, list.name, state);
  return { ...summary, listed, blocks };
}
