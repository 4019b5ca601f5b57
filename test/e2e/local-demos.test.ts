import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDefaults } from '../../infra/local/runtime.js';
import { phoneNumbers } from '../support/phones.js';
import { startSystem, type RunningSystem } from '../support/system.js';

/**
 * `npm run demo` for each flow against `npm start` with nothing configured: every provider the
 * demos use is trusted through the local development secrets alone.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-demos-'));
const phone = phoneNumbers('628');
let system: RunningSystem;

// Whatever secrets the test's own environment has must not stand in for the local defaults.
const unset = [
  'TWILIO_AUTH_TOKEN',
  'TELNYX_PUBLIC_KEY',
  'DIALER_WEBHOOK_SECRETS',
  'SENDGRID_WEBHOOK_PUBLIC_KEY',
  'UNSUBSCRIBE_TOKEN_KEYS',
  'API_KEYS',
  'API_KEY',
];
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !unset.includes(name))) as Record<string, string>;

async function demo(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/local/demo.ts', ...args], {
    cwd: root,
    env: { ...cleanEnv, PORT: String(system.ports.http), SQS_PORT: String(system.ports.sqs) },
  });
  return stdout;
}

async function check(channel: string, address: string) {
  const response = await fetch(`${system.url}/v1/suppressions/${channel}/${encodeURIComponent(address)}`, { headers: { 'x-api-key': localDefaults.API_KEY } });
  return (await response.json()) as { suppressed: boolean };
}

beforeAll(async () => {
  for (const name of unset) delete process.env[name];
  system = await startSystem({ dataDir });
});

afterAll(async () => {
  await system?.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run demo against npm start', () => {
  it('SMS: a signed Twilio STOP, the check, and its own message on the SMS queue even when others are queued', async () => {
    const other = phone();
    await demo(other);
    const number = phone();
    const output = await demo('sms', number);
    expect(output).toContain('/webhooks/sms/twilio');
    expect(output).toMatch(/→ 200 /);
    expect(output).toContain('"suppressed":true');
    expect(output).toContain(`suppressions-sms queue, the message for ${number}:`);
    const message = output.slice(output.indexOf('queue, the message for'));
    expect(message).toContain(`"address":"${number}"`);
    expect(message).not.toContain(other);
    expect(await check('sms', number)).toMatchObject({ suppressed: true });
  });

  it('email: a signed SendGrid unsubscribe event and a one-click link, no secret configured', async () => {
    const address = `demo-${Date.now()}@example.com`;
    const output = await demo('email', address);
    expect(output).toMatch(/POST .*\/webhooks\/email\/sendgrid.*\n {2}→ 2\d\d /);
    expect(output).toMatch(/POST .*\/unsubscribe\/.*\n {2}→ 2\d\d /);
    expect(output).not.toContain('misconfigured');
    expect(output).toContain(`suppressions-email queue, the message for ${address}:`);
    expect(await check('email', address)).toMatchObject({ suppressed: true });
  });

  it('SES: a complaint signed as SNS signs, verified against the pinned local certificate, no topic or secret configured', async () => {
    const address = `ses-demo-${Date.now()}@example.com`;
    const output = await demo('ses', address);
    expect(output).toMatch(/POST .*\/webhooks\/email\/ses.*\n {2}→ 200 /);
    expect(output).toContain(`suppressions-email queue, the message for ${address}:`);
    expect(await check('email', address)).toMatchObject({ suppressed: true });
  });

  it('call: a signed dialer disposition answered with its receipt, no dialer secret configured', async () => {
    const number = phone();
    const output = await demo('call', number);
    expect(output).toMatch(/POST .*\/webhooks\/calls\/generic.*\n {2}→ 201 /);
    expect(output).toContain('"outcome":"suppressed"');
    expect(output).toContain(`suppressions-voice queue, the message for ${number}:`);
    expect(await check('voice', number)).toMatchObject({ suppressed: true });
  });

  it('Telnyx: a STOP signed with the committed local private key is accepted with nothing configured', async () => {
    const number = phone();
    const output = await demo('telnyx', number);
    expect(output).toMatch(/POST .*\/webhooks\/sms\/telnyx.*\n {2}→ 200 /);
    expect(output).toContain(`suppressions-sms queue, the message for ${number}:`);
    expect(await check('sms', number)).toMatchObject({ suppressed: true });
  });
});
