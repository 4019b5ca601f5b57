import { createHash, createHmac } from 'node:crypto';
import { AlgorithmTypes } from '@vonage/auth';
import { verifySignature as vonageJwtVerifySignature } from '@vonage/jwt';
import { SMS } from '@vonage/sms';
import fc from 'fast-check';
import jsonwebtoken from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { BadRequestError, ConfigurationError, InvalidSignatureError } from '../../shared/core/errors.js';
import type { Secrets, WebhookRequest } from '../../shared/http/webhook.js';
import {
  parseVonageMessage,
  parseVonageSmsInbound,
  verifyVonageJwt,
  verifyVonageSmsSignature,
  vonage,
  vonageSignatureMethod,
  type VonageSignatureMethod,
} from '../../shared/intake/sms/providers/vonage.js';

type Params = Record<string, string>;

const SECRET = 'vonage-signature-secret-0123456789abcdef';
const URL = 'https://hub.example.com/webhooks/sms/vonage';
/** 2026-01-01 12:00:00 UTC, the time of the reference sample. */
const NOW = new Date('2026-01-01T12:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const METHODS: VonageSignatureMethod[] = ['md5hash', 'md5hmac', 'sha1hmac', 'sha256hmac', 'sha512hmac'];
/** The `@vonage/auth` names of the same methods, for the SDK cross-check. */
const SDK_ALGORITHM: Record<VonageSignatureMethod, AlgorithmTypes> = {
  md5hash: AlgorithmTypes.md5hash,
  md5hmac: AlgorithmTypes.md5hmac,
  sha1hmac: AlgorithmTypes.sha1hmac,
  sha256hmac: AlgorithmTypes.sha256hmac,
  sha512hmac: AlgorithmTypes.sha512hmac,
};
const sdk = new SMS({ apiKey: 'abcd1234', apiSecret: 'not-used-here' });

/**
 * Vonage's documented SMS API signature, written here from the docs rather than taken from the
 * code under test: drop `sig`, sort by name, append `&name=value` with every `&` and `=` in a
 * value replaced by `_`; md5hash is MD5 of that string with the secret appended, the others an
 * HMAC of it keyed by the secret; hex.
 */
function documentedSig(params: Params, secret: string, method: VonageSignatureMethod): string {
  let data = '';
  for (const name of Object.keys(params).sort()) {
    if (name !== 'sig') data += `&${name}=${params[name]!.replaceAll('&', '_').replaceAll('=', '_')}`;
  }
  if (method === 'md5hash')
    return createHash('md5')
      .update(Buffer.from(data + secret, 'utf8'))
      .digest('hex');
  const hash = { md5hmac: 'md5', sha1hmac: 'sha1', sha256hmac: 'sha256', sha512hmac: 'sha512' }[method];
  return createHmac(hash, secret).update(Buffer.from(data, 'utf8')).digest('hex');
}

function signed(params: Params, method: VonageSignatureMethod = 'md5hash', secret = SECRET): Params {
  return { ...params, sig: documentedSig(params, secret, method) };
}

/** The SMS API sample of the reference (Appendix A), signed at NOW. */
const INBOUND: Params = {
  msisdn: '447700900001',
  to: '447700900000',
  messageId: '0A0000000123ABCD1',
  text: 'STOP',
  type: 'text',
  keyword: 'STOP',
  'api-key': 'abcd1234',
  'message-timestamp': '2026-01-01 12:00:00',
  timestamp: String(NOW_SECONDS),
  nonce: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
};

const EXPECTED_SMS = {
  provider: 'vonage',
  messageId: '0A0000000123ABCD1',
  from: '447700900001',
  to: '447700900000',
  text: 'STOP',
  occurredAt: '2026-01-01T12:00:00.000Z',
};

/** Requests as shared/http/request.ts webhookRequest builds them. */
const transports = {
  GET: (params: Params): WebhookRequest => {
    const query = new URLSearchParams(params).toString();
    return {
      method: 'GET',
      url: `${URL}?${query}`,
      query: Object.fromEntries(new URLSearchParams(query)),
      headers: {},
      contentType: '',
      rawBody: '',
    };
  },
  'POST form': (params: Params): WebhookRequest => ({
    method: 'POST',
    url: URL,
    query: {},
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    contentType: 'application/x-www-form-urlencoded',
    rawBody: new URLSearchParams(params).toString(),
  }),
  'POST JSON': (params: Params): WebhookRequest => ({
    method: 'POST',
    url: URL,
    query: {},
    headers: { 'content-type': 'application/json' },
    contentType: 'application/json',
    rawBody: JSON.stringify(params),
  }),
};

function readSms(request: WebhookRequest, method?: string, now = NOW) {
  const secrets: Secrets = { VONAGE_SIGNATURE_SECRET: SECRET };
  if (method !== undefined) secrets.VONAGE_SIGNATURE_METHOD = method;
  return vonage.read(request, secrets, now);
}

const expectInvalidSignature = (action: () => unknown) => expect(action).toThrow(InvalidSignatureError);

describe('SMS API: the sig parameter', () => {
  describe.each(METHODS)('%s', (method) => {
    const params = signed(INBOUND, method);

    it('is made the same way by the documented algorithm and accepted by the SDK verifier', () => {
      expect(sdk.verifySignature(params.sig!, params, SECRET, SDK_ALGORITHM[method])).toBe(true);
      expect(() => verifyVonageSmsSignature(params, SECRET, method, NOW)).not.toThrow();
    });

    it.each(Object.keys(transports) as (keyof typeof transports)[])('is read when sent as %s', (transport) => {
      expect(readSms(transports[transport](params), method)).toEqual([EXPECTED_SMS]);
    });

    it('is accepted in upper or lower case', () => {
      for (const sig of [params.sig!.toUpperCase(), params.sig!.toLowerCase()]) {
        expect(readSms(transports['POST form']({ ...params, sig }), method)).toEqual([EXPECTED_SMS]);
      }
    });

    it.each(Object.keys(INBOUND))('is refused, as by the SDK, when %s changes', (name) => {
      const changed = { ...params, [name]: `${params[name]}0` };
      expect(sdk.verifySignature(params.sig!, changed, SECRET, SDK_ALGORITHM[method])).toBe(false);
      for (const transport of Object.values(transports)) expectInvalidSignature(() => readSms(transport(changed), method));
    });

    it.each(Object.keys(INBOUND))('is refused when %s is removed', (name) => {
      const { [name]: _removed, ...rest } = params;
      expectInvalidSignature(() => readSms(transports['POST form'](rest), method));
    });

    it('is refused when a parameter is added or a value moves to another name', () => {
      expectInvalidSignature(() => readSms(transports['POST form']({ ...params, extra: '' }), method));
      expectInvalidSignature(() => readSms(transports['POST form']({ ...params, msisdn: INBOUND.to!, to: INBOUND.msisdn! }), method));
    });

    it('is refused when made with another secret', () => {
      const forged = signed(INBOUND, method, `${SECRET}x`);
      expect(sdk.verifySignature(forged.sig!, forged, SECRET, SDK_ALGORITHM[method])).toBe(false);
      expectInvalidSignature(() => readSms(transports['POST form'](forged), method));
    });

    it('is refused when the receiver is configured for another method', () => {
      for (const other of METHODS.filter((m) => m !== method)) {
        expectInvalidSignature(() => readSms(transports['POST form'](params), other));
      }
    });
  });

  it('is md5hash when VONAGE_SIGNATURE_METHOD is not configured', () => {
    expect(readSms(transports.GET(signed(INBOUND, 'md5hash')))).toEqual([EXPECTED_SMS]);
    expectInvalidSignature(() => readSms(transports.GET(signed(INBOUND, 'sha256hmac'))));
  });

  it.each([
    ['MD5HASH', 'md5hash'],
    ['SHA256HMAC', 'sha256hmac'],
    ['SHA-256 HMAC', 'sha256hmac'],
    ['sha512_hmac', 'sha512hmac'],
    [' md5hmac ', 'md5hmac'],
    ['', 'md5hash'],
  ] as const)('reads the configured method %j as %s', (configured, method) => {
    expect(vonageSignatureMethod(configured)).toBe(method);
    expect(readSms(transports.GET(signed(INBOUND, method)), configured)).toEqual([EXPECTED_SMS]);
  });

  it.each(['md5', 'sha256', 'sha384hmac', 'hmac', 'none'])('refuses every request when the method is %j (ConfigurationError)', (configured) => {
    expect(() => readSms(transports.GET(signed(INBOUND)), configured)).toThrow(ConfigurationError);
    expect(() => readSms(transports.GET(signed(INBOUND)), configured)).toThrow(/VONAGE_SIGNATURE_METHOD/);
  });

  it.each([
    ['absent', (p: Params) => (({ sig: _sig, ...rest }) => rest)(p)],
    ['empty', (p: Params) => ({ ...p, sig: '' })],
    ['garbage', (p: Params) => ({ ...p, sig: 'not-a-signature' })],
    ['truncated', (p: Params) => ({ ...p, sig: p.sig!.slice(0, -1) })],
    ['extended', (p: Params) => ({ ...p, sig: `${p.sig}0` })],
  ])('refuses a request whose sig is %s', (_label, change) => {
    for (const transport of Object.values(transports)) expectInvalidSignature(() => readSms(transport(change(signed(INBOUND)))));
  });

  it('reports a missing signature as a 403 invalid-signature problem', () => {
    const caught = (() => {
      try {
        readSms(transports.GET(INBOUND));
      } catch (error) {
        return error;
      }
    })();
    expect(caught).toBeInstanceOf(InvalidSignatureError);
    expect(caught).toMatchObject({ status: 403, slug: 'invalid-signature' });
  });

  it('signs & and = inside values as _ (so, in Vonage’s scheme, they are interchangeable with _)', () => {
    const params = signed({ ...INBOUND, text: 'STOP & a=b' }, 'sha256hmac');
    expect(sdk.verifySignature(params.sig!, params, SECRET, AlgorithmTypes.sha256hmac)).toBe(true);
    expect(readSms(transports['POST form'](params), 'sha256hmac')[0]!.text).toBe('STOP & a=b');
    // A property of the scheme, pinned so that nobody mistakes it for our bug:
    expect(readSms(transports['POST form']({ ...params, text: 'STOP _ a_b' }), 'sha256hmac')[0]!.text).toBe('STOP _ a_b');
  });

  it('reads a signed field whose name is an Object.prototype member', () => {
    // fromEntries makes `__proto__` an own field, as a parsed request would (a literal would not).
    const params = signed(Object.fromEntries([...Object.entries(INBOUND), ['constructor', 'x'], ['toString', 'y'], ['__proto__', 'z']]));
    expect(Object.keys(params)).toContain('__proto__');
    for (const transport of Object.values(transports)) expect(readSms(transport(params))).toEqual([EXPECTED_SMS]);
  });
});

describe('SMS API: the replay window', () => {
  it.each([
    ['exactly five minutes old', -300],
    ['exactly five minutes ahead', 300],
    ['a second old', -1],
  ])('accepts a timestamp %s', (_label, offset) => {
    const params = signed({ ...INBOUND, timestamp: String(NOW_SECONDS + offset) });
    expect(readSms(transports.GET(params))).toHaveLength(1);
  });

  it.each([
    ['five minutes and a second old', -301],
    ['five minutes and a second ahead', 301],
    ['a day old', -86_400],
    ['an hour ahead', 3_600],
    ['zero', -NOW_SECONDS],
  ])('refuses a validly signed timestamp %s', (_label, offset) => {
    const params = signed({ ...INBOUND, timestamp: String(NOW_SECONDS + offset) });
    expect(sdk.verifySignature(params.sig!, params, SECRET, AlgorithmTypes.md5hash)).toBe(true);
    expectInvalidSignature(() => readSms(transports.GET(params)));
    expect(() => readSms(transports.GET(params))).toThrow(/replay/);
  });

  it('refuses the same request replayed six minutes later', () => {
    const request = transports['POST form'](signed(INBOUND));
    expect(readSms(request)).toHaveLength(1);
    expectInvalidSignature(() => readSms(request, undefined, new Date(NOW.getTime() + 6 * 60_000)));
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['not a number', 'soon'],
    ['in milliseconds with a fraction', `${NOW_SECONDS}.5`],
    ['negative', `-${NOW_SECONDS}`],
  ])('refuses a validly signed request whose timestamp is %s', (_label, timestamp) => {
    const { timestamp: _t, ...rest } = INBOUND;
    const params = signed(timestamp === undefined ? rest : { ...rest, timestamp });
    expectInvalidSignature(() => readSms(transports.GET(params)));
  });
});

describe('SMS API: reading a verified message', () => {
  const read = (params: Params) => readSms(transports['POST form'](signed(params)));

  it.each(['msisdn', 'messageId', 'to'])('refuses a validly signed request without %s (BadRequestError)', (name) => {
    const { [name]: _removed, ...rest } = INBOUND;
    expect(() => read(rest)).toThrow(BadRequestError);
    expect(() => read({ ...rest, [name]: '' })).toThrow(BadRequestError);
  });

  it('reads absent text (a binary message) as empty', () => {
    const { text: _text, keyword: _keyword, ...rest } = INBOUND;
    expect(read({ ...rest, type: 'binary', data: '0011', udh: '050003' })).toEqual([{ ...EXPECTED_SMS, text: '' }]);
  });

  it.each(['2026-01-01', '2026-13-01 12:00:00', '01/01/2026 12:00:00', 'yesterday', ''])(
    'leaves occurredAt out for a message-timestamp of %j',
    (messageTimestamp) => {
      expect(read({ ...INBOUND, 'message-timestamp': messageTimestamp })).toEqual([{ ...EXPECTED_SMS, occurredAt: undefined }]);
    },
  );

  it('reads each part of a concatenated message as its own message', () => {
    const part = (n: number, messageId: string, text: string) => ({
      ...INBOUND,
      messageId,
      text,
      keyword: text.split(' ')[0]!.toUpperCase(),
      concat: 'true',
      'concat-ref': '108',
      'concat-total': '2',
      'concat-part': String(n),
    });
    expect(read(part(1, '0A00000001', 'Please stop'))).toEqual([{ ...EXPECTED_SMS, messageId: '0A00000001', text: 'Please stop' }]);
    expect(read(part(2, '0A00000002', ' texting me'))).toEqual([{ ...EXPECTED_SMS, messageId: '0A00000002', text: ' texting me' }]);
  });

  it('parseVonageSmsInbound reads the fields of a parameter map', () => {
    expect(parseVonageSmsInbound({ ...INBOUND, text: 'hi' })).toEqual({ ...EXPECTED_SMS, text: 'hi' });
  });

  it('signs JSON numbers and booleans as their text', () => {
    const params = signed({ ...INBOUND, concat: 'true' });
    const body = JSON.stringify({ ...params, timestamp: NOW_SECONDS, concat: true });
    expect(readSms({ ...transports['POST JSON'](params), rawBody: body })).toEqual([EXPECTED_SMS]);
  });

  it.each([
    ['PUT', 'application/x-www-form-urlencoded', 'a=b'],
    ['POST', 'text/plain', 'a=b'],
    ['POST', '', 'a=b'],
    ['POST', 'application/json', '{not json'],
    ['POST', 'application/json', '["a"]'],
    ['POST', 'application/json', '"a"'],
    ['POST', 'application/json', '{"sig":"0","msisdn":{"nested":true}}'],
    ['POST', 'application/json', '{"sig":"0","msisdn":null}'],
    ['POST', 'application/x-www-form-urlencoded', 'sig=0&msisdn=1&msisdn=2'],
  ])('refuses %s %j %j with BadRequestError, before checking the signature', (method, contentType, rawBody) => {
    expect(() => readSms({ method, url: URL, query: {}, headers: {}, contentType, rawBody })).toThrow(BadRequestError);
  });

  it('accepts content types with parameters and in any case', () => {
    for (const contentType of ['application/x-www-form-urlencoded; charset=UTF-8', 'APPLICATION/X-WWW-FORM-URLENCODED']) {
      expect(readSms({ ...transports['POST form'](signed(INBOUND)), contentType })).toEqual([EXPECTED_SMS]);
    }
    expect(readSms({ ...transports['POST JSON'](signed(INBOUND)), contentType: 'application/json; charset=utf-8' })).toEqual([EXPECTED_SMS]);
  });
});

// ---------------------------------------------------------------------------------------------

/** A Messages API inbound SMS (fields per the Messages API reference). */
const MESSAGE = {
  channel: 'sms',
  message_uuid: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
  to: '447700900000',
  from: '447700900001',
  timestamp: '2026-01-01T12:00:00Z',
  text: 'STOP',
  sms: { num_messages: '1', keyword: 'STOP' },
  usage: { price: '0.0057', currency: 'EUR' },
  message_type: 'text',
};
const MESSAGE_BODY = JSON.stringify(MESSAGE);
const EXPECTED_MESSAGE = {
  provider: 'vonage',
  messageId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
  from: '447700900001',
  to: '447700900000',
  text: 'STOP',
  occurredAt: '2026-01-01T12:00:00.000Z',
};

const sha256 = (body: string) => createHash('sha256').update(Buffer.from(body, 'utf8')).digest('hex');

/** Claims as Vonage sends them, for `body` at NOW. */
function claimsFor(body: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iat: NOW_SECONDS,
    jti: 'c5ba8f24-1a14-4c10-bfdf-3fbe8ce511b5',
    iss: 'Vonage',
    api_key: 'abcd1234',
    application_id: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
    payload_hash: sha256(body),
    ...extra,
  };
}

/** Minted by jsonwebtoken, an implementation independent of the verifier under test. */
function mint(claims: Record<string, unknown>, secret = SECRET, algorithm: jsonwebtoken.Algorithm = 'HS256'): string {
  return jsonwebtoken.sign(claims, secret, { algorithm });
}

function messagesRequest(body: string, authorization: string | undefined, contentType = 'application/json'): WebhookRequest {
  return { method: 'POST', url: URL, query: {}, headers: { authorization, 'content-type': contentType }, contentType, rawBody: body };
}

function readMessage(body: string, token: string, secrets: Secrets = { VONAGE_SIGNATURE_SECRET: SECRET }, now = NOW) {
  return vonage.read(messagesRequest(body, `Bearer ${token}`), secrets, now);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token jsonwebtoken refuses to make (odd headers or claims), HMAC'd here with node:crypto. */
function handMint(header: Record<string, unknown>, claims: Record<string, unknown>, secret = SECRET): string {
  const signingInput = `${base64url(header)}.${base64url(claims)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

describe('Messages API: the bearer JWT', () => {
  const token = mint(claimsFor(MESSAGE_BODY));

  it('is read when minted by jsonwebtoken, and the @vonage/jwt verifier agrees', () => {
    expect(vonageJwtVerifySignature(token, SECRET)).toBe(true);
    expect(readMessage(MESSAGE_BODY, token)).toEqual([EXPECTED_MESSAGE]);
  });

  it('does not depend on VONAGE_SIGNATURE_METHOD (Vonage always uses HS256 here)', () => {
    for (const method of ['sha512hmac', 'md5hash', 'unknown']) {
      expect(readMessage(MESSAGE_BODY, token, { VONAGE_SIGNATURE_SECRET: SECRET, VONAGE_SIGNATURE_METHOD: method })).toEqual([EXPECTED_MESSAGE]);
    }
  });

  it.each(['Bearer', 'bearer', 'BEARER'])('accepts the scheme written %s', (scheme) => {
    expect(vonage.read(messagesRequest(MESSAGE_BODY, `${scheme} ${token}`), { VONAGE_SIGNATURE_SECRET: SECRET }, NOW)).toHaveLength(1);
  });

  it.each(Object.keys(MESSAGE))('refuses the body when %s changes, though the token itself still verifies', (name) => {
    const changed = JSON.stringify({ ...MESSAGE, [name]: `${JSON.stringify(MESSAGE[name as keyof typeof MESSAGE])}0` });
    expect(vonageJwtVerifySignature(token, SECRET)).toBe(true); // the SDK's check alone would let this through
    expectInvalidSignature(() => readMessage(changed, token));
    expect(() => readMessage(changed, token)).toThrow(/payload_hash/);
  });

  it('refuses a body that differs only in whitespace (the hash is over the exact bytes)', () => {
    expectInvalidSignature(() => readMessage(`${MESSAGE_BODY}\n`, token));
    expectInvalidSignature(() => readMessage(JSON.stringify(MESSAGE, null, 1), token));
  });

  it.each([
    ['missing', (body: string) => (({ payload_hash: _h, ...rest }) => rest)(claimsFor(body))],
    ['of another body', () => claimsFor('{}')],
    ['not a string', (body: string) => claimsFor(body, { payload_hash: 42 })],
    ['the hash in base64', (body: string) => claimsFor(body, { payload_hash: Buffer.from(sha256(body), 'hex').toString('base64') })],
  ])('refuses a token whose payload_hash is %s', (_label, claims) => {
    expectInvalidSignature(() => readMessage(MESSAGE_BODY, mint(claims(MESSAGE_BODY))));
  });

  it('accepts payload_hash in upper-case hex', () => {
    expect(readMessage(MESSAGE_BODY, mint(claimsFor(MESSAGE_BODY, { payload_hash: sha256(MESSAGE_BODY).toUpperCase() })))).toHaveLength(1);
  });

  it('refuses a token made with another secret, as @vonage/jwt does', () => {
    const forged = mint(claimsFor(MESSAGE_BODY), `${SECRET}x`);
    expect(vonageJwtVerifySignature(forged, SECRET)).toBe(false);
    expectInvalidSignature(() => readMessage(MESSAGE_BODY, forged));
  });

  it.each([
    ['exactly five minutes old', -300],
    ['exactly five minutes ahead', 300],
  ])('accepts an iat %s', (_label, offset) => {
    expect(readMessage(MESSAGE_BODY, mint(claimsFor(MESSAGE_BODY, { iat: NOW_SECONDS + offset })))).toHaveLength(1);
  });

  it.each([
    ['five minutes and a second old', -301],
    ['five minutes and a second ahead', 301],
    ['a day old', -86_400],
    ['an hour ahead', 3_600],
  ])('refuses an iat %s', (_label, offset) => {
    expectInvalidSignature(() => readMessage(MESSAGE_BODY, mint(claimsFor(MESSAGE_BODY, { iat: NOW_SECONDS + offset }))));
  });

  it('refuses a token without iat, or with iat that is not a number', () => {
    const { iat: _iat, ...withoutIat } = claimsFor(MESSAGE_BODY);
    expectInvalidSignature(() => readMessage(MESSAGE_BODY, jsonwebtoken.sign(withoutIat, SECRET, { noTimestamp: true })));
    expectInvalidSignature(() => readMessage(MESSAGE_BODY, handMint({ alg: 'HS256' }, claimsFor(MESSAGE_BODY, { iat: String(NOW_SECONDS) }))));
  });

  it('honours exp and nbf when present, with the same five minutes of leeway', () => {
    const read = (extra: Record<string, unknown>) => readMessage(MESSAGE_BODY, mint(claimsFor(MESSAGE_BODY, extra)));
    expect(read({ exp: NOW_SECONDS + 60 })).toHaveLength(1);
    expect(read({ exp: NOW_SECONDS - 300 })).toHaveLength(1);
    expectInvalidSignature(() => read({ exp: NOW_SECONDS - 301 }));
    expect(read({ nbf: NOW_SECONDS + 300 })).toHaveLength(1);
    expectInvalidSignature(() => read({ nbf: NOW_SECONDS + 301 }));
    // jsonwebtoken will not mint these, so they are made by hand.
    for (const extra of [{ exp: 'never' }, { nbf: null }]) {
      expectInvalidSignature(() => readMessage(MESSAGE_BODY, handMint({ alg: 'HS256', typ: 'JWT' }, claimsFor(MESSAGE_BODY, extra))));
    }
  });

  it.each(['HS384', 'HS512'] as const)('refuses a token signed with %s', (algorithm) => {
    expectInvalidSignature(() => readMessage(MESSAGE_BODY, mint(claimsFor(MESSAGE_BODY), SECRET, algorithm)));
  });

  it('refuses an unsigned (alg none) token and one whose header lies about its algorithm', () => {
    const claims = base64url(claimsFor(MESSAGE_BODY));
    expectInvalidSignature(() => readMessage(MESSAGE_BODY, `${base64url({ alg: 'none', typ: 'JWT' })}.${claims}.`));
    expectInvalidSignature(() => readMessage(MESSAGE_BODY, `${base64url({ alg: 'none', typ: 'JWT' })}.${claims}.x`));
    // An HS256 signature under a header that says RS256 (or nothing): only HS256 is accepted.
    expectInvalidSignature(() => readMessage(MESSAGE_BODY, handMint({ alg: 'RS256', typ: 'JWT' }, claimsFor(MESSAGE_BODY))));
    expectInvalidSignature(() => readMessage(MESSAGE_BODY, handMint({ typ: 'JWT' }, claimsFor(MESSAGE_BODY))));
    expectInvalidSignature(() => readMessage(MESSAGE_BODY, handMint({ alg: 'hs256' }, claimsFor(MESSAGE_BODY))));
  });

  it('accepts a hand-made HS256 token (no typ), and refuses one with critical extensions it does not know', () => {
    expect(readMessage(MESSAGE_BODY, handMint({ alg: 'HS256' }, claimsFor(MESSAGE_BODY)))).toEqual([EXPECTED_MESSAGE]);
    expectInvalidSignature(() => readMessage(MESSAGE_BODY, handMint({ alg: 'HS256', crit: ['exp'] }, claimsFor(MESSAGE_BODY))));
  });

  it.each([
    ['empty', ''],
    ['one part', 'abc'],
    ['two parts', 'abc.def'],
    ['four parts', `${token}.x`],
    ['padded base64', `${token}=`],
    ['not JSON', `${Buffer.from('nope').toString('base64url')}.${token.split('.')[1]}.${token.split('.')[2]}`],
  ])('refuses a bearer token that is %s', (_label, bad) => {
    expectInvalidSignature(() => vonage.read(messagesRequest(MESSAGE_BODY, `Bearer ${bad}`), { VONAGE_SIGNATURE_SECRET: SECRET }, NOW));
  });

  it('without a bearer token reads the request as the SMS API, which has no sig', () => {
    for (const authorization of [undefined, '', `Basic ${token}`, token]) {
      expectInvalidSignature(() => vonage.read(messagesRequest(MESSAGE_BODY, authorization), { VONAGE_SIGNATURE_SECRET: SECRET }, NOW));
    }
  });

  it('verifyVonageJwt can be called on its own', () => {
    expect(() => verifyVonageJwt(token, SECRET, MESSAGE_BODY, NOW)).not.toThrow();
    expectInvalidSignature(() => verifyVonageJwt(token, SECRET, '{}', NOW));
  });
});

describe('Messages API: reading a verified callback', () => {
  const read = (message: unknown) => {
    const body = JSON.stringify(message);
    return readMessage(body, mint(claimsFor(body)));
  };

  it.each(['whatsapp', 'mms', 'rcs', 'messenger', 'viber_service', 'SMS'])('returns nothing for channel %j', (channel) => {
    expect(read({ ...MESSAGE, channel })).toEqual([]);
  });

  it('returns nothing for a status callback', () => {
    const { text: _t, sms: _s, message_type: _m, ...rest } = MESSAGE;
    expect(read({ ...rest, status: 'delivered' })).toEqual([]);
  });

  it.each(['message_uuid', 'from', 'to'])('refuses a signed SMS callback without %s (BadRequestError)', (name) => {
    const { [name as keyof typeof MESSAGE]: _removed, ...rest } = MESSAGE;
    expect(() => read(rest)).toThrow(BadRequestError);
    expect(() => read({ ...rest, [name]: 12 })).toThrow(BadRequestError);
  });

  it('reads a missing text as empty, and leaves out a timestamp that is not a time', () => {
    const { text: _t, ...rest } = MESSAGE;
    expect(read({ ...rest, timestamp: 'later' })).toEqual([{ ...EXPECTED_MESSAGE, text: '', occurredAt: undefined }]);
  });

  it('normalizes the timestamp to ISO 8601 in UTC', () => {
    expect(read({ ...MESSAGE, timestamp: '2026-01-01T13:00:00+01:00' })[0]!.occurredAt).toBe('2026-01-01T12:00:00.000Z');
  });

  it.each([
    ['not JSON', '{nope'],
    ['an array', '[]'],
    ['null', 'null'],
  ])('refuses a validly signed body that is %s (BadRequestError)', (_label, body) => {
    expect(() => readMessage(body, mint(claimsFor(body)))).toThrow(BadRequestError);
  });

  it('parseVonageMessage reads a body', () => {
    expect(parseVonageMessage(MESSAGE)).toEqual([EXPECTED_MESSAGE]);
  });

  it.each([
    ['GET', 'application/json'],
    ['POST', 'application/x-www-form-urlencoded'],
    ['POST', 'text/plain'],
  ])('refuses %s %s with a bearer token (BadRequestError)', (method, contentType) => {
    const token = mint(claimsFor(MESSAGE_BODY));
    const request = { ...messagesRequest(MESSAGE_BODY, `Bearer ${token}`, contentType), method };
    expect(() => vonage.read(request, { VONAGE_SIGNATURE_SECRET: SECRET }, NOW)).toThrow(BadRequestError);
  });
});

describe('configuration and acknowledgement', () => {
  it('refuses every request when VONAGE_SIGNATURE_SECRET is not configured (fail closed)', () => {
    const requests = [
      transports.GET(signed(INBOUND)),
      transports['POST form'](signed(INBOUND)),
      transports.GET(INBOUND),
      messagesRequest(MESSAGE_BODY, `Bearer ${mint(claimsFor(MESSAGE_BODY))}`),
    ];
    for (const request of requests) {
      for (const secrets of [{}, { VONAGE_SIGNATURE_SECRET: '' }, { VONAGE_SIGNATURE_METHOD: 'md5hash' }] as Secrets[]) {
        expect(() => vonage.read(request, secrets, NOW)).toThrow(ConfigurationError);
        expect(() => vonage.read(request, secrets, NOW)).toThrow(/VONAGE_SIGNATURE_SECRET/);
      }
    }
  });

  it('declares the secrets it reads', () => {
    expect(vonage.secrets).toEqual(['VONAGE_SIGNATURE_SECRET', 'VONAGE_SIGNATURE_METHOD']);
  });

  it('acknowledges with 200 and an empty body, with or without a reply', () => {
    expect(vonage.acknowledge()).toEqual({ statusCode: 200, headers: {}, body: '' });
    expect(
      vonage.acknowledge({
        text: 'You are unsubscribed.',
        message: { provider: 'test', messageId: 'm1', from: '+14155550100', to: '+14155550199', text: 'STOP' },
      }),
    ).toEqual({ statusCode: 200, headers: {}, body: '' });
  });
});

describe('properties', () => {
  const method = fc.constantFrom(...METHODS);
  const secret = fc.string({ minLength: 1, maxLength: 40 });
  const name = fc.string({ unit: 'binary', maxLength: 12 }).filter((n) => n !== 'sig' && n !== 'timestamp');
  const value = fc.string({ unit: 'binary', maxLength: 40 });
  const HEX = '0123456789abcdef';

  it('a sig made by the documented algorithm verifies (and the SDK agrees); one with any hex digit changed does not', () => {
    fc.assert(
      fc.property(
        secret,
        method,
        fc.dictionary(name, value, { maxKeys: 8 }),
        fc.integer({ min: -300, max: 300 }),
        fc.nat(),
        fc.integer({ min: 1, max: 15 }),
        (key, m, extra, offset, index, shift) => {
          const params = signed({ ...extra, timestamp: String(NOW_SECONDS + offset) }, m, key);
          verifyVonageSmsSignature(params, key, m, NOW);
          expect(sdk.verifySignature(params.sig!, params, key, SDK_ALGORITHM[m])).toBe(true);
          const sig = params.sig!.toLowerCase();
          const at = index % sig.length;
          const flipped = sig.slice(0, at) + HEX[(HEX.indexOf(sig[at]!) + shift) % 16] + sig.slice(at + 1);
          expectInvalidSignature(() => verifyVonageSmsSignature({ ...params, sig: flipped }, key, m, NOW));
        },
      ),
    );
  });

  it('a form, query or JSON request signed by the documented algorithm is read with its text intact', () => {
    fc.assert(
      fc.property(secret, method, value, fc.constantFrom(...Object.values(transports)), (key, m, text, transport) => {
        const params = signed({ ...INBOUND, text }, m, key);
        const read = vonage.read(transport(params), { VONAGE_SIGNATURE_SECRET: key, VONAGE_SIGNATURE_METHOD: m }, NOW);
        expect(read).toEqual([{ ...EXPECTED_SMS, text }]);
      }),
    );
  });

  it('a Messages API token minted by jsonwebtoken verifies for its body; any one character changed in it does not', () => {
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(secret, value, fc.integer({ min: -300, max: 300 }), fc.nat(), fc.integer({ min: 1, max: 63 }), (key, text, offset, index, shift) => {
        const body = JSON.stringify({ ...MESSAGE, text });
        const token = mint(claimsFor(body, { iat: NOW_SECONDS + offset }), key);
        expect(readMessage(body, token, { VONAGE_SIGNATURE_SECRET: key })).toEqual([{ ...EXPECTED_MESSAGE, text }]);
        const at = index % token.length;
        if (token[at] === '.') return;
        const changed = token.slice(0, at) + ALPHABET[(ALPHABET.indexOf(token[at]!) + shift) % 64] + token.slice(at + 1);
        expectInvalidSignature(() => readMessage(body, changed, { VONAGE_SIGNATURE_SECRET: key }));
      }),
    );
  });
});
