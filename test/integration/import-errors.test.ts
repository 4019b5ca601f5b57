import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorsPath, runImport } from '../../cli/commands/import.js';
import { getSuppression } from '../../shared/store/suppressions.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';

/** `optout-hub import`'s error report: the refused rows as written, so they can be corrected and imported again. */

let stack: TestStack;
let dir: string;

beforeAll(async () => {
  stack = await createTestStack();
  Object.assign(process.env, stack.environment);
  dir = mkdtempSync(join(tmpdir(), 'optout-import-errors-'));
});

const options = (file: string) => ({ file, source: 'test', batchSize: 10, concurrency: 2, restart: false, progress: false, log: () => undefined });

describe('the error report', () => {
  it('repeats each refused row with its own columns, then its row number and error; corrected, it imports', async () => {
    const header = ['Phone', 'channels', 'occurred_at', 'Customer Ref', 'note'];
    const rows = [
      ['+14155550111', 'sms', '2026-01-02T10:00:00Z', 'c-1', 'fine'],
      ['not-a-phone', 'sms', '2026-01-02T10:00:00Z', 'c-2', 'has, a comma'],
      ['+14155550113', 'fax', '2026-01-02T10:00:00Z', 'c-3', ''],
    ];
    const file = join(dir, 'requests.csv');
    writeFileSync(file, stringify([header, ...rows]));
    const first = await runImport(options(file));
    expect(first).toMatchObject({ recorded: 1, refused: 2 });

    const report = parse(readFileSync(errorsPath(file), 'utf8')) as string[][];
    expect(report[0]).toEqual([...header, 'row', 'error']);
    expect(report.slice(1).map((line) => line.slice(0, header.length))).toEqual([rows[1], rows[2]]);
    expect(report.slice(1).map((line) => line[header.length])).toEqual(['2', '3']);
    for (const line of report.slice(1)) expect(line[header.length + 1]).toMatch(/^400: ./);

    // The operator corrects the report and imports it as it is: row and error are unknown columns, ignored.
    const corrected = join(dir, 'corrected.csv');
    writeFileSync(corrected, stringify([report[0]!, ['+14155550112', ...report[1]!.slice(1)], [...report[2]!.slice(0, 1), 'sms', ...report[2]!.slice(2)]]));
    const logged: string[] = [];
    const second = await runImport({ ...options(corrected), log: (line) => logged.push(line) });
    expect(second).toMatchObject({ recorded: 2, refused: 0 });
    expect(logged).toContain('Ignoring unknown columns: Customer Ref, row, error.');
    expect(await getSuppression(stack.store, 'sms', '+14155550112')).toMatchObject({ status: 'suppressed' });
    expect(await getSuppression(stack.store, 'sms', '+14155550113')).toMatchObject({ status: 'suppressed' });
  });
});
