import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem } from '../support/system.js';
import { phoneNumbers } from '../support/phones.js';

/** A dialer's disposition over HTTP to `npm start`'s system, and the pre-send check after it. */

const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-calls-'));
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const TWILIO_TOKEN = 'e2e-twilio-token';
const KEY = 'calls-e2e-key-0123456789';
let system: RunningSystem;

beforeAll(async () => {
  system = await startSystem({
    dataDir,
    env: { DIALER_WEBHOOK_SECRETS: `five9:${SECRET}`, TWILIO_AUTH_TOKEN: TWILIO_TOKEN, API_KEYS: `sender:${KEY}:check` },
  });
});

afterAll(async () => {
  await system?.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

const phone = phoneNumbers('646');
const check = async (channel: string, address: string) =>
  (await (await fetch(`${system.url}/v1/suppressions/${channel}/${encodeURIComponent(address)}`, { headers: { 'x-api-key': KEY } })).json()) as {
    status?: string;
    suppressed?: boolean;
  };

describe('dialer dispositions end to end', () => {
  it('a Five9 "Do Not Call" signed the Standard Webhooks way: receipt, same receipt on retry, voice refused', async () => {
    const number = phone();
    const body = new URLSearchParams({
      'Call.call_id': randomBytes(6).toString('hex'),
      'Call.number': number,
      'Call.disposition_name': 'Do Not Call',
      'Agent.user_name': 'jo',
    }).toString();
    const send = async () => {
      const id = `msg_${randomBytes(8).toString('hex')}`;
      const at = new Date();
      return fetch(`${system.url}/webhooks/calls/five9`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': new Webhook(SECRET).sign(id, at, body),
        },
        body,
      });
    };
    const first = await send();
    expect(first.status).toBe(201);
    const receipt = await first.json();
    expect(receipt).toMatchObject({ outcome: 'suppressed', channels: ['voice'], suppressed: [{ channel: 'voice', address: number }] });
    const again = await send();
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(receipt);
    expect(await check('voice', number)).toMatchObject({ suppressed: true, status: 'suppressed' });
    expect(await check('sms', number)).toMatchObject({ suppressed: false });
  });

  it('a Twilio TaskRouter wrap-up signed with X-Twilio-Signature', async () => {
    const number = phone();
    const params = {
      EventType: 'task.wrapup',
      TaskSid: `WT${randomBytes(16).toString('hex')}`,
      WorkerSid: `WK${randomBytes(16).toString('hex')}`,
      TaskAttributes: JSON.stringify({ from: number, direction: 'inbound', conversations: { outcome: 'Do Not Text' } }),
    };
    const url = `${system.url}/webhooks/calls/twilio`;
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioWebhooks.getExpectedTwilioSignature(TWILIO_TOKEN, url, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ outcome: 'suppressed', channels: ['sms'], suppressed: [{ channel: 'sms', address: number }] });
  });
});
