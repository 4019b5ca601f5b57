import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDefaults } from '../../infra/local/runtime.js';
import { bandwidthMessage, plivoMessage, sinchMessage, telnyxKeys, telnyxMessage, vonageSms, type SignedRequest } from '../support/provider-signing.js';
import { sendSigned, smsSuppressed, startSystem, type RunningSystem } from '../support/system.js';
import { phoneNumbers } from '../support/phones.js';

/** Every SMS provider's STOP, signed the provider's way, through the local system. */

const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-sms-'));
const secrets = {
  VONAGE_SIGNATURE_SECRET: 'vonage-signature-secret-0123',
  PLIVO_AUTH_TOKEN: 'plivo-auth-token-0123456789',
  BANDWIDTH_USERNAME: 'bandwidth-user',
  BANDWIDTH_PASSWORD: 'bandwidth-password-0123',
  SINCH_WEBHOOK_SECRET: 'sinch-webhook-secret-0123',
  SMS_CONFIRMATION_TEXT: 'You are unsubscribed and will get no more messages.',
};
const telnyx = telnyxKeys();
let system: RunningSystem;

beforeAll(async () => {
  system = await startSystem({ dataDir, env: { ...secrets, TELNYX_PUBLIC_KEY: telnyx.publicKey } });
});

afterAll(async () => {
  await system?.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

const phone = phoneNumbers('303');

const send = (request: SignedRequest) => sendSigned(system, request);
const suppressed = (number: string) => smsSuppressed(system, number, localDefaults.API_KEY);

const providers: [string, (from: string, text: string) => SignedRequest][] = [
  ['vonage', (from, text) => vonageSms(secrets.VONAGE_SIGNATURE_SECRET, from, text)],
  ['telnyx', (from, text) => telnyxMessage(telnyx, from, text)],
  // Plivo signs the public URL, known once the system runs.
  ['plivo', (from, text) => plivoMessage(secrets.PLIVO_AUTH_TOKEN, system.url, from, text)],
  ['bandwidth', (from, text) => bandwidthMessage(secrets.BANDWIDTH_USERNAME, secrets.BANDWIDTH_PASSWORD, from, text)],
  ['sinch', (from, text) => sinchMessage(secrets.SINCH_WEBHOOK_SECRET, from, text)],
];

describe.each(providers)('%s', (_name, make) => {
  const request = make;

  it('records a signed STOP, answers 2xx, and the number is suppressed', async () => {
    const number = phone();
    const response = await send(request(number, 'Stop'));
    expect(response.status).toBeGreaterThanOrEqual(200);
    expect(response.status).toBeLessThan(300);
    expect(await suppressed(number)).toBe(true);
  });

  it('acknowledges an ordinary message without suppressing anyone', async () => {
    const number = phone();
    expect((await send(request(number, 'see you at the bus stop'))).status).toBeLessThan(300);
    expect(await suppressed(number)).toBe(false);
  });

  it('refuses a forged request, writing nothing', async () => {
    const number = phone();
    const signed = request(number, 'STOP');
    // The number the forged request names, which must stay allowed: Vonage's GET forgery swaps the
    // signed sender for another number; every other forgery names the signed one.
    let named = number;
    let forged: SignedRequest;
    if (signed.method === 'GET') {
      named = phone();
      const path = signed.path.replace(/msisdn=\d+/, `msisdn=${named.slice(1)}`);
      expect(path).not.toBe(signed.path);
      forged = { ...signed, path };
    } else if (signed.headers.authorization) {
      // Basic credentials do not cover the body, so a Bandwidth forgery is a wrong password.
      forged = { ...signed, headers: { ...signed.headers, authorization: `Basic ${Buffer.from('bandwidth-user:guess').toString('base64')}` } };
    } else {
      forged = { ...signed, body: signed.body!.replace('STOP', 'STOP ') };
    }
    const response = await send(forged);
    expect([401, 403]).toContain(response.status);
    expect(await suppressed(named)).toBe(false);
    expect(await suppressed(number)).toBe(false);
  });
});

describe('plivo confirmation', () => {
  it('answers the first STOP with one Plivo XML message back to the sender, and a repeat with none', async () => {
    const number = phone();
    const first = await send(plivoMessage(secrets.PLIVO_AUTH_TOKEN, system.url, number, 'STOP'));
    expect(first.body).toBe(`<Response><Message src="14155550199" dst="${number.slice(1)}" type="sms">${secrets.SMS_CONFIRMATION_TEXT}</Message></Response>`);
    const repeat = await send(plivoMessage(secrets.PLIVO_AUTH_TOKEN, system.url, number, 'STOP'));
    expect(repeat).toEqual({ status: 200, body: '' });
  });
});

describe('twilio confirmation', () => {
  it('is off unless configured, and then sent once, in TwiML, only for the first STOP', async () => {
    // Twilio's own confirmation flow is covered in local-system.test.ts; here SMS_CONFIRMATION_TEXT is set.
    const twilioWebhooks = (await import('twilio/lib/webhooks/webhooks.js')).default;
    const number = phone();
    const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, From: number, To: '+15017250604', Body: 'STOP' };
    const url = `${system.url}/webhooks/sms/twilio`;
    const post = (body: Record<string, string>) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilioWebhooks.getExpectedTwilioSignature(localDefaults.TWILIO_AUTH_TOKEN, url, body),
        },
        body: new URLSearchParams(body).toString(),
      }).then((response) => response.text());
    expect(await post(params)).toContain(`<Message>${secrets.SMS_CONFIRMATION_TEXT}</Message>`);
    expect(await post(params)).not.toContain('<Message>');
    expect(await post({ ...params, MessageSid: `SM${randomBytes(16).toString('hex')}` })).not.toContain('<Message>');
  });
});
