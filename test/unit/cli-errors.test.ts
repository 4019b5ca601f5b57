import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/command.js';
import { errorsPath, runImport } from '../../cli/commands/import.js';
import { scrub, scrubCsv } from '../../cli/commands/scrub.js';
import type { StoreContext } from '../../shared/store/clients.js';

/** The operator CLI's answers to an operator's mistakes: one clear sentence and an exit code, never a stack trace. */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'optout-cli-errors-'));
});

/** The CLI from source, as a separate process with its own environment. */
function cli(args: string[], env: Record<string, string> = {}) {
  const inherited = { ...process.env };
  for (const name of ['PREFERENCES_TABLE', 'SUPPRESSIONS_TABLE', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SQS', 'DYNAMODB_PORT', 'SQS_PORT']) {
    delete inherited[name];
  }
  return spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { env: { ...inherited, ...env }, encoding: 'utf8', timeout: 60_000 });
}

/** A port nothing listens on: taken from the system, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const noStore = {} as StoreContext;
const importOptions = (file: string) => ({ file, source: 'test', batchSize: 10, concurrency: 1, restart: false, progress: false, log: () => undefined });

describe('optout-hub help', () => {
  it('says a command it does not know is unknown, and exits 2', () => {
    const result = cli(['help', 'nosuch']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Unknown command "nosuch"');
    expect(result.stderr).toContain('usage: optout-hub COMMAND');
  });
});

describe('a store the CLI cannot reach', () => {
  it('fails at once naming the endpoint and the port variables to set, with no stack trace', { timeout: 60_000 }, async () => {
    const port = await closedPort();
    const result = cli(['trace', '+14155550100'], { DYNAMODB_PORT: String(port) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`http://127.0.0.1:${port}`);
    expect(result.stderr).toContain('DYNAMODB_PORT and SQS_PORT');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('import', () => {
  it('refuses a header without the required columns at once, naming them, before touching the store', async () => {
    const file = join(dir, 'wrong-header.csv');
    writeFileSync(file, 'name,mobile,date\nAda,+14155550100,2026-01-01T00:00:00Z\n');
    const failure = await runImport(importOptions(file)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UsageError);
    expect((failure as Error).message).toContain('lacks required columns: channels; occurred_at; one of phone, email, external_id, postal_line1');
    expect(existsSync(errorsPath(file))).toBe(false);
  });

  it('exits 2 on such a header', () => {
    const file = join(dir, 'wrong-header-cli.csv');
    writeFileSync(file, 'phone,when\n+14155550100,2026-01-01T00:00:00Z\n');
    const result = cli(['import', file, '--no-progress']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('lacks required columns: channels; occurred_at (its header: phone, when)');
  });

  it('says a binary file is not CSV, and a directory is a directory', async () => {
    const binary = join(dir, 'people.xlsx');
    writeFileSync(binary, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00]));
    await expect(runImport(importOptions(binary))).rejects.toThrow(/not a CSV text file \(it holds binary data/);
    await expect(runImport(importOptions(dir))).rejects.toThrow(new UsageError(`${dir} is a directory: name a CSV file.`));
  });
});

describe('scrub', () => {
  it('says a directory or a binary file is not a CSV file', async () => {
    const binary = join(dir, 'campaign.bin');
    writeFileSync(binary, Buffer.alloc(256, 0));
    for (const [file, message] of [
      [dir, 'is a directory'],
      [binary, 'holds binary data'],
    ] as const) {
      const failure = await scrub.run([file, '--channel', 'sms', '--purpose', 'marketing']).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(UsageError);
      expect((failure as Error).message).toContain(message);
    }
  });

  it('creates a missing --out-dir, and refuses one that is a file', async () => {
    const input = join(dir, 'empty-campaign.csv');
    writeFileSync(input, 'address\n');
    const outDir = join(dir, 'not', 'yet', 'there');
    const summary = await scrubCsv({ input, outDir, channel: 'sms', purpose: 'marketing', columns: ['address'], store: noStore, region: 'US' });
    expect(summary.rows).toBe(0);
    expect(existsSync(summary.sendableFile) && existsSync(summary.suppressedFile)).toBe(true);

    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    const failure = await scrubCsv({ input, outDir: blocker, channel: 'sms', purpose: 'marketing', columns: ['address'], store: noStore, region: 'US' }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(UsageError);
    expect((failure as Error).message).toContain('it is a file, not a directory');
  });
});
