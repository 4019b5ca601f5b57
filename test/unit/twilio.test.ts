import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BadRequestError, ConfigurationError, InvalidSignatureError } from '../../shared/core/errors.js';
import { smsProvider, smsProviders } from '../../shared/intake/sms/providers/index.js';
import type { WebhookRequest } from '../../shared/http/webhook.js';
import {
  EMPTY_TWIML,
  parseTwilioInbound,
  TWILIO_SIGNATURE_HEADER,
  TWILIO_SIGNATURE_SETTINGS_HEADER,
  verifyTwilioSignature,
} from '../../shared/intake/sms/providers/twilio.js';

type Params = Record<string, string | string[]>;
type Pairs = [string, string][];

const FORM = 'application/x-www-form-urlencoded';
/**
 * The registered Twilio provider, read with `key` as both the auth token and the webhook shared
 * key, returning its one message.
 */
const twilio = {
  read: (request: WebhookRequest, key: string) =>
    smsProviders.twilio!.read(request, { TWILIO_AUTH_TOKEN: key, TWILIO_WEBHOOK_SHARED_KEY: key }, new Date())[0]!,
};

/**
 * Twilio's documented algorithm, written independently of the SDK: the URL, then every parameter
 * sorted by name with its name and value appended without delimiters (a name sent more than once
 * contributes each of its values, sorted), HMAC'd with the key and base64-encoded.
 * Sorting is by UTF-16 code unit, as Twilio's Node and Java helpers do; for the ASCII names
 * Twilio sends this equals the documented "Unix-style case-sensitive" byte order.
 */
function documentedSignature(key: string, url: string, params: Params, hash: 'sha1' | 'sha256' = 'sha1'): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    for (const v of Array.isArray(value) ? [...value].sort() : [value]) data += name + v;
  }
  return createHmac(hash, key).update(Buffer.from(data, 'utf8')).digest('base64');
}

function pairsToParams(pairs: Pairs): Params {
  const params: Params = Object.create(null) as Params;
  for (const [name, value] of pairs) {
    const existing = Object.hasOwn(params, name) ? params[name] : undefined;
    if (existing === undefined) params[name] = value;
    else params[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return params;
}

function webhookRequest(url: string, pairs: Pairs, headers: Record<string, string | undefined>, contentType = FORM): WebhookRequest {
  return { method: 'POST', url, query: {}, headers, contentType, rawBody: new URLSearchParams(pairs).toString() };
}

/** Flips the bits of `mask` in byte `index` of a base64 signature. */
function flipByte(signature: string, index: number, mask: number): string {
  const bytes = Buffer.from(signature, 'base64');
  bytes[index % bytes.length] = bytes[index % bytes.length]! ^ mask;
  return bytes.toString('base64');
}

const SHA256_SETTINGS = 'key=webhooks_sharedkey_0123456789abcdef,algorithm=HMAC_SHA256';

function expectInvalidSignature(action: () => unknown): void {
  expect(action).toThrow(InvalidSignatureError);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Twilio's documented test vector", () => {
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const token = '12345';
  const signature = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';
  const params: Record<string, string> = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+12349013030',
    Digits: '1234',
    From: '+12349013030',
    To: '+18005551212',
  };
  const pairs = Object.entries(params);

  it('is what both the SDK signer and the independent implementation produce', () => {
    expect(twilioWebhooks.getExpectedTwilioSignature(token, url, params)).toBe(signature);
    expect(documentedSignature(token, url, params)).toBe(signature);
  });

  it('is accepted by verifyTwilioSignature', () => {
    expect(() => verifyTwilioSignature(token, { url, params, signature })).not.toThrow();
  });

  it('passes verification through smsProviders.twilio.read (which then refuses the call for lacking a MessageSid)', () => {
    const request = webhookRequest(url, pairs, { [TWILIO_SIGNATURE_HEADER]: signature });
    expect(() => twilio.read(request, token)).toThrow(BadRequestError);
    expect(() => twilio.read(request, token)).toThrow(/MessageSid/);
  });

  it.each(Object.keys(params))('is rejected when %s changes', (name) => {
    const changed = { ...params, [name]: `${params[name]}0` };
    expectInvalidSignature(() => verifyTwilioSignature(token, { url, params: changed, signature }));
    const request = webhookRequest(url, Object.entries(changed), { [TWILIO_SIGNATURE_HEADER]: signature });
    expectInvalidSignature(() => twilio.read(request, token));
  });

  it.each(Object.keys(params))('is rejected when %s is removed', (name) => {
    const { [name]: _removed, ...rest } = params;
    expectInvalidSignature(() => verifyTwilioSignature(token, { url, params: rest, signature }));
  });

  it('is rejected when a parameter is added', () => {
    expectInvalidSignature(() => verifyTwilioSignature(token, { url, params: { ...params, Body: 'STOP' }, signature }));
  });

  it('is rejected when a value moves to another name', () => {
    const swapped = { ...params, Caller: params.To!, To: params.Caller! };
    expectInvalidSignature(() => verifyTwilioSignature(token, { url, params: swapped, signature }));
  });

  it.each([
    'https://mycompany.com/myapp.php?foo=1&bar=3',
    'https://mycompany.com/myapp.php?foo=1',
    'https://mycompany.com/myapp.php?bar=2&foo=1',
    'https://mycompany.com/myapp.php',
    'https://mycompany.com/myapp.php?foo=1&bar=2&baz=3',
    'http://mycompany.com/myapp.php?foo=1&bar=2',
    'https://mycompany.com/other.php?foo=1&bar=2',
    'https://mycompany.com/myapp.php/?foo=1&bar=2',
    'https://attacker.example/myapp.php?foo=1&bar=2',
  ])('is rejected for the URL %s', (otherUrl) => {
    expectInvalidSignature(() => verifyTwilioSignature(token, { url: otherUrl, params, signature }));
    const request = webhookRequest(otherUrl, pairs, { [TWILIO_SIGNATURE_HEADER]: signature });
    expectInvalidSignature(() => twilio.read(request, token));
  });

  it('is accepted with the default port written out, as Twilio signs with or without it', () => {
    expect(() => verifyTwilioSignature(token, { url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2', params, signature })).not.toThrow();
  });

  it.each(['12346', '1234', '123456', ' 12345', 'Z12345'])('is rejected with the auth token %j', (otherToken) => {
    expectInvalidSignature(() => verifyTwilioSignature(otherToken, { url, params, signature }));
    const request = webhookRequest(url, pairs, { [TWILIO_SIGNATURE_HEADER]: signature });
    expectInvalidSignature(() => twilio.read(request, otherToken));
  });

  it('refuses every request when no auth token is configured (fail closed)', () => {
    const request = webhookRequest(url, pairs, { [TWILIO_SIGNATURE_HEADER]: signature });
    expect(() => twilio.read(request, '')).toThrow(ConfigurationError);
    expect(() => smsProviders.twilio!.read(request, {}, new Date())).toThrow(/TWILIO_AUTH_TOKEN is not configured/);
  });

  it('needs the webhook shared key, not the auth token, for HMAC-SHA256 signatures', () => {
    const request = webhookRequest(url, pairs, {
      [TWILIO_SIGNATURE_HEADER]: signature,
      'x-twilio-webhooks-signature-settings': 'key=webhooks_sharedkey_1,algorithm=HMAC_SHA256',
    });
    expect(() => smsProviders.twilio!.read(request, { TWILIO_AUTH_TOKEN: token }, new Date())).toThrow(/TWILIO_WEBHOOK_SHARED_KEY/);
  });

  it.each([
    ['lower-cased', signature.toLowerCase()],
    ['truncated', signature.slice(0, -2)],
    ['extended', `${signature}AA`],
    ['with a leading space', ` ${signature}`],
    ['hex-encoded', Buffer.from(signature, 'base64').toString('hex')],
    ['one byte flipped', flipByte(signature, 7, 0x01)],
  ])('is rejected when the signature is %s', (_label, otherSignature) => {
    expectInvalidSignature(() => verifyTwilioSignature(token, { url, params, signature: otherSignature }));
  });

  it('is rejected when the settings header announces HMAC_SHA256 for an HMAC-SHA1 signature', () => {
    expectInvalidSignature(() => verifyTwilioSignature(token, { url, params, signature, signatureSettings: SHA256_SETTINGS }));
  });

  it('is accepted when the settings header names HMAC_SHA1 explicitly or names no algorithm', () => {
    for (const signatureSettings of ['key=k,algorithm=HMAC_SHA1', 'key=k', '']) {
      expect(() => verifyTwilioSignature(token, { url, params, signature, signatureSettings })).not.toThrow();
    }
  });
});

describe('signatures made with Twilio’s algorithm', () => {
  const token = 'e3b0c44298fc1c149afbf4c8996fb924';
  const sharedKey = 'sharedkey-secret-9f86d081884c7d659a2feaa0c55ad015';
  const base = 'https://hub.example.com/webhooks/sms/twilio';
  const inbound: Pairs = [
    ['AccountSid', 'AC0123456789abcdef0123456789abcdef'],
    ['MessageSid', 'SM0123456789abcdef0123456789abcdef'],
    ['From', '+14155550100'],
    ['To', '+14155550199'],
    ['NumMedia', '0'],
  ];

  const cases: { name: string; url: string; pairs: Pairs; text: string }[] = [
    { name: 'a plain STOP', url: base, pairs: [...inbound, ['Body', 'STOP']], text: 'STOP' },
    {
      name: 'a unicode body',
      url: base,
      pairs: [...inbound, ['Body', 'Stop ✋ bitte — 日本語 😀 ÅÄÖ']],
      text: 'Stop ✋ bitte — 日本語 😀 ÅÄÖ',
    },
    {
      name: 'form-syntax characters in the body',
      url: base,
      pairs: [...inbound, ['Body', 'a=b&c=d+e%20f; "q" \n\r\t']],
      text: 'a=b&c=d+e%20f; "q" \n\r\t',
    },
    {
      name: 'repeated parameter names',
      url: base,
      pairs: [
        ...inbound,
        ['Body', 'see pictures'],
        ['MediaUrl', 'https://api.twilio.com/m/2'],
        ['MediaUrl', 'https://api.twilio.com/m/1'],
        ['MediaUrl', 'https://api.twilio.com/m/3'],
      ],
      text: 'see pictures',
    },
    {
      name: 'empty values',
      url: base,
      pairs: [...inbound, ['Body', ''], ['FromCity', ''], ['FromState', '']],
      text: '',
    },
    {
      name: 'a URL with a query string',
      url: `${base}?tenant=acme&region=us-east-1&flag`,
      pairs: [...inbound, ['Body', 'unsubscribe']],
      text: 'unsubscribe',
    },
    {
      name: 'a URL with percent-encoding and a unicode body',
      url: `${base}?label=caf%C3%A9&x=a%2Bb`,
      pairs: [...inbound, ['Body', 'ＳＴＯＰ']],
      text: 'ＳＴＯＰ',
    },
  ];

  describe.each(cases)('$name', ({ url, pairs, text }) => {
    const params = pairsToParams(pairs);

    it('is signed identically by the SDK and by the documented algorithm (HMAC-SHA1 and HMAC-SHA256)', () => {
      expect(twilioWebhooks.getExpectedTwilioSignature(token, url, params)).toBe(documentedSignature(token, url, params));
      expect(twilioWebhooks.getExpectedTwilioSignature(sharedKey, url, params, 'HMAC_SHA256')).toBe(documentedSignature(sharedKey, url, params, 'sha256'));
    });

    it.each([
      ['the SDK', () => twilioWebhooks.getExpectedTwilioSignature(token, url, params)],
      ['node:crypto', () => documentedSignature(token, url, params)],
    ])('is read when signed with HMAC-SHA1 by %s', (_signer, sign) => {
      const message = twilio.read(webhookRequest(url, pairs, { [TWILIO_SIGNATURE_HEADER]: sign() }), token);
      expect(message).toEqual({
        provider: 'twilio',
        messageId: 'SM0123456789abcdef0123456789abcdef',
        from: '+14155550100',
        to: '+14155550199',
        text,
        providerIntent: undefined,
      });
    });

    it.each([
      ['the SDK', () => twilioWebhooks.getExpectedTwilioSignature(sharedKey, url, params, 'HMAC_SHA256')],
      ['node:crypto', () => documentedSignature(sharedKey, url, params, 'sha256')],
    ])('is read when signed with the HMAC-SHA256 shared key by %s', (_signer, sign) => {
      const request = webhookRequest(url, pairs, {
        [TWILIO_SIGNATURE_HEADER]: sign(),
        [TWILIO_SIGNATURE_SETTINGS_HEADER]: SHA256_SETTINGS,
      });
      expect(twilio.read(request, sharedKey).text).toBe(text);
    });

    it('refuses an HMAC-SHA256 signature when the settings header does not announce it', () => {
      const signature = documentedSignature(sharedKey, url, params, 'sha256');
      expectInvalidSignature(() => twilio.read(webhookRequest(url, pairs, { [TWILIO_SIGNATURE_HEADER]: signature }), sharedKey));
    });

    it('refuses an HMAC-SHA256 signature made with another key', () => {
      const signature = documentedSignature(token, url, params, 'sha256');
      const request = webhookRequest(url, pairs, {
        [TWILIO_SIGNATURE_HEADER]: signature,
        [TWILIO_SIGNATURE_SETTINGS_HEADER]: SHA256_SETTINGS,
      });
      expectInvalidSignature(() => twilio.read(request, sharedKey));
    });

    it('refuses the request when the body is altered after signing', () => {
      const signature = documentedSignature(token, url, params);
      const tampered = pairs.map(([name, value]): [string, string] => [name, name === 'From' ? '+14155550111' : value]);
      expectInvalidSignature(() => twilio.read(webhookRequest(url, tampered, { [TWILIO_SIGNATURE_HEADER]: signature }), token));
    });
  });

  it('signs repeated values in sorted order, whatever order they were sent in', () => {
    const sent: Pairs = [...inbound, ['MediaUrl', 'b'], ['MediaUrl', 'a']];
    const signature = documentedSignature(token, base, { ...pairsToParams(inbound), MediaUrl: ['a', 'b'] });
    expect(() => twilio.read(webhookRequest(base, sent, { [TWILIO_SIGNATURE_HEADER]: signature }), token)).not.toThrow();
  });

  it('refuses a signature that drops one of the repeated values', () => {
    const sent: Pairs = [...inbound, ['MediaUrl', 'a'], ['MediaUrl', 'b']];
    const signature = documentedSignature(token, base, { ...pairsToParams(inbound), MediaUrl: 'a' });
    expectInvalidSignature(() => twilio.read(webhookRequest(base, sent, { [TWILIO_SIGNATURE_HEADER]: signature }), token));
  });

  it('accepts a lower-case algorithm name in the settings header', () => {
    const params = pairsToParams(inbound);
    const signature = documentedSignature(sharedKey, base, params, 'sha256');
    expect(() => verifyTwilioSignature(sharedKey, { url: base, params, signature, signatureSettings: 'key=k,algorithm=hmac_sha256' })).not.toThrow();
  });

  it.each(['key=k,algorithm=HMAC_MD5', 'key=k,algorithm=HMAC_SHA512', 'algorithm=none'])(
    'refuses a request whose settings header names an unsupported algorithm (%s)',
    (signatureSettings) => {
      vi.spyOn(console, 'warn').mockImplementation(() => {});
      const params = pairsToParams(inbound);
      for (const signature of [documentedSignature(token, base, params), documentedSignature(token, base, params, 'sha256'), 'anything']) {
        expectInvalidSignature(() => verifyTwilioSignature(token, { url: base, params, signature, signatureSettings }));
      }
    },
  );

  describe('properties', () => {
    const name = fc.string({ unit: 'binary', maxLength: 12 });
    const value = fc.string({ unit: 'binary', maxLength: 40 });
    const paramValue = fc.oneof(value, fc.uniqueArray(value, { minLength: 2, maxLength: 4 }));
    const algorithm = fc.constantFrom({ hash: 'sha1' as const, settings: undefined }, { hash: 'sha256' as const, settings: SHA256_SETTINGS });
    const key = fc.string({ minLength: 1, maxLength: 40 });
    const url = fc.webUrl({ withQueryParameters: true });

    it('a signature made by the documented algorithm verifies; one with any single byte flipped does not', () => {
      fc.assert(
        fc.property(
          key,
          url,
          fc.dictionary(name, paramValue, { maxKeys: 8 }),
          algorithm,
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          (secret, url, params, { hash, settings }, index, mask) => {
            const signature = documentedSignature(secret, url, params, hash);
            verifyTwilioSignature(secret, { url, params, signature, signatureSettings: settings });
            const flipped = flipByte(signature, index, mask);
            expect(flipped).not.toBe(signature);
            expectInvalidSignature(() => verifyTwilioSignature(secret, { url, params, signature: flipped, signatureSettings: settings }));
          },
        ),
      );
    });

    it('a form-encoded request signed by the documented algorithm is read through smsProviders.twilio', () => {
      const reserved = new Set(['MessageSid', 'SmsSid', 'From', 'To', 'Body', 'OptOutType']);
      // Names that are also Object.prototype members are covered by a dedicated test below.
      const extraName = name.filter((n) => !reserved.has(n) && !(n in Object.prototype));
      const extras = fc.uniqueArray(fc.tuple(extraName, paramValue), { maxLength: 8, selector: ([n]) => n });
      fc.assert(
        fc.property(key, url, value, extras, algorithm, (secret, url, body, extras, { hash, settings }) => {
          const pairs: Pairs = [...inbound, ['Body', body]];
          for (const [n, v] of extras) for (const item of Array.isArray(v) ? v : [v]) pairs.push([n, item]);
          const signature = documentedSignature(secret, url, pairsToParams(pairs), hash);
          const message = twilio.read(
            webhookRequest(url, pairs, { [TWILIO_SIGNATURE_HEADER]: signature, [TWILIO_SIGNATURE_SETTINGS_HEADER]: settings }),
            secret,
          );
          expect(message.text).toBe(body);
          expect(message.messageId).toBe('SM0123456789abcdef0123456789abcdef');
          expect(message.from).toBe('+14155550100');
        }),
      );
    });
  });

  // formParams keeps fields in an object without a prototype, so a field named like an
  // Object.prototype member (constructor, toString, __proto__) is signed and verified as the plain
  // field Twilio sent: the documented HMAC-SHA1 over it matches, and the message is read.
  it.each(['constructor', 'toString', '__proto__'])('reads a genuinely signed request that carries a field named %j', (name) => {
    const pairs: Pairs = [...inbound, ['Body', 'STOP'], [name, 'x']];
    const signature = documentedSignature(token, base, pairsToParams(pairs));
    expect(twilio.read(webhookRequest(base, pairs, { [TWILIO_SIGNATURE_HEADER]: signature }), token).text).toBe('STOP');
  });
});

describe('missing signatures and the content type', () => {
  const token = 'token';
  const url = 'https://hub.example.com/webhooks/sms/twilio';
  const pairs: Pairs = [
    ['MessageSid', 'SM0123456789abcdef0123456789abcdef'],
    ['From', '+14155550100'],
    ['To', '+14155550199'],
    ['Body', 'STOP'],
  ];
  const signature = documentedSignature(token, url, pairsToParams(pairs));

  it.each([undefined, ''])('refuses a request whose X-Twilio-Signature is %j', (missing) => {
    expectInvalidSignature(() => verifyTwilioSignature(token, { url, params: pairsToParams(pairs), signature: missing }));
    expectInvalidSignature(() => twilio.read(webhookRequest(url, pairs, { [TWILIO_SIGNATURE_HEADER]: missing }), token));
    expectInvalidSignature(() => twilio.read(webhookRequest(url, pairs, {}), token));
  });

  it('reports a missing signature as a 403 invalid-signature problem', () => {
    let caught: unknown;
    try {
      twilio.read(webhookRequest(url, pairs, {}), token);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidSignatureError);
    expect(caught).toMatchObject({ status: 403, slug: 'invalid-signature' });
  });

  it.each(['application/json', 'text/plain', 'multipart/form-data; boundary=x', ''])(
    'refuses content type %j with BadRequestError, even when the signature is valid',
    (contentType) => {
      expect(() => twilio.read(webhookRequest(url, pairs, { [TWILIO_SIGNATURE_HEADER]: signature }, contentType), token)).toThrow(BadRequestError);
    },
  );

  it('refuses a wrong content type before looking at the signature', () => {
    expect(() => twilio.read(webhookRequest(url, pairs, {}, 'application/json'), token)).toThrow(BadRequestError);
  });

  it.each(['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8', 'APPLICATION/X-WWW-FORM-URLENCODED'])(
    'accepts content type %j',
    (contentType) => {
      const message = twilio.read(webhookRequest(url, pairs, { [TWILIO_SIGNATURE_HEADER]: signature }, contentType), token);
      expect(message.text).toBe('STOP');
    },
  );
});

describe('reading a verified message', () => {
  const token = 'token';
  const url = 'https://hub.example.com/webhooks/sms/twilio';
  const sid = 'SM0123456789abcdef0123456789abcdef';

  function readSigned(pairs: Pairs) {
    const signature = documentedSignature(token, url, pairsToParams(pairs));
    return twilio.read(webhookRequest(url, pairs, { [TWILIO_SIGNATURE_HEADER]: signature }), token);
  }

  const from: Pairs = [
    ['From', '+14155550100'],
    ['To', '+14155550199'],
  ];

  it.each([
    ['missing', []],
    ['empty', [['MessageSid', '']]],
    ['garbage', [['MessageSid', 'hello']]],
    ['too short', [['MessageSid', 'SM0123']]],
    ['one hex digit too many', [['MessageSid', `${sid}0`]]],
    ['not hex', [['MessageSid', `SM${'g'.repeat(32)}`]]],
    ['a call SID', [['MessageSid', `CA${sid.slice(2)}`]]],
    ['lower-case prefix', [['MessageSid', `sm${sid.slice(2)}`]]],
    ['padded with spaces', [['MessageSid', ` ${sid} `]]],
  ] as [string, Pairs][])('refuses a validly signed request whose MessageSid is %s', (_label, sidPairs) => {
    expect(() => readSigned([...sidPairs, ...from, ['Body', 'STOP']])).toThrow(BadRequestError);
  });

  it('refuses a garbage MessageSid even when SmsSid is valid', () => {
    expect(() => readSigned([['MessageSid', 'nope'], ['SmsSid', sid], ...from])).toThrow(BadRequestError);
  });

  it('accepts SM and MM SIDs, and SmsSid when MessageSid is absent', () => {
    expect(readSigned([['MessageSid', sid], ...from]).messageId).toBe(sid);
    const mms = `MM${'ABCDEF0123456789'.repeat(2)}`;
    expect(readSigned([['MessageSid', mms], ...from]).messageId).toBe(mms);
    expect(readSigned([['SmsSid', sid], ...from]).messageId).toBe(sid);
  });

  it.each([
    ['From missing', [['To', '+14155550199']]],
    [
      'From empty',
      [
        ['From', ''],
        ['To', '+14155550199'],
      ],
    ],
    ['To missing', [['From', '+14155550100']]],
  ] as [string, Pairs][])('refuses a validly signed request with %s', (_label, addressPairs) => {
    expect(() => readSigned([['MessageSid', sid], ...addressPairs, ['Body', 'STOP']])).toThrow(BadRequestError);
  });

  it('reads an absent Body as empty text', () => {
    expect(readSigned([['MessageSid', sid], ...from]).text).toBe('');
  });

  it('takes the first value of a repeated field', () => {
    const message = readSigned([['MessageSid', sid], ...from, ['Body', 'first'], ['Body', 'second']]);
    expect(message.text).toBe('first');
  });

  it.each([
    ['STOP', 'opt-out'],
    ['START', 'opt-in'],
    ['HELP', 'help'],
    ['stop', 'opt-out'],
    ['Start', 'opt-in'],
    ['help', 'help'],
    ['UNKNOWN', undefined],
    ['', undefined],
  ] as const)('maps OptOutType %j to provider intent %j', (optOutType, intent) => {
    const message = readSigned([['MessageSid', sid], ...from, ['Body', 'whatever'], ['OptOutType', optOutType]]);
    expect(message.providerIntent).toBe(intent);
  });

  it('has no provider intent without OptOutType', () => {
    expect(readSigned([['MessageSid', sid], ...from, ['Body', 'STOP']]).providerIntent).toBeUndefined();
  });

  it('parseTwilioInbound reads the fields of a parameter map', () => {
    expect(parseTwilioInbound({ MessageSid: sid, From: '+14155550100', To: '+14155550199', Body: 'hi', OptOutType: 'STOP' })).toEqual({
      provider: 'twilio',
      messageId: sid,
      from: '+14155550100',
      to: '+14155550199',
      text: 'hi',
      providerIntent: 'opt-out',
    });
  });
});

describe('smsProvider', () => {
  it('returns the Twilio provider, which uses the auth token and acknowledges with TwiML', () => {
    const provider = smsProvider('twilio');
    expect(provider).toBe(smsProviders.twilio);
    expect(provider.secrets).toContain('TWILIO_AUTH_TOKEN');
    expect(provider.acknowledge()).toEqual({ statusCode: 200, headers: { 'content-type': 'text/xml' }, body: EMPTY_TWIML });
    expect(EMPTY_TWIML).toMatch(/<Response><\/Response>$/);
    const message = { provider: 'twilio', messageId: 'SM1', from: '+14155550100', to: '+14155550199', text: 'STOP' };
    expect(provider.acknowledge({ text: 'Stopped. <No more> texts & "calls".', message }).body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Stopped. &lt;No more&gt; texts &amp; &quot;calls&quot;.</Message></Response>',
    );
  });

  it.each(['messagebird', 'Twilio', '', 'toString', '__proto__', 'constructor', 'hasOwnProperty'])(
    'refuses the unknown provider %j with BadRequestError',
    (name) => {
      expect(() => smsProvider(name)).toThrow(BadRequestError);
      try {
        smsProvider(name);
      } catch (error) {
        expect((error as BadRequestError).extensions).toEqual({ knownProviders: Object.keys(smsProviders) });
      }
    },
  );
});
