import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../cli/command.js';
import { unsubscribeHeadersCommand } from '../../cli/commands/unsubscribe-headers.js';

/** The example docs/email.md shows, run as written: its environment assignments, then the command's arguments. */
const docs = readFileSync(new URL('../../docs/email.md', import.meta.url), 'utf8');
const example = /```sh\n(.*npx optout-hub unsubscribe-headers .*)\n```/.exec(docs)?.[1] ?? '';
const [assignments = '', argv = ''] = example.split(/\s*npx optout-hub unsubscribe-headers\s+/);
const documentedEnv = Object.fromEntries(
  assignments
    .split(/\s+/)
    .filter(Boolean)
    .map((pair) => pair.split('=') as [string, string]),
);
const documentedArgs = argv.split(/\s+/).filter(Boolean);

const touched = ['PURPOSES', 'PUBLIC_BASE_URL', 'UNSUBSCRIBE_TOKEN_KEYS', 'CONFIG_SECRET_ARN'];
let saved: Record<string, string | undefined>;
let printed: string[];

beforeEach(() => {
  saved = Object.fromEntries(touched.map((name) => [name, process.env[name]]));
  for (const name of touched) delete process.env[name];
  printed = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
  vi.spyOn(console, 'error').mockImplementation(() => {});
});

afterEach(() => {
  vi.restoreAllMocks();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('optout-hub unsubscribe-headers', () => {
  it('runs the docs/email.md example as written and prints what the page shows', async () => {
    expect(documentedArgs).toEqual(['--email', 'ann@example.com', '--topic', 'newsletter', '--mailto', 'unsubscribe@example.com']);
    Object.assign(process.env, documentedEnv, { UNSUBSCRIBE_TOKEN_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` });
    expect(await unsubscribeHeadersCommand.run(documentedArgs)).toBe(0);
    const output = printed.join('\n');
    expect(output).toMatch(
      /^List-Unsubscribe: <https:\/\/hub\.example\.com\/unsubscribe\/k1\.eyJ[^>]+>, <mailto:unsubscribe@example\.com\?subject=unsubscribe>\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n\n# Link for the message body: https:\/\/hub\.example\.com\/unsubscribe\/k1\.eyJ/,
    );
  });

  it('says to set PURPOSES when the topic is not one of them', async () => {
    const failure = unsubscribeHeadersCommand.run(['--email', 'ann@example.com', '--topic', 'newsletter']);
    await expect(failure).rejects.toBeInstanceOf(UsageError);
    await expect(failure).rejects.toThrow(/Unknown purpose "newsletter".*PURPOSES.*PURPOSES=newsletter/);
  });
});
