import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem } from '../support/system.js';

/** The audit trail through the running system: a STOP request, fan-out, an integration's ack, history and trace. */

const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-audit-'));
const ADMIN = 'admin-key-0123456789';
const DIALER = 'dialer-key-0123456789';
let system: RunningSystem;

beforeAll(async () => {
  system = await startSystem({ dataDir, env: { API_KEYS: `admin:${ADMIN}:admin+ingest,dialer:${DIALER}:check+ack` } });
});

afterAll(async () => {
  await system?.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(method: string, path: string, body: unknown, key: string) {
  const response = await fetch(`${system.url}${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe('audit', () => {
  it('acks what fan-out enqueued, and shows it in the history and in the trace as text and html', async () => {
    const phone = `+1646555${String(randomBytes(2).readUInt16BE() % 10_000).padStart(4, '0')}`;
    const recorded = await call(
      'POST',
      '/v1/requests',
      {
        requestId: randomBytes(6).toString('hex'),
        kind: 'opt-out',
        channels: ['voice'],
        subject: { phone },
        occurredAt: new Date().toISOString(),
        source: 'crm',
      },
      ADMIN,
    );
    expect(recorded.status).toBe(201);

    expect((await call('POST', '/v1/acks', { integration: 'dialer-east', applied: [] }, DIALER)).status).toBe(400);
    expect((await call('POST', '/v1/acks', { integration: 'dialer-east', applied: [{ channel: 'voice', address: phone, version: 1 }] }, ADMIN)).status).toBe(
      403,
    );

    let ack: { status: number; body: any } | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      // Written the way an integration would: the number as it knows it, not normalized.
      ack = await call('POST', '/v1/acks', { integration: 'dialer-east', applied: [{ channel: 'voice', address: phone.slice(2), version: 1 }] }, DIALER);
      if (ack.body?.results?.[0]?.status !== 'not-enqueued-yet') break;
      await sleep(200);
    }
    expect(ack).toMatchObject({ status: 200, body: { counts: { acked: 1 }, results: [{ channel: 'voice', address: phone, version: 1, status: 'acked' }] } });

    const history = await call('GET', `/v1/people/${recorded.body.personId}/history`, undefined, ADMIN);
    expect(history.status).toBe(200);
    expect(history.body.events[0].distribution).toMatchObject([
      {
        channel: 'voice',
        address: phone,
        version: 1,
        state: 'applied',
        target: 'met',
        deadline: 'met',
        enqueuedAt: expect.any(String),
        appliedAt: expect.any(String),
      },
    ]);

    const env = { ...process.env, DYNAMODB_PORT: String(system.ports.dynamodb), SQS_PORT: String(system.ports.sqs) };
    const text = spawnSync(process.execPath, ['bin/optout-hub.mjs', 'trace', phone], { encoding: 'utf8', env });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(`voice \\${phone} v1: applied; enqueued .*; acked [^;]*; integrations: dialer-east \\(key dialer\\) applied [^;]*; target met`),
    );
    const html = spawnSync(process.execPath, ['bin/optout-hub.mjs', 'trace', phone, '--format', 'html'], { encoding: 'utf8', env });
    expect(html.status, html.stderr).toBe(0);
    expect(html.stdout).toContain('<td class="ok">met (due ');

    const sla = spawnSync(process.execPath, ['bin/optout-hub.mjs', 'sla', '--channel', 'voice', '--snapshot'], { encoding: 'utf8', env });
    expect(sla.status, sla.stderr).toBe(0);
    expect(sla.stdout).toMatch(/voice: 1 suppression items \(1 suppressed\), snapshot s3:\/\/snapshots\/snapshots\/voice\//);
    expect(sla.stdout).toMatch(/past deadline\s+0/);
  });
});
