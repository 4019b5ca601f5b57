import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem } from '../support/system.js';

/** Batch check and reconciliation export over HTTP on the local system, as integrations call them. */

const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-enforcement-'));
const INGEST = 'ingest-key-0123456789';
const CHECKER = 'check-key-0123456789';
let system: RunningSystem;

beforeAll(async () => {
  system = await startSystem({
    dataDir,
    env: { API_KEYS: `crm:${INGEST}:ingest,checker:${CHECKER}:check`, EXPORT_SETTLE_SECONDS: '1' },
  });
});

afterAll(async () => {
  await system?.interrupt();
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

describe('enforcement over HTTP', () => {
  it('answers a batch check per address and exports the change since a cursor', async () => {
    const { body: before } = await call('GET', '/v1/suppressions/email');
    const optOut = await call(
      'POST',
      '/v1/requests',
      {
        requestId: 'e2e-batch-1',
        kind: 'opt-out',
        channels: ['email'],
        purpose: 'marketing',
        subject: { email: 'Dana@Example.com' },
        occurredAt: '2026-06-01T09:30:00Z',
        source: 'crm',
      },
      INGEST,
    );
    expect(optOut.status).toBeLessThan(300);

    const checked = await call('POST', '/v1/suppressions/check', {
      channel: 'email',
      purpose: 'marketing',
      addresses: ['dana@example.com', 'eli@example.com', 'not-an-email'],
    });
    expect(checked.status).toBe(200);
    expect(checked.body.summary).toEqual({ sendable: 1, suppressed: 1, invalid: 1, failed: 0 });
    expect(checked.body.results[0]).toMatchObject({ address: 'dana@example.com', sendable: false, reason: 'suppressed', since: '2026-06-01T09:30:00.000Z' });

    await sleep(1200);
    const exported = await call('GET', `/v1/suppressions/email?since=${before.nextCursor}`);
    expect(exported.status).toBe(200);
    expect(exported.body.items).toEqual([expect.objectContaining({ address: 'dana@example.com', suppressed: true, version: 1 })]);
  });

  it('refuses a bad batch with a problem and a caller without the check scope', async () => {
    const tooMany = await call('POST', '/v1/suppressions/check', { channel: 'email', addresses: Array.from({ length: 1001 }, (_, i) => `a${i}@example.com`) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.type).toContain('application/problem+json');
    expect((await call('POST', '/v1/suppressions/check', { channel: 'fax', addresses: ['x'] })).status).toBe(400);
    expect((await call('GET', '/v1/suppressions/email', undefined, INGEST)).status).toBe(403);
    expect((await call('GET', '/v1/suppressions/email?since=nope')).status).toBe(400);
  });
});
