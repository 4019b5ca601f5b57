import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem } from '../support/system.js';
import { phoneNumbers } from '../support/phones.js';

/** The master record through the HTTP API of the local system, as a CRM or compliance tool uses it. */

const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-people-'));
const ADMIN = 'admin-key-0123456789';
const CHECKER = 'check-key-0123456789';
let system: RunningSystem;

beforeAll(async () => {
  system = await startSystem({
    dataDir,
    env: { API_KEYS: `admin:${ADMIN}:admin+ingest+check,checker:${CHECKER}:check`, PURPOSES: 'newsletter' },
  });
});

afterAll(async () => {
  await system?.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

const phone = phoneNumbers('646');

async function call(method: string, path: string, body?: unknown, key = ADMIN) {
  const response = await fetch(`${system.url}${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), body: text ? JSON.parse(text) : undefined };
}

const check = (channel: string, address: string, purpose?: string) =>
  call('GET', `/v1/suppressions/${channel}/${encodeURIComponent(address)}${purpose ? `?purpose=${purpose}` : ''}`, undefined, CHECKER);

function optOut(subject: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return call('POST', '/v1/requests', {
    requestId: randomBytes(6).toString('hex'),
    kind: 'opt-out',
    channels: ['voice', 'sms'],
    scope: 'person',
    subject,
    occurredAt: '2026-06-01T09:30:00-04:00',
    source: 'mail',
    evidence: { collectedBy: 'mailroom-3', method: 'letter', reference: 'scan-2026-0601-17' },
    ...extra,
  });
}

describe('the master record over HTTP', () => {
  it('takes a mailed person-wide opt-out, shows the person, and suppresses a phone linked later', async () => {
    const [first, later] = [phone(), phone()];
    const recorded = await optOut({ phone: first, externalId: `crm-${randomBytes(3).toString('hex')}` });
    expect(recorded.status).toBe(201);
    expect(recorded.body).toMatchObject({ duplicate: false, effect: 'applied' });
    expect((await check('voice', first)).body).toMatchObject({ suppressed: true, since: '2026-06-01T13:30:00.000Z' });

    const { personId } = recorded.body;
    const found = await call('GET', `/v1/people?phone=${encodeURIComponent(first)}`);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({
      personId,
      preferences: expect.arrayContaining([expect.objectContaining({ channel: 'voice', scope: 'person', status: 'suppressed' })]),
    });

    const linked = await call('POST', `/v1/people/${personId}/identities`, { type: 'phone', value: later });
    expect(linked.status).toBe(201);
    expect((await check('voice', later)).body).toMatchObject({ suppressed: true });
    expect((await check('sms', later)).body).toMatchObject({ suppressed: true });
    expect((await check('email', 'someone-else@example.com')).body).toMatchObject({ suppressed: false });

    const history = await call('GET', `/v1/people/${personId}/history`);
    expect(history.body.events.map((event: { kind: string }) => event.kind)).toEqual(['opt-out', 'identity-linked']);
  });

  it('answers per purpose: a newsletter opt-out leaves other email allowed', async () => {
    const address = `reader-${randomBytes(4).toString('hex')}@Example.COM`;
    const recorded = await call('POST', '/v1/requests', {
      requestId: randomBytes(6).toString('hex'),
      kind: 'opt-out',
      channels: ['email'],
      purpose: 'newsletter',
      subject: { email: address },
      occurredAt: '2026-06-02T10:00:00Z',
      source: 'web',
    });
    expect(recorded.status).toBe(201);
    const normalized = address.toLowerCase();
    expect((await check('email', normalized, 'newsletter')).body).toMatchObject({ suppressed: true });
    expect((await check('email', normalized, 'marketing')).body).toMatchObject({ suppressed: false });
    // A sender that does not say its purpose gets the strictest answer.
    expect((await check('email', normalized)).body).toMatchObject({ suppressed: true });
  });

  it('merges two people so that nothing suppressed becomes allowed', async () => {
    const [a, b] = [phone(), phone()];
    const first = await optOut({ phone: a });
    const second = await call('POST', '/v1/requests', {
      requestId: randomBytes(6).toString('hex'),
      kind: 'opt-in',
      channels: ['voice'],
      scope: 'person',
      subject: { phone: b },
      occurredAt: '2026-06-03T10:00:00Z',
      source: 'crm',
      evidence: { collectedBy: 'crm-sync', method: 'web-form' },
    });
    const merged = await call('POST', '/v1/people/merge', { survivorId: second.body.personId, mergedId: first.body.personId });
    expect(merged.status).toBe(200);
    for (const number of [a, b]) expect((await check('voice', number)).body).toMatchObject({ suppressed: true });
    expect((await call('GET', `/v1/people/${first.body.personId}`)).body.personId).toBe(second.body.personId);
  });
});

describe('refusals', () => {
  it.each([
    ['an unknown channel', { channels: ['fax'] }, 400],
    ['an unknown purpose', { purpose: 'astrology' }, 400],
    ['a phone that cannot be read', { subject: { phone: 'call me maybe' } }, 400],
    ['an unknown field', { color: 'blue' }, 400],
    ['a person-wide opt-in without evidence', { kind: 'opt-in', evidence: {} }, 422],
  ])('refuses %s with problem+json and writes nothing', async (_name, change, status) => {
    const number = phone();
    const response = await optOut({ phone: number }, change);
    expect(response.status).toBe(status);
    expect(response.type).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status, type: expect.stringContaining('https://optout-hub.dev/problems/') });
    expect((await call('GET', `/v1/people?phone=${encodeURIComponent(number)}`)).status).toBe(404);
    expect((await check('voice', number)).body).toMatchObject({ suppressed: false, version: 0 });
  });

  it('refuses to merge a person with itself', async () => {
    const recorded = await optOut({ phone: phone() });
    const response = await call('POST', '/v1/people/merge', { survivorId: recorded.body.personId, mergedId: recorded.body.personId });
    expect(response.status).toBe(400);
    expect(response.type).toBe('application/problem+json');
  });

  it('refuses an identity that cannot be normalized', async () => {
    const recorded = await optOut({ phone: phone() });
    const response = await call('POST', `/v1/people/${recorded.body.personId}/identities`, { type: 'email', value: 'not an email' });
    expect(response.status).toBe(400);
    expect(response.body.type).toMatch(/invalid-address$/);
    expect((await call('GET', `/v1/people/${recorded.body.personId}`)).body.identities).toHaveLength(1);
  });

  it('keeps people data to keys with the admin scope', async () => {
    expect((await call('GET', '/v1/people?phone=%2B16465550000', undefined, CHECKER)).status).toBe(403);
    expect((await call('GET', '/v1/people?phone=%2B16465550000', undefined, '')).status).toBe(401);
  });
});
