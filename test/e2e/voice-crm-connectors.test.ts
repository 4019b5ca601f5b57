import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFive9, type Five9Server } from '../support/contracts/five9.js';
import { startGenesysCloud, type GenesysCloudServer } from '../support/contracts/genesys-cloud.js';
import { startSalesforce, type SalesforceServer } from '../support/contracts/salesforce.js';
import { startSystem, type RunningSystem } from '../support/system.js';

/**
 * The genesys-cloud, five9 and salesforce connectors as `npm start` runs them: declared in
 * INTEGRATIONS with their secrets in INTEGRATION_SECRETS (secrets that themselves hold colons), each
 * consuming its own voice subscription, against contract servers; an opt-out reaches all three
 * vendors, an opt-in lifts it in each, and the person's history shows each integration's ack.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-voice-connectors-'));
const KEY = 'voice-connectors-key-0123456789';
const LIST = 'dnc-list-e2e';
let genesys: GenesysCloudServer;
let five9: Five9Server;
let salesforce: SalesforceServer;
let system: RunningSystem;

beforeAll(async () => {
  genesys = await startGenesysCloud({ clientId: 'gc-client', clientSecret: 'gc:secret', dncListIds: [LIST] });
  five9 = await startFive9({ username: 'dnc-sync@example.com', password: 'pass:word', addWindow: null });
  salesforce = await startSalesforce({ clientId: 'sf-key', clientSecret: 'sf-secret' });
  system = await startSystem({
    dataDir,
    env: {
      API_KEYS: `ops:${KEY}:admin+ingest+check+ack`,
      INTEGRATIONS: JSON.stringify([
        {
          name: 'genesys-dialer',
          connector: 'genesys-cloud',
          channels: ['voice'],
          settings: { apiBaseUrl: genesys.url, loginBaseUrl: genesys.url, dncListId: LIST },
        },
        { name: 'five9-dialer', connector: 'five9', channels: ['voice'], settings: { endpoint: five9.endpoint, addWindow: null } },
        { name: 'crm-salesforce', connector: 'salesforce', channels: ['voice'], settings: { loginUrl: salesforce.url, objects: ['Contact'] } },
      ]),
      INTEGRATION_SECRETS: 'genesys-dialer:gc-client:gc:secret,five9-dialer:dnc-sync@example.com:pass:word,crm-salesforce:sf-key:sf-secret',
    },
  });
}, 120_000);

afterAll(async () => {
  await system?.interrupt();
  await Promise.all([genesys?.close(), five9?.close(), salesforce?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${system.url}${path}`, {
    method,
    headers: { 'x-api-key': KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function until<T>(what: string, probe: () => T | Promise<T>, attempts = 240): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const value = await probe();
    if (value) return value;
    await sleep(250);
  }
  throw new Error(`Timed out waiting for ${what}.`);
}

const request = (kind: 'opt-out' | 'opt-in', phone: string) => ({
  requestId: randomBytes(8).toString('hex'),
  kind,
  channels: ['voice'],
  subject: { phone },
  occurredAt: new Date().toISOString(),
  source: 'crm',
  // An opt-in lifts a suppression, so it says who took it and how.
  ...(kind === 'opt-in' ? { evidence: { collectedBy: 'agent-17', method: 'phone-call' } } : {}),
});

describe('voice and CRM connectors under npm start', () => {
  it('applies an opt-out at Genesys Cloud, Five9 and Salesforce, records each ack, and lifts it on an opt-in', async () => {
    const phone = `+1628555${String(randomBytes(2).readUInt16BE() % 10_000).padStart(4, '0')}`;
    const contact = salesforce.add('Contact', { LastName: 'Caller', Phone: `(${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}` });

    expect((await call('POST', '/v1/requests/batch', { requests: [request('opt-out', phone)] })).status).toBeLessThan(300);
    await until(
      'all three vendors to hold the opt-out',
      () => genesys.numbers(LIST).has(phone) && five9.dnc.has(phone.slice(2)) && salesforce.record(contact.Id)!.fields.DoNotCall === true,
    );

    const person = await call('GET', `/v1/people?phone=${encodeURIComponent(phone)}`);
    const acked = await until('each integration to ack the change', async () => {
      const history = await call('GET', `/v1/people/${person.body.personId}/history`);
      const timing = history.body.events[0]?.distribution?.find((entry: { channel: string }) => entry.channel === 'voice');
      const integrations = Object.keys(timing?.acks ?? {}).sort();
      return timing?.state === 'applied' && integrations.length === 3 ? integrations : undefined;
    });
    expect(acked).toEqual(['crm-salesforce', 'five9-dialer', 'genesys-dialer']);

    // The opt-in happens after the opt-out it lifts (occurredAt orders them).
    await sleep(1100);
    expect((await call('POST', '/v1/requests/batch', { requests: [request('opt-in', phone)] })).status).toBeLessThan(300);
    await until(
      'all three vendors to lift it',
      () => !genesys.numbers(LIST).has(phone) && !five9.dnc.has(phone.slice(2)) && salesforce.record(contact.Id)!.fields.DoNotCall === false,
    );
  }, 120_000);
});
