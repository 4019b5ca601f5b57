import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDefaults } from '../../infra/local/runtime.js';
import { telnyxKeys, telnyxMessage, vonageSms, type SignedRequest } from '../support/provider-signing.js';
import { sendSigned, smsSuppressed, startSystem, type RunningSystem } from '../support/system.js';
import { phoneNumbers } from '../support/phones.js';

/**
 * The opt-out confirmation sent through a provider's REST API, through the local system: the
 * provider API base URLs point at a small HTTP server here that records what it is sent.
 */

const CONFIRMATION = 'Acme: you are unsubscribed and will receive no more messages.';
const TELNYX_API_KEY = 'KEY-e2e-telnyx-0123456789';
const VONAGE_SIGNATURE_SECRET = 'vonage-signature-secret-e2e';
const OUR_TELNYX_NUMBER = '+18445550001'; // the `to` of provider-signing's Telnyx messages

interface ApiRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const dataDir = mkdtempSync(join(tmpdir(), 'optout-hub-confirmations-'));
const telnyx = telnyxKeys();
const received: ApiRequest[] = [];
/** Numbers whose confirmation the fake API refuses (500) or never answers. */
const refused = new Set<string>();
const unanswered = new Set<string>();
let providerApi: Server;
let system: RunningSystem;

function fakeProviderApi(request: IncomingMessage, response: ServerResponse) {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    received.push({ method: request.method!, path: request.url!, headers: request.headers, body });
    const to = (() => {
      try {
        return String((JSON.parse(body) as { to?: unknown }).to);
      } catch {
        return '';
      }
    })();
    if (unanswered.has(to)) return; // held open until the server closes
    if (refused.has(to)) {
      response.writeHead(500, { 'content-type': 'application/json' }).end(`{"errors":[{"title":"Internal error","detail":"${to} failed"}]}`);
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(`{"data":{"record_type":"message","id":"${randomBytes(8).toString('hex')}"}}`);
  });
}

beforeAll(async () => {
  providerApi = createServer(fakeProviderApi);
  await new Promise<void>((resolve) => providerApi.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(providerApi.address() as { port: number }).port}`;
  system = await startSystem({
    dataDir,
    env: {
      TELNYX_PUBLIC_KEY: telnyx.publicKey,
      TELNYX_API_KEY,
      VONAGE_SIGNATURE_SECRET,
      SMS_CONFIRMATION_TEXT: CONFIRMATION,
      SMS_REPLY_API_BASE_TELNYX: base,
      // Vonage would reply through the same fake API, but has no reply credentials configured.
      SMS_REPLY_API_BASE_VONAGE: base,
      SMS_REPLY_TIMEOUT_MS: '400',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    },
  });
});

afterAll(async () => {
  await system?.interrupt();
  providerApi?.closeAllConnections();
  await new Promise((resolve) => providerApi?.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

const phone = phoneNumbers('720');

const send = (request: SignedRequest) => sendSigned(system, request);
const suppressed = (number: string) => smsSuppressed(system, number, localDefaults.API_KEY);

/** Confirmations the fake API was asked to send to `number` (the webhook waits for the send). */
const sentTo = (number: string) => received.filter((request) => request.body.includes(number));

describe('Telnyx STOP with reply credentials configured', () => {
  it('sends exactly one confirmation, with the configured text, from the number texted to the sender', async () => {
    const number = phone();
    expect(await send(telnyxMessage(telnyx, number, 'STOP'))).toEqual({ status: 200, body: '' });
    expect(sentTo(number)).toHaveLength(1);
    const [request] = sentTo(number);
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/v2/messages');
    expect(request!.headers.authorization).toBe(`Bearer ${TELNYX_API_KEY}`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toEqual({ from: OUR_TELNYX_NUMBER, to: number, text: CONFIRMATION });
    expect(await suppressed(number)).toBe(true);
  });

  it('sends none for a repeated STOP, nor for the same webhook retried', async () => {
    const number = phone();
    const first = telnyxMessage(telnyx, number, 'STOP');
    await send(first);
    expect(await send(first)).toEqual({ status: 200, body: '' }); // the provider's retry
    expect(await send(telnyxMessage(telnyx, number, 'stop'))).toEqual({ status: 200, body: '' }); // the person again
    expect(sentTo(number)).toHaveLength(1);
  });

  it('sends none for an ordinary message', async () => {
    const number = phone();
    expect((await send(telnyxMessage(telnyx, number, 'see you at the bus stop'))).status).toBe(200);
    expect(sentTo(number)).toHaveLength(0);
  });

  it('still answers 200 with the opt-out recorded when the provider API fails or does not answer, logging without the number', async () => {
    const failing = phone();
    const silent = phone();
    refused.add(failing);
    unanswered.add(silent);
    expect(await send(telnyxMessage(telnyx, failing, 'STOP'))).toEqual({ status: 200, body: '' });
    expect(await send(telnyxMessage(telnyx, silent, 'STOP'))).toEqual({ status: 200, body: '' });
    expect(sentTo(failing)).toHaveLength(1);
    expect(sentTo(silent)).toHaveLength(1);
    expect(await suppressed(failing)).toBe(true);
    expect(await suppressed(silent)).toBe(true);
    const warnings = system
      .output()
      .split('\n')
      .filter((line) => line.includes('confirmation not sent'));
    expect(warnings.some((line) => line.includes('"reason":"rejected"') && line.includes('"httpStatus":500'))).toBe(true);
    expect(warnings.some((line) => line.includes('"reason":"timeout"'))).toBe(true);
    for (const number of [failing, silent]) expect(system.output()).not.toContain(number.slice(2));
  });
});

describe('a provider without reply credentials', () => {
  it('records the STOP and attempts no reply, saying so once', async () => {
    const before = received.length;
    for (const number of [phone(), phone()]) {
      expect((await send(vonageSms(VONAGE_SIGNATURE_SECRET, number, 'STOP'))).status).toBe(200);
      expect(await suppressed(number)).toBe(true);
    }
    expect(received.length).toBe(before);
    const notices = system
      .output()
      .split('\n')
      .filter((line) => line.includes('confirmations are off for this provider') && line.includes('vonage'));
    expect(notices).toHaveLength(1);
  });
});
