import { GetQueueAttributesCommand, GetQueueUrlCommand, PurgeQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDefaults } from '../../infra/local/runtime.js';
import { localClientOptions } from '../../infra/local/services.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/contracts/webhook-receiver.js';
import { twilioSms } from '../support/provider-signing.js';
import { startSystem, type RunningSystem } from '../support/system.js';

/**
 * Two integrations on the sms channel, each with its own subscription and its `webhook`
 * connector, against receivers that verify the Standard Webhooks signature with the official
 * library: every change reaches each of them (not half each), acks are per integration, trace
 * shows both, a vendor outage loses nothing, and a poison message stays on its own DLQ.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-integrations-'));
const KEY = 'integrations-key-0123456789';
const secretOf = () => `whsec_${randomBytes(24).toString('base64')}`;
const secrets = { crm: secretOf(), dialer: secretOf() };
let crm: WebhookReceiver;
let dialer: WebhookReceiver;
let system: RunningSystem;

const phone = (n: number) => `+1628555${String(n).padStart(4, '0')}`;

beforeAll(async () => {
  crm = await startWebhookReceiver(secrets.crm);
  dialer = await startWebhookReceiver(secrets.dialer);
  system = await startSystem({
    dataDir,
    env: {
      API_KEYS: `ops:${KEY}:admin+ingest+check+ack`,
      INTEGRATIONS: JSON.stringify([
        { name: 'crm-sync', connector: 'webhook', channels: ['sms', 'email'], settings: { url: crm.url } },
        { name: 'sms-dialer', connector: 'webhook', channels: ['sms'], settings: { url: dialer.url } },
        { name: 'own-consumer', connector: 'queue', channels: ['voice'] },
      ]),
      INTEGRATION_SECRETS: `crm-sync:${secrets.crm},sms-dialer:${secrets.dialer}`,
    },
  });
}, 120_000);

afterAll(async () => {
  await system?.interrupt();
  await crm?.close();
  await dialer?.close();
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

async function signedStop(from: string) {
  const { url, init } = twilioSms(localDefaults.TWILIO_AUTH_TOKEN, system.url, from, 'STOP');
  const response = await fetch(url, init);
  expect(response.status).toBe(200);
}

async function until<T>(what: string, probe: () => T | Promise<T>, attempts = 240): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const value = await probe();
    if (value) return value;
    await sleep(250);
  }
  throw new Error(`Timed out waiting for ${what}.`);
}

const INTEGRATIONS_JSON = JSON.stringify([
  { name: 'crm-sync', connector: 'webhook', channels: ['sms', 'email'], settings: { url: '' } },
  { name: 'sms-dialer', connector: 'webhook', channels: ['sms'], settings: { url: '' } },
  { name: 'own-consumer', connector: 'queue', channels: ['voice'] },
]);

async function dlqDepth(sqs: SQSClient, integration: string): Promise<number> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: `integration-${integration}-dlq` }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

const addressesOf = (receiver: WebhookReceiver) => new Set(receiver.received.map((message) => String(message.body.address)));

describe('integrations', () => {
  it('npm start lists each integration with its queue', () => {
    expect(system.output()).toMatch(/crm-sync \(webhook, sms\+email\) → queue integration-crm-sync/);
    expect(system.output()).toMatch(/own-consumer \(queue, voice\) → queue integration-own-consumer \(consumed by your code\)/);
  });

  it('gives every change of the channel to each integration, and trace shows both applied', async () => {
    const first = phone(1000 + (randomBytes(2).readUInt16BE() % 1000));
    await signedStop(first);
    const others = Array.from({ length: 120 }, (_, index) => phone(2000 + index));
    const batch = await call('POST', '/v1/requests/batch', {
      requests: others.map((address) => ({
        requestId: randomBytes(8).toString('hex'),
        kind: 'opt-out',
        channels: ['sms'],
        subject: { phone: address },
        occurredAt: new Date().toISOString(),
        source: 'crm',
      })),
    });
    expect(batch.status).toBeLessThan(300);
    const all = [first, ...others];
    await until('both integrations to receive every change', () => all.every((address) => addressesOf(crm).has(address) && addressesOf(dialer).has(address)));
    expect(crm.forged + dialer.forged).toBe(0);
    for (const receiver of [crm, dialer]) {
      const message = receiver.received.find((entry) => entry.body.address === first)!;
      expect(message.id).toBe(`sms:${first}:v1`);
      expect(message.body).toMatchObject({ type: 'suppression.changed', channel: 'sms', address: first, suppressed: true, version: 1 });
    }

    const person = await call('GET', `/v1/people?phone=${encodeURIComponent(first)}`);
    const states = await until('both acks to be recorded', async () => {
      const history = await call('GET', `/v1/people/${person.body.personId}/history`);
      const timing = history.body.events[0]?.distribution?.[0];
      return timing?.state === 'applied' ? timing : undefined;
    });
    expect(Object.keys(states.acks).sort()).toEqual(['crm-sync', 'sms-dialer']);
    expect(states.integrations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ integration: 'crm-sync', state: 'applied' }),
        expect.objectContaining({ integration: 'sms-dialer', state: 'applied' }),
      ]),
    );
    const described = await call('GET', `/v1/people/${person.body.personId}`);
    expect(
      described.body.suppressions[0].integrations.map((entry: { integration: string; state: string }) => `${entry.integration}:${entry.state}`).sort(),
    ).toEqual(['crm-sync:applied', 'sms-dialer:applied']);
  }, 120_000);

  it('loses nothing while a vendor is down, and drains after it recovers', async () => {
    dialer.setMode({ kind: 'down', retryAfterSeconds: 1 });
    const during = Array.from({ length: 20 }, (_, index) => phone(4000 + index));
    for (const address of during) await signedStop(address);
    await until('the crm to have them all while the dialer is down', () => during.every((address) => addressesOf(crm).has(address)));
    await until('the dialer to have refused some', () => dialer.deferred > 0);
    expect(during.some((address) => addressesOf(dialer).has(address))).toBe(false);
    dialer.setMode({ kind: 'ok' });
    await until('the dialer to catch up', () => during.every((address) => addressesOf(dialer).has(address)));
  }, 120_000);

  it('parks a poison message on its own integration DLQ while the others keep flowing', async () => {
    const sqs = new SQSClient(localClientOptions(`http://localhost:${system.ports.sqs}`));
    try {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'integration-sms-dialer' }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"not":"a suppression change"}' }));
      const after = phone(5000 + (randomBytes(2).readUInt16BE() % 1000));
      await signedStop(after);
      await until('both to receive the next change', () => addressesOf(crm).has(after) && addressesOf(dialer).has(after));
      const { QueueUrl: dlq } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'integration-sms-dialer-dlq' }));
      await until('the poison message on the dialer DLQ', async () => {
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['ApproximateNumberOfMessages'] }));
        return Number(Attributes?.ApproximateNumberOfMessages) === 1;
      });
      expect(await dlqDepth(sqs, 'crm-sync')).toBe(0);
      await sqs.send(new PurgeQueueCommand({ QueueUrl: dlq }));
    } finally {
      sqs.destroy();
    }
  }, 120_000);

  it('parks what a vendor kept refusing on that integration DLQ, and replay-dlq --integration delivers it to that integration only', async () => {
    const sqs = new SQSClient(localClientOptions(`http://localhost:${system.ports.sqs}`));
    try {
      // Retry-After 0: every try fails at once, so the 10 receives before the DLQ take seconds.
      dialer.setMode({ kind: 'down', retryAfterSeconds: 0 });
      const lost = phone(6000 + (randomBytes(2).readUInt16BE() % 1000));
      await signedStop(lost);
      await until('the change on the dialer DLQ', async () => (await dlqDepth(sqs, 'sms-dialer')) === 1);
      expect(addressesOf(crm).has(lost)).toBe(true);
      expect(addressesOf(dialer).has(lost)).toBe(false);
      dialer.setMode({ kind: 'ok' });
      const crmCopies = crm.received.filter((message) => message.body.address === lost).length;

      const replay = spawnSync(process.execPath, ['bin/optout-hub.mjs', 'replay-dlq', '--integration', 'sms-dialer'], {
        encoding: 'utf8',
        env: { ...process.env, DYNAMODB_PORT: String(system.ports.dynamodb), SQS_PORT: String(system.ports.sqs), INTEGRATIONS: INTEGRATIONS_JSON },
      });
      expect(replay.status, replay.stdout + replay.stderr).toBe(0);
      expect(replay.stdout).toMatch(/1 dead letter\(s\): 1 replayed/);
      await until('the dialer to receive the replayed change', () => addressesOf(dialer).has(lost));
      expect(await dlqDepth(sqs, 'sms-dialer')).toBe(0);
      expect(crm.received.filter((message) => message.body.address === lost)).toHaveLength(crmCopies);

      const unknown = spawnSync(process.execPath, ['bin/optout-hub.mjs', 'replay-dlq', '--integration', 'nosuch'], {
        encoding: 'utf8',
        env: { ...process.env, DYNAMODB_PORT: String(system.ports.dynamodb), SQS_PORT: String(system.ports.sqs), INTEGRATIONS: INTEGRATIONS_JSON },
      });
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toMatch(/--integration: "nosuch" is not declared in INTEGRATIONS \(declared: crm-sync, sms-dialer, own-consumer\)/);
    } finally {
      sqs.destroy();
    }
  }, 120_000);
});
