import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { TelnyxWebhook } from 'telnyx/lib/webhooks';
import { describe, expect, it } from 'vitest';
import { BadRequestError, ConfigurationError, InvalidSignatureError } from '../../shared/core/errors.js';
import {
  ED25519_SPKI_PREFIX,
  parseTelnyxEvent,
  telnyx,
  TELNYX_SIGNATURE_HEADER,
  TELNYX_TIMESTAMP_HEADER,
  TELNYX_TOLERANCE_SECONDS,
  telnyxPublicKey,
  verifyTelnyxSignature,
} from '../../shared/intake/sms/providers/telnyx.js';
import type { WebhookRequest } from '../../shared/http/webhook.js';

/** A Telnyx account's key pair; the public half as Mission Control shows it (raw 32 bytes, base64). */
function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, spki, raw: spki.subarray(-32).toString('base64'), pem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

const account = keyPair();
const other = keyPair();

const NOW = new Date('2026-01-01T12:00:00.000Z');
const TIMESTAMP = String(NOW.getTime() / 1000); // 1767268800, as in the reference's sample

/** Telnyx's documented scheme, written independently of the code under test. */
function telnyxSignature(privateKey: KeyObject, timestamp: string, rawBody: string): string {
  return sign(null, Buffer.from(`${timestamp}|${rawBody}`, 'utf8'), privateKey).toString('base64');
}

function webhookRequest(rawBody: string, headers: Record<string, string | undefined>): WebhookRequest {
  return { method: 'POST', url: 'https://hub.example.com/webhooks/sms/telnyx', query: {}, headers, contentType: 'application/json', rawBody };
}

function signedRequest(rawBody: string, options: { timestamp?: string; privateKey?: KeyObject } = {}): WebhookRequest {
  const timestamp = options.timestamp ?? TIMESTAMP;
  return webhookRequest(rawBody, {
    [TELNYX_SIGNATURE_HEADER]: telnyxSignature(options.privateKey ?? account.privateKey, timestamp, rawBody),
    [TELNYX_TIMESTAMP_HEADER]: timestamp,
  });
}

/** The provider reading `request` with `key` as TELNYX_PUBLIC_KEY (null: not configured). */
const read = (request: WebhookRequest, key: string | null = account.raw, now = NOW) =>
  telnyx.read(request, key === null ? {} : { TELNYX_PUBLIC_KEY: key }, now);

const texts = fc.string({ unit: 'binary', maxLength: 200 });

/** The reference's Appendix A `message.received` sample, as Telnyx would send it (one line). */
const SAMPLE =
  '{"data":{"record_type":"event","id":"bf6307bd-884d-4c1f-b6ea-c62b8c495d3c","event_type":"message.received",' +
  '"occurred_at":"2019-01-23T18:10:02.574Z","payload":{"record_type":"message","direction":"inbound",' +
  '"id":"7ee4241c-f127-47e5-9c34-3aac291f8058","type":"SMS","messaging_profile_id":"0f512bda-ae1e-4597-8e11-e5f5686b97d3",' +
  '"from":{"phone_number":"+18665550001","carrier":"T-MOBILE USA, INC.","line_type":"Wireless"},' +
  '"to":[{"phone_number":"+18445550001","status":"delivered","carrier":"TELNYX LLC","line_type":"VoIP"}],' +
  '"cc":[],"text":"Hello, World!","media":[],"encoding":"GSM-7","parts":1,"tags":["Greetings"]}},' +
  '"meta":{"attempt":1,"delivered_to":"https://www.example.com/hooks"}}';

const SAMPLE_MESSAGE = {
  provider: 'telnyx',
  messageId: '7ee4241c-f127-47e5-9c34-3aac291f8058',
  from: '+18665550001',
  to: '+18445550001',
  text: 'Hello, World!',
  occurredAt: '2019-01-23T18:10:02.574Z',
};

/** A message.received event with the given payload fields (over a minimal valid one). */
function event(payload: Record<string, unknown> = {}, data: Record<string, unknown> = {}): string {
  return JSON.stringify({
    data: {
      event_type: 'message.received',
      id: 'ev-1',
      occurred_at: '2026-01-01T11:59:58.000Z',
      ...data,
      payload: {
        direction: 'inbound',
        id: 'msg-1',
        from: { phone_number: '+14155550100' },
        to: [{ phone_number: '+14155550199' }],
        text: 'STOP',
        ...payload,
      },
    },
  });
}

/** Flips the bits of `mask` in byte `index` of a base64 value. */
function flipBase64(value: string, index: number, mask: number): string {
  const bytes = Buffer.from(value, 'base64');
  bytes[index % bytes.length] = bytes[index % bytes.length]! ^ mask;
  return bytes.toString('base64');
}

/** The body with byte `index` of its UTF-8 encoding XORed with `mask` (a single-byte change). */
function flipByte(rawBody: string, index: number, mask: number): string {
  const bytes = Buffer.from(rawBody, 'utf8');
  bytes[index % bytes.length] = bytes[index % bytes.length]! ^ mask;
  return bytes.toString('utf8');
}

describe('keys', () => {
  it('the raw public key is the last 32 bytes of the SPKI DER, after the RFC 8410 prefix', () => {
    expect(account.spki).toHaveLength(44);
    expect(account.spki.subarray(0, 12).equals(ED25519_SPKI_PREFIX)).toBe(true);
  });

  it('accepts the base64 raw key and a PEM public key, which verify alike', () => {
    for (const key of [account.raw, account.pem, `  ${account.raw}\n`]) {
      expect(read(signedRequest(SAMPLE), key)).toEqual([SAMPLE_MESSAGE]);
    }
  });

  it.each([
    ['missing', null],
    ['empty', ''],
  ])('refuses every request when TELNYX_PUBLIC_KEY is %s (fail closed)', (_label, key) => {
    expect(() => read(signedRequest(SAMPLE), key)).toThrow(ConfigurationError);
    expect(() => read(webhookRequest(SAMPLE, {}), key)).toThrow(/TELNYX_PUBLIC_KEY is not configured/);
  });

  it.each([
    ['31 bytes', Buffer.alloc(31, 1).toString('base64')],
    ['33 bytes', Buffer.alloc(33, 1).toString('base64')],
    ['the whole SPKI DER', account.spki.toString('base64')],
    ['hex', Buffer.from(account.raw, 'base64').toString('hex')],
    ['not base64', 'not a key!'],
    ['a broken PEM', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'],
    ['an RSA PEM', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }).toString()],
    ['an EC PEM', generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString()],
  ])('treats a TELNYX_PUBLIC_KEY that is %s as a configuration error, not a bad request', (_label, key) => {
    expect(() => telnyxPublicKey(key)).toThrow(ConfigurationError);
    expect(() => read(signedRequest(SAMPLE), key)).toThrow(ConfigurationError);
  });
});

describe('a correctly signed message.received', () => {
  it('is read as exactly the message Telnyx reported (occurred_at standing in for received_at)', () => {
    expect(read(signedRequest(SAMPLE))).toEqual([SAMPLE_MESSAGE]);
  });

  it('takes payload.received_at over data.occurred_at', () => {
    const body = event({ received_at: '2026-01-01T11:59:57.123Z' });
    expect(read(signedRequest(body))).toEqual([
      { provider: 'telnyx', messageId: 'msg-1', from: '+14155550100', to: '+14155550199', text: 'STOP', occurredAt: '2026-01-01T11:59:57.123Z' },
    ]);
  });

  it('has no occurredAt when Telnyx gives no time', () => {
    const [message] = read(signedRequest(event({}, { occurred_at: undefined })));
    expect(message).toEqual({ provider: 'telnyx', messageId: 'msg-1', from: '+14155550100', to: '+14155550199', text: 'STOP' });
  });

  it('reads an absent or non-string text as empty (an MMS with only media)', () => {
    expect(read(signedRequest(event({ text: undefined })))[0]!.text).toBe('');
    expect(read(signedRequest(event({ text: null })))[0]!.text).toBe('');
  });

  it('reads unicode text and the first recipient', () => {
    const body = event({ text: 'Stop ✋ 日本語 😀', to: [{ phone_number: '+14155550199' }, { phone_number: '+14155550198' }] });
    expect(read(signedRequest(body))[0]).toMatchObject({ text: 'Stop ✋ 日本語 😀', to: '+14155550199' });
  });

  it.each([-TELNYX_TOLERANCE_SECONDS, -1, 0, 1, TELNYX_TOLERANCE_SECONDS])('is accepted %i s from now (inside the window)', (offset) => {
    const timestamp = String(Number(TIMESTAMP) + offset);
    expect(read(signedRequest(SAMPLE, { timestamp }))).toEqual([SAMPLE_MESSAGE]);
  });
});

describe('events that are not an inbound message', () => {
  it.each(['message.sent', 'message.finalized', 'message.failed', 'call.initiated', 'something.new'])(
    'acknowledges a signed %s event and reads no message from it',
    (eventType) => {
      expect(read(signedRequest(event({}, { event_type: eventType })))).toEqual([]);
    },
  );

  it.each(['outbound', undefined, 'INBOUND'])('reads nothing from a message.received whose direction is %j', (direction) => {
    expect(read(signedRequest(event({ direction })))).toEqual([]);
  });

  it('still verifies their signature first', () => {
    const body = event({}, { event_type: 'message.sent' });
    expect(() => read(signedRequest(body, { privateKey: other.privateKey }))).toThrow(InvalidSignatureError);
  });
});

describe('signatures that must be refused (403)', () => {
  it('a body changed after signing', () => {
    const request = signedRequest(SAMPLE);
    const tampered = { ...request, rawBody: SAMPLE.replace('Hello, World!', 'STOP') };
    expect(() => read(tampered)).toThrow(InvalidSignatureError);
  });

  it('a body re-serialized after signing (same JSON, other bytes)', () => {
    const request = signedRequest(SAMPLE);
    expect(() => read({ ...request, rawBody: JSON.stringify(JSON.parse(SAMPLE), null, 2) })).toThrow(InvalidSignatureError);
    expect(() => read({ ...request, rawBody: `${SAMPLE}\n` })).toThrow(InvalidSignatureError);
  });

  it('a signature made with another key', () => {
    expect(() => read(signedRequest(SAMPLE, { privateKey: other.privateKey }))).toThrow(InvalidSignatureError);
  });

  it('a valid signature checked against another configured key', () => {
    expect(() => read(signedRequest(SAMPLE), other.raw)).toThrow(InvalidSignatureError);
  });

  it('a timestamp header changed after signing (a replay made to look fresh)', () => {
    const old = signedRequest(SAMPLE, { timestamp: String(Number(TIMESTAMP) - 3600) });
    const refreshed = { ...old, headers: { ...old.headers, [TELNYX_TIMESTAMP_HEADER]: TIMESTAMP } };
    expect(() => read(refreshed)).toThrow(InvalidSignatureError);
  });

  it('a signature over the body alone, or with another separator', () => {
    for (const signed of [SAMPLE, `${TIMESTAMP}.${SAMPLE}`, `${TIMESTAMP}${SAMPLE}`]) {
      const signature = sign(null, Buffer.from(signed), account.privateKey).toString('base64');
      const request = webhookRequest(SAMPLE, { [TELNYX_SIGNATURE_HEADER]: signature, [TELNYX_TIMESTAMP_HEADER]: TIMESTAMP });
      expect(() => read(request)).toThrow(InvalidSignatureError);
    }
  });

  it.each([-TELNYX_TOLERANCE_SECONDS - 1, TELNYX_TOLERANCE_SECONDS + 1, -86_400, 86_400, -Number(TIMESTAMP)])(
    'a correctly signed request %i s from now (outside the window)',
    (offset) => {
      const timestamp = String(Number(TIMESTAMP) + offset);
      expect(() => read(signedRequest(SAMPLE, { timestamp }))).toThrow(InvalidSignatureError);
      expect(() => read(signedRequest(SAMPLE, { timestamp }))).toThrow(/replay window/);
    },
  );

  it.each(['', ' 1767268800', '1767268800 ', '1767268800.0', '1.7672688e9', '-1767268800', '0x6955', 'yesterday', '99999999999999999999'])(
    'a timestamp header of %j, even when that is what was signed',
    (timestamp) => {
      expect(() => read(signedRequest(SAMPLE, { timestamp }))).toThrow(InvalidSignatureError);
    },
  );

  it.each([
    ['the signature header missing', { [TELNYX_TIMESTAMP_HEADER]: TIMESTAMP }],
    ['the timestamp header missing', { [TELNYX_SIGNATURE_HEADER]: telnyxSignature(account.privateKey, TIMESTAMP, SAMPLE) }],
    ['no headers', {}],
    ['an empty signature', { [TELNYX_SIGNATURE_HEADER]: '', [TELNYX_TIMESTAMP_HEADER]: TIMESTAMP }],
  ])('%s', (_label, headers) => {
    expect(() => read(webhookRequest(SAMPLE, headers))).toThrow(InvalidSignatureError);
  });

  it('reports a missing signature as a 403 invalid-signature problem', () => {
    let caught: unknown;
    try {
      read(webhookRequest(SAMPLE, {}));
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ status: 403, slug: 'invalid-signature' });
  });

  const good = telnyxSignature(account.privateKey, TIMESTAMP, SAMPLE);
  it.each([
    ['one byte flipped', flipBase64(good, 10, 0x01)],
    ['truncated', Buffer.from(good, 'base64').subarray(0, 63).toString('base64')],
    ['extended', Buffer.concat([Buffer.from(good, 'base64'), Buffer.alloc(1)]).toString('base64')],
    ['hex-encoded', Buffer.from(good, 'base64').toString('hex')],
    ['unpadded', good.replace(/=+$/, '')],
    // Node's base64url has no padding, so it differs from `good` whatever bytes the key produced.
    ['base64url', Buffer.from(good, 'base64').toString('base64url')],
    ['with a trailing space', `${good} `],
    ['all zeros', Buffer.alloc(64).toString('base64')],
  ])('a signature that is %s', (_label, signature) => {
    expect(signature).not.toBe(good);
    const request = webhookRequest(SAMPLE, { [TELNYX_SIGNATURE_HEADER]: signature, [TELNYX_TIMESTAMP_HEADER]: TIMESTAMP });
    expect(() => read(request)).toThrow(InvalidSignatureError);
  });
});

describe('validly signed bodies that cannot be read (400)', () => {
  it.each([
    ['not JSON', 'STOP'],
    ['a JSON array', '[]'],
    ['without data', '{"meta":{}}'],
    ['a message.received without a payload', '{"data":{"event_type":"message.received"}}'],
  ])('%s', (_label, body) => {
    expect(() => read(signedRequest(body))).toThrow(BadRequestError);
  });

  it.each([
    ['no id', { id: undefined }],
    ['an empty id', { id: '' }],
    ['a numeric id', { id: 42 }],
    ['no from', { from: undefined }],
    ['a from without phone_number', { from: {} }],
    ['a from that is a bare string', { from: '+14155550100' }],
    ['no to', { to: undefined }],
    ['an empty to', { to: [] }],
    ['a to that is an object, not a list', { to: { phone_number: '+14155550199' } }],
  ])('a message.received with %s', (_label, payload) => {
    expect(() => read(signedRequest(event(payload)))).toThrow(BadRequestError);
  });

  it('parseTelnyxEvent reads the same fields as the provider', () => {
    expect(parseTelnyxEvent(SAMPLE)).toEqual([SAMPLE_MESSAGE]);
  });
});

describe('acknowledge', () => {
  it('is a 200 with an empty body, whatever reply is asked for', () => {
    expect(telnyx.acknowledge()).toEqual({ statusCode: 200, headers: {}, body: '' });
    expect(
      telnyx.acknowledge({
        text: 'You are unsubscribed.',
        message: { provider: 'test', messageId: 'm1', from: '+14155550100', to: '+14155550199', text: 'STOP' },
      }),
    ).toEqual({ statusCode: 200, headers: {}, body: '' });
    expect(telnyx.secrets).toEqual(['TELNYX_PUBLIC_KEY']);
  });
});

describe('properties', () => {
  it('any text, signed as documented, verifies and is read back; any single-byte change of the body is refused', () => {
    fc.assert(
      fc.property(texts, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.integer({ min: -300, max: 300 }), (text, index, mask, skew) => {
        const body = event({ text });
        const request = signedRequest(body, { timestamp: String(Number(TIMESTAMP) + skew) });
        expect(read(request)).toEqual([
          { provider: 'telnyx', messageId: 'msg-1', from: '+14155550100', to: '+14155550199', text, occurredAt: '2026-01-01T11:59:58.000Z' },
        ]);
        const tampered = flipByte(body, index, mask);
        expect(() => read({ ...request, rawBody: tampered })).toThrow(InvalidSignatureError);
      }),
    );
  });

  it('any single-byte change of the signature is refused', () => {
    const request = signedRequest(SAMPLE);
    fc.assert(
      fc.property(fc.nat({ max: 63 }), fc.integer({ min: 1, max: 255 }), (index, mask) => {
        const signature = flipBase64(request.headers[TELNYX_SIGNATURE_HEADER]!, index, mask);
        expect(() =>
          verifyTelnyxSignature(telnyxPublicKey(account.raw), { ...request, headers: { ...request.headers, [TELNYX_SIGNATURE_HEADER]: signature } }, NOW),
        ).toThrow(InvalidSignatureError);
      }),
    );
  });
});

describe('agreement with the telnyx SDK verifier (TelnyxWebhook, telnyx 7.24.0)', () => {
  // The SDK checks its window against the real clock, so these requests are signed for now.
  const nowSeconds = () => String(Math.floor(Date.now() / 1000));
  const sdk = new TelnyxWebhook(account.raw);

  it('accepts the reference sample signed as documented, as we do', async () => {
    const timestamp = nowSeconds();
    const request = signedRequest(SAMPLE, { timestamp });
    await expect(sdk.verify(SAMPLE, request.headers as Record<string, string>)).resolves.toBeUndefined();
    expect(read(request, account.raw, new Date(Number(timestamp) * 1000))).toEqual([SAMPLE_MESSAGE]);
  });

  it('agrees with us on arbitrary bodies, signed or tampered with', async () => {
    await fc.assert(
      fc.asyncProperty(texts, fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (text, tamper, index, mask) => {
        const timestamp = nowSeconds();
        const body = event({ text });
        const request = signedRequest(body, { timestamp });
        const rawBody = tamper ? flipByte(body, index, mask) : body;
        const sdkAccepts = await sdk.verify(rawBody, request.headers as Record<string, string>).then(
          () => true,
          () => false,
        );
        let weAccept = true;
        try {
          read({ ...request, rawBody }, account.raw, new Date(Number(timestamp) * 1000));
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidSignatureError);
          weAccept = false;
        }
        expect(weAccept).toBe(sdkAccepts);
        expect(weAccept).toBe(!tamper);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects, as we do, a signature by another key and a stale timestamp', async () => {
    const timestamp = nowSeconds();
    const forged = signedRequest(SAMPLE, { timestamp, privateKey: other.privateKey });
    await expect(sdk.verify(SAMPLE, forged.headers as Record<string, string>)).rejects.toThrow();
    const stale = String(Number(timestamp) - TELNYX_TOLERANCE_SECONDS - 5);
    await expect(sdk.verify(SAMPLE, signedRequest(SAMPLE, { timestamp: stale }).headers as Record<string, string>)).rejects.toThrow(/too old/);
    expect(() => read(signedRequest(SAMPLE, { timestamp: stale }), account.raw, new Date(Number(timestamp) * 1000))).toThrow(InvalidSignatureError);
  });
});
