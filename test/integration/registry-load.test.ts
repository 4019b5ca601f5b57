import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultCallingRules } from '../../shared/core/calling-rules.js';
import { BadRequestError } from '../../shared/core/errors.js';
import { decodeBlock, parseListName, refreshRule } from '../../shared/core/registries.js';
import { checkContacts, type ContactCheckContext } from '../../shared/distribution/contact-check.js';
import { loadRegistry } from '../../shared/record/registry-load.js';
import { scrubCsv } from '../../cli/commands/scrub.js';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { areaCodesOf, blocksOfAreaCode, getList, getLoad, readBlocks, type RegistryContext } from '../../shared/store/registries.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';

/**
 * `optout-hub registry load` against DynamoDB Local: full files and change files, malformed
 * lines, idempotent reruns, as-of dates and staleness, and a load killed with SIGKILL that
 * resumes to exactly the contents of an uninterrupted one.
 */

let stack: TestStack;
let registries: RegistryContext;
let dir: string;

beforeAll(async () => {
  stack = await createTestStack();
  registries = {
    documents: DynamoDBDocumentClient.from(stack.dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    table: stack.resources.tables.registries.name,
  };
  dir = mkdtempSync(join(tmpdir(), 'optout-registry-'));
});

/** Every number on a list, read back block by block. */
async function contents(list: string): Promise<Set<string>> {
  const numbers = new Set<string>();
  for (const npa of await areaCodesOf(registries, list)) {
    const blocks = (await blocksOfAreaCode(registries, list, npa)).map((block) => block.block);
    const read = await readBlocks(registries, list, blocks);
    for (const [block, stored] of read) for (const place of stored ? decodeBlock(stored) : []) numbers.add(`${block}${String(place).padStart(4, '0')}`);
  }
  return numbers;
}

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** A deterministic spread of numbers over a few area codes and exchanges. */
function numbers(count: number, seed: number): string[] {
  const found = new Set<string>();
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
  while (found.size < count) {
    const npa = ['212', '305', '415'][next() % 3]!;
    found.add(`${npa}${200 + (next() % 40)}${String(next() % 10000).padStart(4, '0')}`);
  }
  return [...found];
}

describe('registry load', () => {
  it('loads a full file and change files to exactly the set they describe, reporting malformed lines by file and line', async () => {
    const list = parseListName('state:FL');
    const initial = numbers(1200, 1);
    const bad: { file: string; line: number }[] = [];
    const full = file('fl-full.txt', [
      'AreaCode,PhoneNumber',
      ...initial.slice(0, 600).map((n) => `${n.slice(0, 3)},${n.slice(3)}`),
      '2125551',
      ...initial.slice(600),
    ]);
    const summary = await loadRegistry(registries, {
      list,
      files: [full],
      mode: 'full',
      asOf: '2026-01-01',
      flushLines: 250,
      onBadLine: (line) => bad.push(line),
    });
    expect(bad).toEqual([{ file: full, line: 602, error: expect.stringContaining('not a North American number') }]);
    expect(summary).toMatchObject({ listed: 1200, badLines: 1 });
    expect(await contents('state:FL')).toEqual(new Set(initial));

    const model = new Set(initial);
    const added = numbers(300, 2).filter((n) => !model.has(n));
    const removed = initial.slice(0, 200);
    const changes = file('fl-changes.txt', [...added.map((n) => `${n},A`), ...removed.map((n) => `${n.slice(0, 3)},${n.slice(3)},D`), `${removed[0]},Z`]);
    const changed = await loadRegistry(registries, {
      list,
      files: [changes],
      mode: 'changes',
      asOf: '2026-01-08',
      flushLines: 100,
      onBadLine: () => undefined,
    });
    for (const n of added) model.add(n);
    for (const n of removed) model.delete(n);
    expect(changed).toMatchObject({ listed: model.size, badLines: 1 });
    expect(await contents('state:FL')).toEqual(model);
    expect(await getList(registries, 'state:FL')).toMatchObject({ asOf: '2026-01-08', numbers: model.size, kind: 'state' });

    // The same change file again, and the same full file again after it: nothing changes twice.
    expect(await loadRegistry(registries, { list, files: [changes], mode: 'changes', asOf: '2026-01-08' })).toMatchObject({ alreadyLoaded: true });
    expect(await contents('state:FL')).toEqual(model);

    // Changes older than the list are refused.
    await expect(loadRegistry(registries, { list, files: [file('old.txt', [`${initial[0]},A`])], mode: 'changes', asOf: '2025-12-01' })).rejects.toThrow(
      BadRequestError,
    );
  });

  it('a new full load replaces the list: numbers and whole area codes it does not hold are gone; --partial replaces only its area codes', async () => {
    const list = parseListName('litigator');
    const first = numbers(800, 3);
    await loadRegistry(registries, { list, files: [file('lit-1.txt', first)], mode: 'full', asOf: '2026-02-01', flushLines: 200 });
    const second = first.filter((n) => !n.startsWith('415')).slice(0, 300);
    await loadRegistry(registries, { list, files: [file('lit-2.txt', second)], mode: 'full', asOf: '2026-03-01', flushLines: 120 });
    expect(await contents('litigator')).toEqual(new Set(second));

    const only305 = numbers(200, 4).filter((n) => n.startsWith('305'));
    await loadRegistry(registries, { list, files: [file('lit-305.txt', only305)], mode: 'full', asOf: '2026-03-02', partial: true });
    expect(await contents('litigator')).toEqual(new Set([...second.filter((n) => !n.startsWith('305')), ...only305]));
  });

  it('a list past its refresh rule blocks when configured to fail closed, and says so either way', async () => {
    const list = parseListName('national');
    await loadRegistry(registries, { list, files: [file('national.txt', ['2125550100'])], mode: 'full', asOf: '2026-01-01' });
    const ctx = (staleFailsClosed: boolean, now: string): ContactCheckContext => ({
      store: stack.store,
      registries,
      region: 'US',
      rules: defaultCallingRules,
      refreshDays: refreshRule(undefined),
      staleFailsClosed,
      now: () => new Date(now),
    });
    const check = { channel: 'voice' as const, phone: '+12125550199', purpose: 'marketing', at: '2026-02-01T15:00:00Z' };
    const [fresh] = await checkContacts(ctx(true, '2026-02-01T15:00:00Z'), [check]);
    expect(fresh).toMatchObject({ allowed: true, staleLists: [] });
    const late = { ...check, at: '2026-02-02T15:00:00Z' };
    const [stale] = await checkContacts(ctx(true, '2026-02-02T15:00:00Z'), [late]);
    expect(stale).toMatchObject({ allowed: false, reasons: ['list-stale'], staleLists: [{ list: 'national', asOf: '2026-01-01' }] });
    const [open] = await checkContacts(ctx(false, '2026-02-02T15:00:00Z'), [late]);
    expect(open).toMatchObject({ allowed: true, staleLists: [{ list: 'national', asOf: '2026-01-01' }] });
    const [listed] = await checkContacts(ctx(false, '2026-02-02T15:00:00Z'), [{ ...late, phone: '(212) 555-0100' }]);
    expect(listed).toMatchObject({ allowed: false, reasons: ['national-dnc'] });
  });

  it('killed with SIGKILL mid-load and run again, ends with exactly the file’s numbers; a third run does nothing', async () => {
    const all = numbers(3000, 5);
    const path = file('killed.txt', all);
    const env = { ...process.env, ...stack.environment, POWERTOOLS_LOG_LEVEL: 'ERROR' };
    const args = [
      'bin/optout-hub.mjs',
      'registry',
      'load',
      '--list',
      'do-not-call-backs',
      '--as-of',
      '2026-04-01',
      '--flush-lines',
      '60',
      '--no-progress',
      path,
    ];
    const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const hash = createHash('sha256').update(readFileSync(path)).digest('hex');
    const loadKey = createHash('sha256')
      .update(JSON.stringify(['do-not-call-backs', 'full', '2026-04-01', false, [hash]]))
      .digest('hex')
      .slice(0, 32);
    let lineAtKill = 0;
    for (let i = 0; i < 600; i++) {
      lineAtKill = (await getLoad(registries, 'do-not-call-backs', loadKey))?.line ?? 0;
      if (lineAtKill >= 600) break;
      await sleep(50);
    }
    child.kill('SIGKILL');
    await exited;
    expect(lineAtKill).toBeGreaterThanOrEqual(600);
    expect(lineAtKill).toBeLessThan(3000);
    expect((await contents('do-not-call-backs')).size).toBeLessThan(3000);

    const resumed = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/Resumed at file 1, line \d+/);
    expect(await contents('do-not-call-backs')).toEqual(new Set(all));
    expect(await getList(registries, 'do-not-call-backs')).toMatchObject({ numbers: 3000, asOf: '2026-04-01', kind: 'internal' });

    const again = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing to do/);
  }, 120_000);

  it('scrub --contact-check writes the pre-contact reasons as columns of both files', async () => {
    await loadRegistry(registries, { list: parseListName('no-sms'), files: [file('no-sms.txt', ['4155550101'])], mode: 'full', asOf: '2026-01-10' });
    const input = file('campaign.csv', ['customer,phone', 'C1,+14155550101', 'C2,+14155550102', 'C3,not a phone']);
    const ctx: ContactCheckContext = {
      store: stack.store,
      registries,
      region: 'US',
      rules: defaultCallingRules,
      refreshDays: refreshRule(undefined),
      staleFailsClosed: true,
    };
    const summary = await scrubCsv({
      input,
      channel: 'sms',
      purpose: 'marketing',
      columns: ['phone'],
      store: stack.store,
      region: 'US',
      contact: { ctx, at: '2026-01-14T20:00:00Z' },
    });
    expect(summary).toMatchObject({ rows: 3, sendable: 1, suppressed: 1, invalid: 1, failed: 0 });
    const sendable = parse(readFileSync(summary.sendableFile, 'utf8'), { columns: true });
    expect(sendable).toEqual([
      {
        customer: 'C2',
        phone: '+14155550102',
        contact_reasons: '',
        next_allowed_at: '2026-01-14T20:00:00.000Z',
        listed_on: '',
        exemptions_applied: '',
        stale_lists: '',
      },
    ]);
    const blocked = parse(readFileSync(summary.suppressedFile, 'utf8'), { columns: true });
    expect(blocked).toEqual([
      expect.objectContaining({
        customer: 'C1',
        suppression_reason: 'suppressed',
        contact_reasons: 'internal-list:no-sms',
        listed_on: 'internal-list:no-sms',
        next_allowed_at: '',
      }),
      expect.objectContaining({ customer: 'C3', suppression_reason: 'invalid-address', contact_reasons: 'invalid-number' }),
    ]);
  });

  it('property: a loaded list, after any sequence of change files, answers every check exactly like the set it represents', async () => {
    // A small number space (two blocks in two area codes), so deltas collide with the list and each other.
    const space = Array.from({ length: 40 }, (_, i) => `${i % 2 ? '212' : '305'}55501${String(i).padStart(2, '0')}`);
    const number = fc.constantFrom(...space);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(number, { maxLength: 30 }),
        fc.array(fc.array(fc.tuple(number, fc.constantFrom('A', 'D')), { minLength: 1, maxLength: 15 }), { maxLength: 3 }),
        async (full, deltas) => {
          run++;
          const name = `property-${run}`;
          const list = parseListName(name);
          const model = new Set(full);
          await loadRegistry(registries, {
            list,
            files: [file(`${name}-full.txt`, full.length ? full : ['AreaCode,PhoneNumber'])],
            mode: 'full',
            asOf: '2026-01-01',
            flushLines: 7,
          });
          for (const [index, delta] of deltas.entries()) {
            await loadRegistry(registries, {
              list,
              files: [
                file(
                  `${name}-delta-${index}.txt`,
                  delta.map(([n, action]) => `${n},${action}`),
                ),
              ],
              mode: 'changes',
              asOf: `2026-01-0${index + 2}`,
              flushLines: 4,
            });
            for (const [n, action] of delta) {
              if (action === 'A') model.add(n);
              else model.delete(n);
            }
          }
          expect(await contents(name)).toEqual(model);
          const ctx: ContactCheckContext = {
            store: stack.store,
            registries,
            region: 'US',
            rules: defaultCallingRules,
            refreshDays: refreshRule(undefined),
            staleFailsClosed: false,
            catalogue: async () => [(await getList(registries, name))!],
          };
          const answers = await checkContacts(
            ctx,
            space.map((phone) => ({
              channel: 'sms' as const,
              phone: `+1${phone}`,
              purpose: 'marketing',
              at: '2026-01-14T17:00:00Z',
              kind: 'informational' as const,
            })),
          );
          expect(answers.filter((answer) => answer.reasons.includes(`internal-list:${name}`)).map((answer) => answer.address!.slice(2))).toEqual(
            space.filter((n) => model.has(n)),
          );
        },
      ),
      { numRuns: 8 },
    );
  }, 120_000);
});
