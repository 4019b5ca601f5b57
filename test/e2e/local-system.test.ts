import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDefaults } from '../../infra/local/runtime.js';
import { localClientOptions } from '../../infra/local/services.js';
import type { SuppressionMessage } from '../../shared/distribution/fanout.js';
import { channelQueues } from '../../shared/platform/resources.js';
import { receiveMessagesFor } from '../support/local-stack.js';
import { dynamoDbLocalPid, failedStart, freePort, startSystem, type RunningSystem } from '../support/system.js';
import { isRunning } from '../support/processes.js';
import { phoneNumbers } from '../support/phones.js';

/**
 * The whole path as a user meets it: `npm start`, a STOP signed the way Twilio signs it, the
 * check API, the SMS queue, and Ctrl-C.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-e2e-'));
let system: RunningSystem;
let sqs: SQSClient;
let smsQueueUrl: string;

function inboundSms(from: string, body: string, messageSid = `SM${randomBytes(16).toString('hex')}`) {
  return {
    ToCountry: 'US',
    SmsMessageSid: messageSid,
    NumMedia: '0',
    SmsSid: messageSid,
    SmsStatus: 'received',
    Body: body,
    To: '+15017250604',
    NumSegments: '1',
    MessageSid: messageSid,
    AccountSid: `AC${randomBytes(16).toString('hex')}`,
    From: from,
    ApiVersion: '2010-04-01',
  };
}

async function postTwilio(params: Record<string, string>, signature?: string, target: RunningSystem = system) {
  const url = `${target.url}/webhooks/sms/twilio`;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const signed = signature ?? twilioWebhooks.getExpectedTwilioSignature(localDefaults.TWILIO_AUTH_TOKEN, url, params);
  if (signed) headers['x-twilio-signature'] = signed;
  return fetch(url, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
}

/** `apiKey` '' sends no key at all. */
async function check(phone: string, apiKey: string = localDefaults.API_KEY, target: RunningSystem = system) {
  return fetch(`${target.url}/v1/suppressions/sms/${encodeURIComponent(phone)}`, {
    headers: apiKey ? { 'x-api-key': apiKey } : {},
  });
}

const randomPhone = phoneNumbers('415');

async function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolveAnswer(true);
    });
    socket.once('error', () => resolveAnswer(false));
  });
}

beforeAll(async () => {
  system = await startSystem({ dataDir });
  sqs = new SQSClient(localClientOptions(`http://127.0.0.1:${system.ports.sqs}`));
  ({ QueueUrl: smsQueueUrl } = (await sqs.send(new GetQueueUrlCommand({ QueueName: channelQueues.sms.name }))) as { QueueUrl: string });
});

afterAll(async () => {
  await system?.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a Twilio STOP through the local system', () => {
  it('prints where everything listens and how to send a sample STOP', () => {
    expect(system.output()).toContain(system.url);
    expect(system.output()).toContain('npm run demo');
    expect(system.output()).toContain(`127.0.0.1:${system.ports.dynamodb}`);
  });

  it('answers 200 with empty TwiML, is suppressed at once, and lands once on the SMS queue', async () => {
    const phone = randomPhone();
    const params = inboundSms(phone, 'Stop');

    const response = await postTwilio(params);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await response.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');

    const answer = await check(phone);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({
      channel: 'sms',
      address: phone,
      suppressed: true,
      version: 1,
      eventId: `sms.twilio.${params.MessageSid}`,
    });

    const retried = await postTwilio(params);
    expect(retried.status).toBe(200);

    // Waits for a second message that must never come.
    const messages = await receiveMessagesFor<SuppressionMessage>(sqs, smsQueueUrl, phone, 2, 6);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      type: 'suppression.changed',
      schemaVersion: 1,
      channel: 'sms',
      status: 'suppressed',
      version: 1,
      eventId: `sms.twilio.${params.MessageSid}`,
    });
    expect(Date.parse(messages[0]!.recordedAt)).not.toBeNaN();
    expect(Date.parse(messages[0]!.since)).not.toBeNaN();
  });

  it('writes nothing for an unsigned or forged request', async () => {
    const phone = randomPhone();
    const unsigned = await postTwilio(inboundSms(phone, 'STOP'), '');
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('content-type')).toBe('application/problem+json');
    expect(await unsigned.json()).toMatchObject({ status: 403, type: expect.stringMatching(/invalid-signature$/) });

    const params = inboundSms(phone, 'STOP');
    const forged = twilioWebhooks.getExpectedTwilioSignature('not-the-auth-token', `${system.url}/webhooks/sms/twilio`, params);
    expect((await postTwilio(params, forged)).status).toBe(403);

    const signedForAnotherNumber = twilioWebhooks.getExpectedTwilioSignature(localDefaults.TWILIO_AUTH_TOKEN, `${system.url}/webhooks/sms/twilio`, {
      ...params,
      From: randomPhone(),
    });
    expect((await postTwilio(params, signedForAnotherNumber)).status).toBe(403);

    expect(await (await check(phone)).json()).toMatchObject({ suppressed: false, version: 0 });
  });

  it('refuses bad input with 400 problem+json and writes nothing', async () => {
    const phone = randomPhone();
    const unknownProvider = await fetch(`${system.url}/webhooks/sms/carrier-pigeon`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Body=STOP',
    });
    expect(unknownProvider.status).toBe(400);
    expect(unknownProvider.headers.get('content-type')).toBe('application/problem+json');

    const noSid = inboundSms(phone, 'STOP');
    const { MessageSid: _sid, SmsSid: _smsSid, SmsMessageSid: _smsMessageSid, ...withoutSid } = noSid;
    expect((await postTwilio(withoutSid)).status).toBe(400);

    const unreadableNumber = await postTwilio(inboundSms('not-a-number', 'STOP'));
    expect(unreadableNumber.status).toBe(400);
    expect(await unreadableNumber.json()).toMatchObject({ type: expect.stringMatching(/invalid-address$/) });

    expect(await (await check(phone)).json()).toMatchObject({ suppressed: false });
  });

  it('requires an API key with the check scope', async () => {
    expect((await check(randomPhone(), '')).status).toBe(401);
    expect((await check(randomPhone(), 'wrong-key')).status).toBe(401);
  });

  it('says the store and the queues answer', async () => {
    const health = await fetch(`${system.url}/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'ok',
      store: { preferences: 'ok', suppressions: 'ok', apiKeys: 'ok', replayGuards: 'ok', registries: 'ok', reassignedAnswers: 'ok' },
      queues: { sms: 'ok', email: 'ok', voice: 'ok', mail: 'ok' },
    });
  });

  it('stops everything on Ctrl-C, Java included, and keeps suppressions across a restart', async () => {
    const phone = randomPhone();
    expect((await postTwilio(inboundSms(phone, 'STOPALL'))).status).toBe(200);

    const { ports } = system;
    expect(await system.interrupt()).toBe(0);
    expect(await portAnswers(ports.dynamodb)).toBe(false);
    expect(await portAnswers(ports.http)).toBe(false);

    system = await startSystem({ dataDir, ports });
    expect(await (await check(phone)).json()).toMatchObject({ suppressed: true, version: 1 });
  });
});

describe('starting when something is wrong', () => {
  it('restarts DynamoDB Local when it dies underneath it: 503 or success meanwhile, never connection refused, then STOPs are checkable', async () => {
    const survivor = await startSystem({ dataDir: join(dataDir, 'survivor') });
    try {
      const java = dynamoDbLocalPid(survivor.ports.dynamodb);
      expect(java).toBeGreaterThan(0);
      process.kill(java!, 'SIGKILL');

      // Bounded: a STOP every 250 ms until one succeeds after the log says the emulator is back.
      const statuses = new Set<number>();
      const deadline = Date.now() + 90_000;
      for (;;) {
        expect(Date.now()).toBeLessThan(deadline);
        const response = await postTwilio(inboundSms(randomPhone(), 'STOP'), undefined, survivor);
        statuses.add(response.status);
        expect([200, 503]).toContain(response.status);
        if (response.status === 503) expect(response.headers.get('content-type')).toBe('application/problem+json');
        await response.arrayBuffer();
        if (response.status === 200 && survivor.output().includes('DynamoDB Local is back')) break;
        await new Promise((resolveWait) => setTimeout(resolveWait, 250));
      }
      expect(statuses).toContain(503);
      expect(survivor.output()).toContain('DynamoDB Local stopped unexpectedly');
      expect(survivor.output()).toContain(`Restarting it on port ${survivor.ports.dynamodb}`);
      expect(survivor.child.exitCode).toBeNull();

      const phone = randomPhone();
      expect((await postTwilio(inboundSms(phone, 'STOP'), undefined, survivor)).status).toBe(200);
      expect(await (await check(phone, localDefaults.API_KEY, survivor)).json()).toMatchObject({ suppressed: true, version: 1 });

      const restarted = dynamoDbLocalPid(survivor.ports.dynamodb);
      expect(restarted).not.toBe(java);
      expect(await survivor.interrupt()).toBe(0);
      expect(restarted !== undefined && isRunning(restarted)).toBe(false);
    } finally {
      if (survivor.child.exitCode === null) await survivor.interrupt().catch(() => undefined);
    }
  });

  it('says in one sentence that a port is busy, and exits', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolveListen) => blocker.listen(port, '127.0.0.1', resolveListen));
    try {
      const { code, output } = await failedStart({
        PORT: String(port),
        DYNAMODB_PORT: String(await freePort()),
        SQS_PORT: String(await freePort()),
        DATA_DIR: join(dataDir, 'unused'),
      });
      expect(code).toBe(1);
      expect(output).toContain(`Port ${port} for the HTTP API is already in use`);
      expect(output).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it('says in one sentence that Java is missing, and exits', async () => {
    const { code, output } = await failedStart({
      PATH: '/nonexistent',
      PORT: String(await freePort()),
      DATA_DIR: join(dataDir, 'unused'),
    });
    expect(code).toBe(1);
    expect(output).toContain('DynamoDB Local needs Java 17 or newer');
    expect(output).not.toMatch(/\n\s+at /);
  });
});
