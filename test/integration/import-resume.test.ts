import { parse } from 'csv-parse/sync';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkpointPath, errorsPath } from '../../cli/commands/import.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';

/**
 * `optout-hub import` as an operator runs it, against DynamoDB Local: killed (SIGKILL, no chance
 * to clean up) part-way, run again, and ending with exactly the suppressions the file asks for.
 */

const ROWS = 360;
let stack: TestStack;
let dir: string;

beforeAll(async () => {
  stack = await createTestStack();
  dir = mkdtempSync(join(tmpdir(), 'optout-import-'));
});

/** Every 9th row is bad in one of three ways; the rest opt a distinct number out of sms (and voice on even rows). */
function generate(file: string) {
  const expected = new Set<string>();
  const bad = new Set<number>();
  const lines = ['phone,channels,occurred_at,kind,collected_by,note'];
  for (let row = 1; row <= ROWS; row++) {
    const phone = `+1212555${String(row).padStart(4, '0')}`;
    const at = `2026-01-01T00:${String(row % 60).padStart(2, '0')}:00Z`;
    if (row % 9 === 0) {
      bad.add(row);
      lines.push(
        [
          ['not-a-phone', 'sms', at, 'opt-out', '', ''],
          [phone, 'fax', at, 'opt-out', '', ''],
          [phone, 'sms', at, 'opt-in', '', '"has, a comma"'],
        ][(row / 9) % 3]!.join(','),
      );
      continue;
    }
    const channels = row % 2 === 0 ? 'sms;voice' : 'sms';
    for (const channel of channels.split(';')) expected.add(`${channel}#${phone}`);
    lines.push([phone, channels, at, 'opt-out', '', ''].join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { expected, bad };
}

const env = () => ({ ...process.env, ...stack.environment, POWERTOOLS_LOG_LEVEL: 'ERROR' });
const args = (file: string) => ['bin/optout-hub.mjs', 'import', file, '--batch-size', '20', '--concurrency', '4', '--no-progress'];

async function suppressed(): Promise<Set<string>> {
  const found = new Set<string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await stack.store.documents.send(new ScanCommand({ TableName: stack.store.tables.suppressions, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) if (item.status === 'suppressed' && String(item.address).startsWith('+1212555')) found.add(String(item.pk));
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

describe('optout-hub import', () => {
  it('killed mid-way and resumed, ends with exactly the right suppressions and one error line per bad row; rerunning changes nothing', async () => {
    const file = join(dir, 'requests.csv');
    const { expected, bad } = generate(file);

    // First run: killed without warning once a few batches are checkpointed.
    const child = spawn(process.execPath, args(file), { env: env(), stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let rowsAtKill = 0;
    for (let i = 0; i < 600; i++) {
      if (existsSync(checkpointPath(file))) {
        rowsAtKill = JSON.parse(readFileSync(checkpointPath(file), 'utf8')).rowsDone;
        if (rowsAtKill >= 60) break;
      }
      if (child.exitCode !== null) break;
      await sleep(50);
    }
    child.kill('SIGKILL');
    await exited;
    expect(rowsAtKill).toBeGreaterThanOrEqual(60);
    const interrupted = JSON.parse(readFileSync(checkpointPath(file), 'utf8'));
    expect(interrupted.finished).toBe(false);
    expect(interrupted.rowsDone).toBeLessThan(ROWS);

    // Second run: resumes after the checkpoint and finishes.
    const resumed = spawnSync(process.execPath, args(file), { env: env(), encoding: 'utf8', timeout: 120_000 });
    expect(resumed.stderr).toContain(`Resuming ${file} after row ${interrupted.rowsDone}`);
    expect(resumed.status, resumed.stderr).toBe(3); // finished, with refused rows
    const done = JSON.parse(readFileSync(checkpointPath(file), 'utf8'));
    expect(done).toMatchObject({ finished: true, rowsDone: ROWS });
    expect(done.counts.refused).toBe(bad.size);
    // Rows recorded just before the kill but after the checkpoint come back as duplicates.
    expect(done.counts.recorded + done.counts.duplicates).toBe(ROWS - bad.size);

    expect(await suppressed()).toEqual(new Set([...expected]));
    // Each refused row as written, then its row number and error.
    const errorRows = (parse(readFileSync(errorsPath(file), 'utf8'), { columns: true }) as Record<string, string>[]).map((record) => Number(record.row));
    expect(errorRows).toEqual([...bad].sort((a, b) => a - b));

    // A finished import run again does nothing; with --restart every row is already recorded.
    const again = spawnSync(process.execPath, args(file), { env: env(), encoding: 'utf8', timeout: 60_000 });
    expect(again.stderr).toContain('imported completely already');
    const restarted = spawnSync(process.execPath, [...args(file), '--restart'], { env: env(), encoding: 'utf8', timeout: 120_000 });
    expect(restarted.stdout).toContain(`recorded 0`);
    expect(restarted.stdout).toContain(`already recorded ${ROWS - bad.size}`);
    expect(await suppressed()).toEqual(new Set([...expected]));
  }, 120_000); // three runs of the CLI as separate processes, each starting Node and its AWS clients
});
