import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRndContract, type RndContract } from '../support/rnd-contract.js';
import { startSystem, type RunningSystem } from '../support/system.js';

/**
 * The combined pre-contact answer over HTTP on the local system (`npm start`): Do-Not-Call lists
 * loaded with `optout-hub registry load`, an opt-out recorded through /v1/requests, exemptions
 * recorded through /v1/contact-exemptions, calling windows, and the reassigned-numbers query
 * answered by a contract server written from the query service's documentation.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-contact-'));
const INGEST = 'ingest-key-0123456789';
const CHECKER = 'check-key-0123456789';
const RND_KEY = 'rnd-login-0123456789';
let system: RunningSystem;
let rnd: RndContract;

beforeAll(async () => {
  rnd = await startRndContract(RND_KEY);
  rnd.disconnected.set('2125550140', '20260301');
  system = await startSystem({
    dataDir,
    env: {
      API_KEYS: `crm:${INGEST}:ingest,checker:${CHECKER}:check`,
      REASSIGNED_NUMBERS_URL: rnd.url,
      REASSIGNED_NUMBERS_API_KEY: RND_KEY,
      ORGANISATION_CALLING_HOURS: 'sunday=none',
    },
  });
  const cli = (args: string[]) => {
    const result = spawnSync(process.execPath, ['bin/optout-hub.mjs', 'registry', ...args], {
      encoding: 'utf8',
      env: { ...process.env, DYNAMODB_PORT: String(system.ports.dynamodb), SQS_PORT: String(system.ports.sqs) },
    });
    expect(result.status, result.stderr).toBe(0);
    return result;
  };
  const listFile = (name: string, lines: string[]) => {
    const path = join(dataDir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };
  cli(['load', '--list', 'national', '--as-of', '2026-06-01', listFile('national.txt', ['2125550110', '2125550120', '2125550150', '212,5550199'])]);
  cli(['load', '--list', 'national', '--as-of', '2026-06-02', '--mode', 'changes', listFile('national-changes.txt', ['2125550199,D'])]);
  cli(['load', '--list', 'state:FL', '--as-of', '2026-06-01', listFile('fl.txt', ['3055550130'])]);
  cli(['load', '--list', 'litigator', '--as-of', '2026-06-01', listFile('litigator.txt', ['2125550120'])]);
  expect(cli(['lists']).stdout).toMatch(/national\s+3 numbers/);
}, 180_000);

afterAll(async () => {
  await system?.interrupt();
  await rnd?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown, key = CHECKER) {
  const response = await fetch(`${system.url}${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), body: text ? JSON.parse(text) : undefined };
}

// Wednesday 10 June 2026, 12:00 in New York and Miami.
const NOON = '2026-06-10T16:00:00Z';

describe('POST /v1/contact-check', () => {
  it('answers every reason in one place: lists, exemptions, opt-outs, windows and reassigned numbers', async () => {
    const ebr = await call(
      'POST',
      '/v1/contact-exemptions',
      { phone: '+1 212 555 0110', kind: 'ebr-transaction', date: '2026-05-01', evidence: 'order 1001' },
      INGEST,
    );
    expect(ebr.status).toBe(201);
    expect(ebr.body).toMatchObject({ phone: '+12125550110', expiresOn: '2027-11-01', created: true });
    expect(
      (await call('POST', '/v1/contact-exemptions', { phone: '2125550110', kind: 'ebr-transaction', date: '2026-05-01', evidence: 'order 1001' }, INGEST))
        .status,
    ).toBe(200);
    await call('POST', '/v1/contact-exemptions', { phone: '2125550120', kind: 'ebr-transaction', date: '2026-05-01', evidence: 'order 1002' }, INGEST);
    await call('POST', '/v1/contact-exemptions', { phone: '2125550140', kind: 'written-consent', date: '2026-01-15', evidence: 'signed form 77' }, INGEST);
    const optOut = await call(
      'POST',
      '/v1/requests',
      {
        requestId: 'e2e-contact-1',
        kind: 'opt-out',
        channels: ['voice'],
        purpose: 'all',
        subject: { phone: '+13055550130' },
        occurredAt: '2026-06-01T09:30:00Z',
        source: 'crm',
      },
      INGEST,
    );
    expect(optOut.status).toBeLessThan(300);

    // On the national list, with an established business relationship: allowed, saying why.
    const exempted = await call('POST', '/v1/contact-check', { channel: 'voice', phone: '(212) 555-0110', purpose: 'marketing', at: NOON });
    expect(exempted.status).toBe(200);
    expect(exempted.body).toMatchObject({
      allowed: true,
      reasons: [],
      listedOn: ['national-dnc'],
      exemptionsApplied: [{ kind: 'ebr-transaction', date: '2026-05-01', evidence: 'order 1001', exempts: ['national-dnc'] }],
      nextAllowedAt: '2026-06-10T16:00:00.000Z',
      address: '+12125550110',
      location: { region: 'US-NY', zones: ['America/New_York'], source: 'area-code' },
      lists: expect.arrayContaining([{ list: 'national', listed: true, asOf: '2026-06-02', stale: false }]),
    });

    const batch = await call('POST', '/v1/contact-check', {
      checks: [
        // The relationship does not lift the litigator list.
        { channel: 'voice', phone: '+12125550120', purpose: 'marketing', at: NOON },
        // Opted out with us and on Florida's list.
        { channel: 'voice', phone: '+13055550130', purpose: 'marketing', at: NOON },
        // Consent on record, but the number was disconnected after it.
        { channel: 'sms', phone: '+12125550140', purpose: 'marketing', at: NOON },
        // 20:30 in Miami: past Florida's 8 p.m., inside the federal 9 p.m.
        { channel: 'sms', phone: '+13055550160', purpose: 'marketing', at: '2026-06-11T00:30:00Z' },
        // Deleted from the national list by the change file; on Sunday the organisation does not call.
        { channel: 'voice', phone: '+12125550199', purpose: 'marketing', at: '2026-06-14T16:00:00Z' },
        { channel: 'voice', phone: '+44 20 7946 0000', purpose: 'marketing', at: NOON },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.summary).toEqual({ allowed: 0, blocked: 5, invalid: 1, failed: 0 });
    const [litigator, optedOut, reassigned, late, sunday, foreign] = batch.body.results;
    expect(litigator).toMatchObject({ allowed: false, reasons: ['litigator'], exemptionsApplied: [{ exempts: ['national-dnc'] }] });
    expect(optedOut).toMatchObject({ allowed: false, reasons: ['internal-opt-out', 'state-dnc:FL'], nextAllowedAt: null });
    expect(reassigned).toMatchObject({ allowed: false, reasons: ['reassigned'], reassigned: 'yes' });
    expect(rnd.queries).toContainEqual({ phoneNumber: '2125550140', date: '20260115' });
    expect(late).toMatchObject({ allowed: false, reasons: ['outside-calling-window'], nextAllowedAt: '2026-06-11T12:00:00.000Z' });
    expect(late.window).toMatchObject({ outsideOf: ['US-FL'] });
    expect(sunday).toMatchObject({ allowed: false, reasons: ['outside-calling-window'], listedOn: [], nextAllowedAt: '2026-06-15T12:00:00.000Z' });
    expect(foreign).toMatchObject({ allowed: false, reasons: ['invalid-number'], address: null });
  });

  it('a caller’s location wins over the area code', async () => {
    // 10:30 in New York is 07:30 in Los Angeles: allowed by the area code, not where the person lives.
    const at = '2026-06-10T14:30:00Z';
    const byAreaCode = await call('POST', '/v1/contact-check', { channel: 'sms', phone: '+12125550170', purpose: 'marketing', at });
    expect(byAreaCode.body.allowed).toBe(true);
    const moved = await call('POST', '/v1/contact-check', {
      channel: 'sms',
      phone: '+12125550170',
      purpose: 'marketing',
      at,
      state: 'CA',
      timeZone: 'America/Los_Angeles',
    });
    expect(moved.body).toMatchObject({ allowed: false, reasons: ['outside-calling-window'], nextAllowedAt: '2026-06-10T15:00:00.000Z' });
  });

  it('takes the state of the postal address on record when the caller names none', async () => {
    const linked = await call(
      'POST',
      '/v1/requests',
      {
        requestId: 'e2e-contact-postal',
        kind: 'opt-in',
        channels: ['mail'],
        purpose: 'marketing',
        subject: { phone: '+12125550180', postal: { line1: '1 Main Street', city: 'Los Angeles', state: 'California', postalCode: '90012' } },
        occurredAt: '2026-06-01T09:30:00Z',
        source: 'crm',
        evidence: { collectedBy: 'web-signup', method: 'web-form' },
      },
      INGEST,
    );
    expect(linked.status, JSON.stringify(linked.body)).toBeLessThan(300);
    // 10:30 in New York (the area code) is 07:30 in Los Angeles (where the person lives).
    const answer = await call('POST', '/v1/contact-check', { channel: 'voice', phone: '+12125550180', purpose: 'marketing', at: '2026-06-10T14:30:00Z' });
    expect(answer.body).toMatchObject({
      allowed: false,
      reasons: ['outside-calling-window'],
      location: { region: 'US-CA', zones: ['America/Los_Angeles'], source: 'postal-address' },
      nextAllowedAt: '2026-06-10T15:00:00.000Z',
    });
    // The caller's own word still wins.
    const stated = await call('POST', '/v1/contact-check', {
      channel: 'voice',
      phone: '+12125550180',
      purpose: 'marketing',
      at: '2026-06-10T14:30:00Z',
      state: 'NY',
    });
    expect(stated.body).toMatchObject({ allowed: true, location: { region: 'US-NY', source: 'caller' } });
  });

  it('refuses bad input with a problem and writes nothing', async () => {
    const invalid = await call('POST', '/v1/contact-check', { channel: 'voice', phone: '+44 20 7946 0000', purpose: 'marketing' });
    expect(invalid.status).toBe(400);
    expect(invalid.type).toContain('application/problem+json');
    expect((await call('POST', '/v1/contact-check', { channel: 'email', phone: '+12125550110', purpose: 'marketing' })).status).toBe(400);
    expect((await call('POST', '/v1/contact-check', { channel: 'voice', phone: '+12125550110', purpose: 'marketing', at: 'tomorrow' })).status).toBe(400);
    expect((await call('POST', '/v1/contact-check', { channel: 'voice', phone: '+12125550110', purpose: 'marketing', timeZone: 'Mars/Base' })).status).toBe(
      400,
    );
    expect((await call('POST', '/v1/contact-check', { channel: 'voice', phone: '+12125550110', purpose: 'no-such' })).status).toBe(400);
    expect((await call('POST', '/v1/contact-check', { checks: [] })).status).toBe(400);
    expect(
      (await call('POST', '/v1/contact-exemptions', { phone: '+12125550110', kind: 'ebr-forever', date: '2026-05-01', evidence: 'x' }, INGEST)).status,
    ).toBe(400);
    expect(
      (await call('POST', '/v1/contact-exemptions', { phone: '+12125550110', kind: 'ebr-inquiry', date: '2026-05-01', evidence: '' }, INGEST)).status,
    ).toBe(400);
    expect(
      (await call('POST', '/v1/contact-exemptions', { phone: '+12125550110', kind: 'ebr-inquiry', date: '2026-05-01', evidence: 'x' }, CHECKER)).status,
    ).toBe(403);
    expect((await call('POST', '/v1/contact-check', { channel: 'voice', phone: '+12125550110', purpose: 'marketing' }, INGEST)).status).toBe(403);
  });
});
