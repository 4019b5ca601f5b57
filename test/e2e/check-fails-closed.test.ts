import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDefaults } from '../../infra/local/runtime.js';
import { dynamoDbLocalPid, startSystem, type RunningSystem } from '../support/system.js';
import { phoneNumbers } from '../support/phones.js';

/**
 * The single pre-send check fails closed: while the store does not answer, `GET
 * /v1/suppressions/{channel}/{address}` is a 503 problem a sender retries, never an answer that
 * says the address may be contacted. The store here is the real DynamoDB Local of `npm start`,
 * frozen with SIGSTOP (it accepts connections and never answers), then thawed.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-fail-closed-'));
const phone = phoneNumbers('720');
let system: RunningSystem;
let java: number;

beforeAll(async () => {
  // Short store timeouts, so a frozen store becomes a 503 quickly rather than after the emulator's 15 s.
  system = await startSystem({ dataDir, env: { STORE_REQUEST_TIMEOUT_MS: '1000', STORE_MAX_ATTEMPTS: '2' } });
  java = dynamoDbLocalPid(system.ports.dynamodb)!;
});

afterAll(async () => {
  if (java) process.kill(java, 'SIGCONT');
  await system?.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

const headers = { 'x-api-key': localDefaults.API_KEY };

async function check(number: string, query = '') {
  const response = await fetch(`${system.url}/v1/suppressions/sms/${encodeURIComponent(number)}${query}`, { headers });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
}

describe('GET /v1/suppressions/{channel}/{address} with the store down', () => {
  it('answers 503 problem+json, never "allowed", for a suppressed and an unknown number alike, and answers again once the store does', async () => {
    expect(java).toBeGreaterThan(0);
    const [optedOut, unknown] = [phone(), phone()];
    const recorded = await fetch(`${system.url}/v1/requests`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        requestId: `fail-closed-${optedOut.slice(1)}`,
        kind: 'opt-out',
        channels: ['sms'],
        subject: { phone: optedOut },
        occurredAt: '2026-06-01T09:30:00Z',
        source: 'crm',
      }),
    });
    expect(recorded.status).toBe(201);
    expect((await check(optedOut)).body).toMatchObject({ suppressed: true, status: 'suppressed' });
    expect((await check(unknown)).body).toMatchObject({ suppressed: false, status: 'allowed' });

    // The process frozen is the emulator serving this system's port, and it is frozen (state T).
    expect(readFileSync(`/proc/${java}/cmdline`, 'utf8')).toContain(`-port\0${system.ports.dynamodb}\0`);
    process.kill(java, 'SIGSTOP');
    try {
      expect(readFileSync(`/proc/${java}/stat`, 'utf8').split(') ')[1]![0]).toBe('T');
      for (const [number, query] of [
        [optedOut, ''],
        [unknown, ''],
        [unknown, '?purpose=marketing'],
      ] as const) {
        const answer = await check(number, query);
        expect(answer.status, `${number}${query}: ${JSON.stringify(answer.body)}`).toBe(503);
        expect(answer.type).toBe('application/problem+json');
        expect(answer.body).toMatchObject({ status: 503, type: 'https://optout-hub.dev/problems/dependency-unavailable' });
        expect(answer.body).not.toHaveProperty('suppressed');
        expect(answer.body).not.toHaveProperty('status', 'allowed');
      }
    } finally {
      process.kill(java, 'SIGCONT');
    }

    expect((await check(optedOut)).body).toMatchObject({ suppressed: true, status: 'suppressed' });
    expect((await check(unknown)).body).toMatchObject({ suppressed: false, status: 'allowed' });
  });
});
