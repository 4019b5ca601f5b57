import { createHmac } from 'node:crypto';
import { SmsCallbackWebhooks } from '@sinch/sdk-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadRequestError, ConfigurationError, InvalidSignatureError, UnauthenticatedError } from '../../shared/core/errors.js';
import { BASIC_CHALLENGE } from '../../shared/http/basic-auth.js';
import {
  parseSinchCallback,
  sinch,
  SINCH_ALGORITHM_HEADER,
  SINCH_NONCE_HEADER,
  SINCH_SIGNATURE_HEADER,
  SINCH_TIMESTAMP_HEADER,
  SINCH_TOLERANCE_SECONDS,
  sinchSignature,
  verifySinchSignature,
} from '../../shared/intake/sms/providers/sinch.js';
import type { Secrets, WebhookRequest } from '../../shared/http/webhook.js';

const SECRET = 'KayakingTheSwell';
const USERNAME = 'sinch-callbacks';
const PASSWORD = 'a long: random password';
const HMAC: Secrets = { SINCH_WEBHOOK_SECRET: SECRET };
const BASIC: Secrets = { SINCH_USERNAME: USERNAME, SINCH_PASSWORD: PASSWORD };
const BOTH: Secrets = { ...HMAC, ...BASIC };

const NOW = new Date('2026-01-01T12:00:00.000Z');
const TIMESTAMP = String(NOW.getTime() / 1000);
const NONCE = '01FJA8B4A7BM43YGWSG9GBV067';

/** Sinch's documented construction, written independently of the code under test. */
function documentedSignature(secret: string, rawBody: string, nonce: string, timestamp: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(Buffer.from(`${rawBody}.${nonce}.${timestamp}`, 'utf8'))
    .digest('base64');
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

function webhookRequest(rawBody: string, headers: Record<string, string | undefined> = {}): WebhookRequest {
  return { method: 'POST', url: 'https://hub.example.com/webhooks/sms/sinch', query: {}, headers, contentType: 'application/json', rawBody };
}

function signedHeaders(rawBody: string, options: { secret?: string; nonce?: string; timestamp?: string } = {}) {
  const { secret = SECRET, nonce = NONCE, timestamp = TIMESTAMP } = options;
  return {
    [SINCH_SIGNATURE_HEADER]: documentedSignature(secret, rawBody, nonce, timestamp),
    [SINCH_NONCE_HEADER]: nonce,
    [SINCH_TIMESTAMP_HEADER]: timestamp,
    [SINCH_ALGORITHM_HEADER]: 'HmacSHA256',
  };
}

const signedRequest = (rawBody: string, options?: Parameters<typeof signedHeaders>[1]) => webhookRequest(rawBody, signedHeaders(rawBody, options));
const basicRequest = (rawBody: string, authorization = basic(USERNAME, PASSWORD)) => webhookRequest(rawBody, { authorization });

const read = (request: WebhookRequest, secrets: Secrets = HMAC, now = NOW) => sinch.read(request, secrets, now);

/** The reference's Appendix A MO sample (per the SDK model). */
const SAMPLE =
  '{"type":"mo_text","id":"01FC66621VHDBN119Z8Y0S0H5Q","from":"12015555555","to":"12017777777","body":"STOP",' +
  '"received_at":"2026-01-01T12:00:00.000Z","operator_id":"310260"}';

const SAMPLE_MESSAGE = {
  provider: 'sinch',
  messageId: '01FC66621VHDBN119Z8Y0S0H5Q',
  from: '12015555555',
  to: '12017777777',
  text: 'STOP',
  occurredAt: '2026-01-01T12:00:00.000Z',
};

function moText(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'mo_text',
    id: 'mo-1',
    from: '447700900001',
    to: '447700900000',
    body: 'STOP',
    received_at: '2026-01-01T11:59:59.000Z',
    ...fields,
  });
}

function expectProblem(action: () => unknown, type: new (...args: never[]) => Error, status: number): unknown {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(type);
  expect(caught).toMatchObject({ status });
  return caught;
}

function flipByte(rawBody: string, index: number, mask: number): string {
  const bytes = Buffer.from(rawBody, 'utf8');
  bytes[index % bytes.length] = bytes[index % bytes.length]! ^ mask;
  return bytes.toString('utf8');
}

describe('Sinch’s own test vector (sinch-sdk-python, Conversation API webhook tests)', () => {
  // Same construction; Sinch's test shows the timestamp is Unix seconds.
  const secret = 'foo_secret1234';
  const rawBody =
    '{"app_id":"01EB37HMH1M6SV18BSNS3G135H","accepted_time":"2020-11-17T15:09:11.659Z",' +
    '"project_id":"c36f3d3d-1513-2edd-ae42-11995557ff61",' +
    '"message_delivery_report":{"message_id":"01EQBC1A3BEK731GY4YXEN0C2R",' +
    '"conversation_id":"01EPYATA64TMNZ1FV02JKF12JF","status":"QUEUED_ON_CHANNEL",' +
    '"contact_id":"01EXA07N79THJ20WSN6AS30TMW"}}';
  const headers = {
    [SINCH_SIGNATURE_HEADER]: 'Yc+3R1pIS78xLASybulhs8BsSo9BPB3Pr92QCUoczfk=',
    [SINCH_NONCE_HEADER]: '01FJA8B4A7BM43YGWSG9GBV067',
    [SINCH_TIMESTAMP_HEADER]: '1634579353',
  };
  const signedAt = new Date(1634579353 * 1000);

  it('is what both sinchSignature and the documented construction produce', () => {
    expect(sinchSignature(secret, rawBody, headers[SINCH_NONCE_HEADER], headers[SINCH_TIMESTAMP_HEADER])).toBe(headers[SINCH_SIGNATURE_HEADER]);
    expect(documentedSignature(secret, rawBody, headers[SINCH_NONCE_HEADER], headers[SINCH_TIMESTAMP_HEADER])).toBe(headers[SINCH_SIGNATURE_HEADER]);
  });

  it('verifies at the time it was signed, and reads no SMS from it (it is not an mo_text)', () => {
    expect(() => verifySinchSignature(secret, webhookRequest(rawBody, headers), signedAt)).not.toThrow();
    expect(sinch.read(webhookRequest(rawBody, headers), { SINCH_WEBHOOK_SECRET: secret }, signedAt)).toEqual([]);
  });

  it('is refused as a replay today', () => {
    expect(() => verifySinchSignature(secret, webhookRequest(rawBody, headers), NOW)).toThrow(/replay window/);
  });
});

describe('HMAC-signed MO callbacks', () => {
  it('read the reference sample as exactly the message Sinch reported, numbers as sent', () => {
    expect(read(signedRequest(SAMPLE))).toEqual([SAMPLE_MESSAGE]);
  });

  it('read the incoming SMS of Sinch’s SDK tests', () => {
    const raw =
      '{"id":"01W4FFL35P4NC4K35SMSBATCH8","from":"12015555555","to":"12017777777","body":"Hello John! 👋",' +
      '"type":"mo_text","operator_id":"311071","received_at":"2024-06-06T07:52:37.386Z"}';
    expect(read(signedRequest(raw))).toEqual([
      {
        provider: 'sinch',
        messageId: '01W4FFL35P4NC4K35SMSBATCH8',
        from: '12015555555',
        to: '12017777777',
        text: 'Hello John! 👋',
        occurredAt: '2024-06-06T07:52:37.386Z',
      },
    ]);
  });

  it('verify without the algorithm header (Sinch’s Node SDK ignores it) or with it in another case', () => {
    const headers = signedHeaders(SAMPLE);
    expect(read(webhookRequest(SAMPLE, { ...headers, [SINCH_ALGORITHM_HEADER]: undefined }))).toEqual([SAMPLE_MESSAGE]);
    expect(read(webhookRequest(SAMPLE, { ...headers, [SINCH_ALGORITHM_HEADER]: 'hmacsha256' }))).toEqual([SAMPLE_MESSAGE]);
  });

  it('have no occurredAt without received_at, and empty text without a body', () => {
    expect(read(signedRequest(moText({ received_at: undefined, body: undefined })))).toEqual([
      { provider: 'sinch', messageId: 'mo-1', from: '447700900001', to: '447700900000', text: '' },
    ]);
  });

  it.each([-SINCH_TOLERANCE_SECONDS, -1, 0, 1, SINCH_TOLERANCE_SECONDS])('are accepted %i s from now (inside the window)', (offset) => {
    expect(read(signedRequest(SAMPLE, { timestamp: String(Number(TIMESTAMP) + offset) }))).toEqual([SAMPLE_MESSAGE]);
  });
});

describe('callbacks that are not a text message', () => {
  it.each(['delivery_report_sms', 'recipient_delivery_report_sms', 'delivery_report_mms', 'mo_binary', 'mo_media', 'something_new'])(
    'acknowledge a signed %s and read nothing from it',
    (type) => {
      expect(read(signedRequest(moText({ type })))).toEqual([]);
    },
  );

  it('still need a valid signature', () => {
    expect(() => read(signedRequest(moText({ type: 'delivery_report_sms' }), { secret: 'other' }))).toThrow(InvalidSignatureError);
  });
});

describe('HMAC signatures that must be refused (403)', () => {
  it('a body changed after signing', () => {
    const request = signedRequest(SAMPLE);
    expect(() => read({ ...request, rawBody: SAMPLE.replace('12015555555', '12015555556') })).toThrow(InvalidSignatureError);
    expect(() => read({ ...request, rawBody: JSON.stringify(JSON.parse(SAMPLE), null, 1) })).toThrow(InvalidSignatureError);
  });

  it('a signature made with another secret', () => {
    expect(() => read(signedRequest(SAMPLE, { secret: `${SECRET}!` }))).toThrow(InvalidSignatureError);
    expect(() => read(signedRequest(SAMPLE), { SINCH_WEBHOOK_SECRET: 'kayakingtheswell' })).toThrow(InvalidSignatureError);
  });

  it('a nonce or timestamp changed after signing', () => {
    const headers = signedHeaders(SAMPLE);
    expect(() => read(webhookRequest(SAMPLE, { ...headers, [SINCH_NONCE_HEADER]: 'another-nonce' }))).toThrow(InvalidSignatureError);
    expect(() => read(webhookRequest(SAMPLE, { ...headers, [SINCH_TIMESTAMP_HEADER]: String(Number(TIMESTAMP) + 1) }))).toThrow(InvalidSignatureError);
  });

  it('a signature over the parts in another order or with another separator', () => {
    for (const data of [`${NONCE}.${TIMESTAMP}.${SAMPLE}`, `${SAMPLE}.${TIMESTAMP}.${NONCE}`, `${SAMPLE}${NONCE}${TIMESTAMP}`, SAMPLE]) {
      const signature = createHmac('sha256', SECRET).update(data).digest('base64');
      expect(() => read(webhookRequest(SAMPLE, { ...signedHeaders(SAMPLE), [SINCH_SIGNATURE_HEADER]: signature }))).toThrow(InvalidSignatureError);
    }
  });

  it.each([-SINCH_TOLERANCE_SECONDS - 1, SINCH_TOLERANCE_SECONDS + 1, -86_400, 86_400])(
    'a correctly signed request %i s from now (outside the window)',
    (offset) => {
      expect(() => read(signedRequest(SAMPLE, { timestamp: String(Number(TIMESTAMP) + offset) }))).toThrow(/replay window/);
    },
  );

  it.each(['2026-01-01T12:00:00Z', '1767268800000.5', ' 1767268800', '1.7672688e9', '-1', 'now', '12345678901234567890'])(
    'a timestamp of %j, even when that is what was signed',
    (timestamp) => {
      expect(() => read(signedRequest(SAMPLE, { timestamp }))).toThrow(InvalidSignatureError);
    },
  );

  it.each(['HmacSHA1', 'HmacSHA512', 'none', ''])('an algorithm header naming %j', (algorithm) => {
    expect(() => read(webhookRequest(SAMPLE, { ...signedHeaders(SAMPLE), [SINCH_ALGORITHM_HEADER]: algorithm }))).toThrow(InvalidSignatureError);
  });

  const good = documentedSignature(SECRET, SAMPLE, NONCE, TIMESTAMP);
  it.each([
    ['hex-encoded', Buffer.from(good, 'base64').toString('hex')],
    ['unpadded', good.replace(/=+$/, '')],
    ['lower-cased', good.toLowerCase()],
    ['with a trailing space', `${good} `],
    ['doubled', `${good},${good}`],
  ])('a signature that is %s', (_label, signature) => {
    expect(signature).not.toBe(good);
    expect(() => read(webhookRequest(SAMPLE, { ...signedHeaders(SAMPLE), [SINCH_SIGNATURE_HEADER]: signature }))).toThrow(InvalidSignatureError);
  });

  it.each([SINCH_SIGNATURE_HEADER, SINCH_NONCE_HEADER, SINCH_TIMESTAMP_HEADER])('a request without %s', (header) => {
    expectProblem(() => read(webhookRequest(SAMPLE, { ...signedHeaders(SAMPLE), [header]: undefined })), InvalidSignatureError, 403);
  });

  it('an unsigned request, or one with only Basic credentials, when only the HMAC secret is configured', () => {
    expectProblem(() => read(webhookRequest(SAMPLE)), InvalidSignatureError, 403);
    expectProblem(() => read(basicRequest(SAMPLE)), InvalidSignatureError, 403);
  });
});

describe('HTTP Basic', () => {
  it('reads a callback with the configured credentials when only Basic is configured', () => {
    expect(read(basicRequest(SAMPLE), BASIC)).toEqual([SAMPLE_MESSAGE]);
  });

  it.each([
    ['no credentials', webhookRequest(SAMPLE)],
    ['the wrong password', basicRequest(SAMPLE, basic(USERNAME, 'wrong'))],
    ['the wrong username', basicRequest(SAMPLE, basic('someone', PASSWORD))],
    ['a Bearer token', basicRequest(SAMPLE, 'Bearer token')],
    ['only HMAC headers, however well signed', signedRequest(SAMPLE)],
  ])('refuses %s with a 401 that carries the Basic challenge when only Basic is configured', (_label, request) => {
    const error = expectProblem(() => read(request, BASIC), UnauthenticatedError, 401);
    expect(error).toMatchObject({ headers: { 'www-authenticate': BASIC_CHALLENGE } });
  });

  it('checks credentials before reading the body', () => {
    expect(() => read(webhookRequest('not json'), BASIC)).toThrow(UnauthenticatedError);
  });
});

describe('with both HMAC and Basic configured', () => {
  it('a signed request is read on its signature, with or without Basic credentials', () => {
    expect(read(signedRequest(SAMPLE), BOTH)).toEqual([SAMPLE_MESSAGE]);
    expect(read(webhookRequest(SAMPLE, { ...signedHeaders(SAMPLE), authorization: basic(USERNAME, PASSWORD) }), BOTH)).toEqual([SAMPLE_MESSAGE]);
  });

  it('a badly signed request is refused even with the right Basic credentials (no fallback)', () => {
    const headers = { ...signedHeaders(SAMPLE, { secret: 'wrong' }), authorization: basic(USERNAME, PASSWORD) };
    expectProblem(() => read(webhookRequest(SAMPLE, headers), BOTH), InvalidSignatureError, 403);
  });

  it('an unsigned request is read on its Basic credentials, and refused with a 401 without them', () => {
    expect(read(basicRequest(SAMPLE), BOTH)).toEqual([SAMPLE_MESSAGE]);
    expectProblem(() => read(webhookRequest(SAMPLE), BOTH), UnauthenticatedError, 401);
    expectProblem(() => read(basicRequest(SAMPLE, basic(USERNAME, 'nope')), BOTH), UnauthenticatedError, 401);
  });
});

describe('configuration', () => {
  it.each([
    ['nothing', {}],
    ['only SINCH_USERNAME', { SINCH_USERNAME: USERNAME }],
    ['only SINCH_PASSWORD', { SINCH_PASSWORD: PASSWORD }],
    ['empty values', { SINCH_WEBHOOK_SECRET: '', SINCH_USERNAME: '', SINCH_PASSWORD: '' }],
  ] as [string, Secrets][])('refuses every callback when %s is configured (fail closed)', (_label, secrets) => {
    for (const request of [signedRequest(SAMPLE), basicRequest(SAMPLE), webhookRequest(SAMPLE)]) {
      expectProblem(() => read(request, secrets), ConfigurationError, 500);
    }
  });

  it('a half-configured Basic does not stand in for a signature', () => {
    expectProblem(() => read(basicRequest(SAMPLE), { ...HMAC, SINCH_USERNAME: USERNAME }), InvalidSignatureError, 403);
    expect(read(signedRequest(SAMPLE), { ...HMAC, SINCH_USERNAME: USERNAME })).toEqual([SAMPLE_MESSAGE]);
  });

  it('names the secrets it reads and acknowledges with an empty 200', () => {
    expect(sinch.secrets).toEqual(['SINCH_WEBHOOK_SECRET', 'SINCH_USERNAME', 'SINCH_PASSWORD']);
    expect(sinch.acknowledge()).toEqual({ statusCode: 200, headers: {}, body: '' });
    expect(
      sinch.acknowledge({
        text: 'You are unsubscribed.',
        message: { provider: 'test', messageId: 'm1', from: '+14155550100', to: '+14155550199', text: 'STOP' },
      }),
    ).toEqual({ statusCode: 200, headers: {}, body: '' });
  });
});

describe('authenticated bodies that cannot be read (400)', () => {
  it.each([
    ['not JSON', 'STOP'],
    ['an array', `[${SAMPLE}]`],
    ['null', 'null'],
    ['a string', '"mo_text"'],
    ['an mo_text without id', moText({ id: undefined })],
    ['an mo_text with an empty id', moText({ id: '' })],
    ['an mo_text without from', moText({ from: undefined })],
    ['an mo_text with a numeric from', moText({ from: 447700900001 })],
    ['an mo_text without to', moText({ to: undefined })],
  ])('%s', (_label, raw) => {
    expect(() => read(signedRequest(raw))).toThrow(BadRequestError);
  });

  it('parseSinchCallback reads the same fields as the provider', () => {
    expect(parseSinchCallback(SAMPLE)).toEqual([SAMPLE_MESSAGE]);
  });
});

describe('properties', () => {
  const texts = fc.string({ unit: 'binary', maxLength: 200 });
  const nonces = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
  const secrets = fc.string({ unit: 'binary', minLength: 1, maxLength: 64 });

  it('any text, signed as documented, verifies and is read back; any single-byte change of the body is refused', () => {
    fc.assert(
      fc.property(
        texts,
        secrets,
        nonces,
        fc.integer({ min: -300, max: 300 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (text, secret, nonce, skew, index, mask) => {
          const raw = moText({ body: text });
          const request = signedRequest(raw, { secret, nonce, timestamp: String(Number(TIMESTAMP) + skew) });
          expect(read(request, { SINCH_WEBHOOK_SECRET: secret })).toEqual([
            { provider: 'sinch', messageId: 'mo-1', from: '447700900001', to: '447700900000', text, occurredAt: '2026-01-01T11:59:59.000Z' },
          ]);
          expect(() => read({ ...request, rawBody: flipByte(raw, index, mask) }, { SINCH_WEBHOOK_SECRET: secret })).toThrow(InvalidSignatureError);
        },
      ),
    );
  });
});

describe('agreement with Sinch’s SDK verifier (SmsCallbackWebhooks, @sinch/sdk-core 1.4.0)', () => {
  it('accepts the reference sample signed as documented, as we do', () => {
    const headers = signedHeaders(SAMPLE);
    expect(new SmsCallbackWebhooks(SECRET).validateAuthenticationHeader(headers, SAMPLE)).toBe(true);
    expect(read(webhookRequest(SAMPLE, headers))).toEqual([SAMPLE_MESSAGE]);
  });

  it('agrees with us on arbitrary signed or tampered bodies, secrets and nonces (inside the window)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }),
        fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }),
        fc.boolean(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (text, secret, nonce, tamper, index, mask) => {
          const raw = moText({ body: text });
          const headers = signedHeaders(raw, { secret, nonce });
          const rawBody = tamper ? flipByte(raw, index, mask) : raw;
          const sdkAccepts = new SmsCallbackWebhooks(secret).validateAuthenticationHeader(headers, rawBody);
          let weAccept = true;
          try {
            read(webhookRequest(rawBody, headers), { SINCH_WEBHOOK_SECRET: secret });
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidSignatureError);
            weAccept = false;
          }
          expect(weAccept).toBe(sdkAccepts);
          expect(weAccept).toBe(!tamper);
        },
      ),
    );
  });

  it('where the SDK checks no time window, we refuse a stale signature it accepts', () => {
    const timestamp = String(Number(TIMESTAMP) - 3600);
    const headers = signedHeaders(SAMPLE, { timestamp });
    expect(new SmsCallbackWebhooks(SECRET).validateAuthenticationHeader(headers, SAMPLE)).toBe(true);
    expect(() => read(webhookRequest(SAMPLE, headers))).toThrow(/replay window/);
  });
});
