import { SendMessageCommand, SQSClient, GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDefaults } from '../../infra/local/runtime.js';
import { localClientOptions } from '../../infra/local/services.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/contracts/webhook-receiver.js';
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
  const url = `${system.url}/webhooks/sms/twilio`;
  const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, From: from, To: '+15005550006', Body: 'STOP', AccountSid: `AC${'0'.repeat(32)}` };
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioWebhooks.getExpectedTwilioSignature(localDefaults.TWILIO_AUTH_TOKEN, url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
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
      const { QueueUrl: crmDlq } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'integration-crm-sync-dlq' }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: crmDlq, AttributeNames: ['ApproximateNumberOfMessages'] }));
      expect(Number(Attributes?.ApproximateNumberOfMessages)).toBe(0);
    } finally {
      sqs.destroy();
    }
  }, 120_000);
});
