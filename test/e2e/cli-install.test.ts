import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../cli/build.mjs';
import { commands } from '../../cli/commands/index.js';
import { freePort } from '../support/system.js';

/**
 * The command line as an operator installs it (`npm ci --omit=dev`, then `npx optout-hub`): built
 * by cli/build.mjs and run by plain Node next to the production dependencies only.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const install = mkdtempSync(join(tmpdir(), 'optout-hub-cli-'));
let entry: string;

/** node_modules holding what `npm ci --omit=dev` installs: every top-level package the lock file does not mark dev-only. */
function productionNodeModules(into: string): void {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = path.replace(/^node_modules\//, '');
    if (!path.startsWith('node_modules/') || name.includes('/node_modules/') || entry.dev) continue;
    if (!existsSync(join(root, path))) continue; // an optional package for another platform
    mkdirSync(dirname(join(into, name)), { recursive: true });
    symlinkSync(join(root, path), join(into, name), 'dir');
  }
}

function run(args: string[], env: Record<string, string> = {}) {
  // No inherited table names: the command decides local-or-AWS as on an operator's machine.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_TABLE$|^AWS_ENDPOINT_URL/.test(name)));
  return spawnSync(process.execPath, [entry, ...args], { cwd: install, env: { ...inherited, ...env }, encoding: 'utf8', timeout: 60_000 });
}

beforeAll(async () => {
  productionNodeModules(join(install, 'node_modules'));
  entry = await buildCli(join(install, 'cli'));
});

afterAll(() => rmSync(install, { recursive: true, force: true }));

describe('the built command line, with production dependencies only', () => {
  it('lists every command', () => {
    const { status, stdout, stderr } = run(['help']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^usage: optout-hub COMMAND \[options\]/);
    const width = Math.max(...Object.keys(commands).map((name) => name.length));
    for (const [name, command] of Object.entries(commands)) expect(stdout).toContain(`  ${name.padEnd(width)}  ${command.summary}\n`);
  });

  it('prints a command’s usage for `help COMMAND` and `COMMAND --help`', () => {
    const usage = `${commands['unsubscribe-headers']!.summary}\n\n${commands['unsubscribe-headers']!.usage}\n`;
    expect(run(['help', 'unsubscribe-headers'])).toMatchObject({ status: 0, stdout: usage });
    expect(run(['unsubscribe-headers', '--help'])).toMatchObject({ status: 0, stdout: usage });
  });

  it('runs a command that needs no AWS', () => {
    const { status, stdout } = run(['unsubscribe-headers', '--email', 'person@example.com', '--topic', 'marketing', '--base-url', 'https://hooks.example.com']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^List-Unsubscribe: <https:\/\/hooks\.example\.com\/unsubscribe\/[^>]+>\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n/);
  });

  it('loads the store and the AWS SDK, and says in one sentence that the local system does not answer', async () => {
    const port = String(await freePort());
    const { status, stderr } = run(['trace', '+14155550100'], { DYNAMODB_PORT: port, SQS_PORT: port });
    expect(stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (package|module)/);
    expect(stderr).toMatch(/^optout-hub trace: .+\n$/);
    expect(status).toBe(1);
  });
});

describe('the build', () => {
  it('refuses a source that imports a devDependency, which `npm ci --omit=dev` does not install', async () => {
    const source = join(install, 'uses-emulator.ts');
    writeFileSync(source, "import { startFauxqs } from 'fauxqs';\nconsole.log(startFauxqs);\n");
    await expect(buildCli(join(install, 'refused'), { source, logLevel: 'silent' })).rejects.toThrow(/"fauxqs" is not a production dependency/);
  });
});
