import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadRequestError, ConfigurationError, UnauthenticatedError } from '../../shared/core/errors.js';
import { bandwidth, parseBandwidthCallbacks } from '../../shared/intake/sms/providers/bandwidth.js';
import { BASIC_CHALLENGE, basicCredentials, safeEqual } from '../../shared/http/basic-auth.js';
import type { Secrets, WebhookRequest } from '../../shared/http/webhook.js';

const USERNAME = 'bandwidth-callbacks';
const PASSWORD = 'c0rrect horse: battery staple';
const SECRETS: Secrets = { BANDWIDTH_USERNAME: USERNAME, BANDWIDTH_PASSWORD: PASSWORD };
const NOW = new Date('2026-01-01T12:00:00.000Z');

/** RFC 7617, written independently of the code under test. */
function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** A callback carrying `authorization` (null: no Authorization header). */
function webhookRequest(rawBody: string, authorization: string | null = basic(USERNAME, PASSWORD)): WebhookRequest {
  return {
    method: 'POST',
    url: 'https://hub.example.com/webhooks/sms/bandwidth',
    query: {},
    headers: authorization === null ? {} : { authorization },
    contentType: 'application/json; charset=utf-8',
    rawBody,
  };
}

const read = (request: WebhookRequest, secrets: Secrets = SECRETS) => bandwidth.read(request, secrets, NOW);

/** The reference's Appendix A `message-received` sample (reconstructed from Bandwidth's field table). */
const SAMPLE =
  '[{"type":"message-received","time":"2016-09-14T18:20:16Z","description":"Incoming message received",' +
  '"to":"+12345678902","message":{"id":"14762070468292kw2fuqty55yp2b2","time":"2016-09-14T18:20:16Z",' +
  '"to":["+12345678902"],"from":"+12345678901","text":"STOP","applicationId":"93de2206-9669-4e07-948d-329f4b722ee2",' +
  '"media":[],"owner":"+12345678902","direction":"in","segmentCount":1}}]';

const SAMPLE_MESSAGE = {
  provider: 'bandwidth',
  messageId: '14762070468292kw2fuqty55yp2b2',
  from: '+12345678901',
  to: '+12345678902',
  text: 'STOP',
  occurredAt: '2016-09-14T18:20:16Z',
};

/** One message-received event; `message` fields override a minimal valid inbound message. */
function received(message: Record<string, unknown> = {}, event: Record<string, unknown> = {}) {
  return {
    type: 'message-received',
    time: '2026-01-01T11:59:59Z',
    description: 'Incoming message received',
    to: '+14155550199',
    ...event,
    message: {
      id: 'msg-1',
      time: '2026-01-01T11:59:58Z',
      to: ['+14155550199'],
      from: '+14155550100',
      text: 'STOP',
      owner: '+14155550199',
      direction: 'in',
      ...message,
    },
  };
}

function delivered(id: string) {
  return {
    type: 'message-delivered',
    time: '2026-01-01T11:59:59Z',
    description: 'ok',
    to: '+14155550100',
    message: { id, time: '2026-01-01T11:59:50Z', to: ['+14155550100'], from: '+14155550199', text: '', owner: '+14155550199', direction: 'out' },
  };
}

const body = (...events: unknown[]) => JSON.stringify(events);
/** The first message read from an authenticated callback holding `events`. */
const first = (...events: unknown[]) => read(webhookRequest(body(...events)))[0]!;

describe('authenticated callbacks', () => {
  it('read the reference sample as exactly one message', () => {
    expect(read(webhookRequest(SAMPLE))).toEqual([SAMPLE_MESSAGE]);
  });

  it('read an array of two messages as two, in order', () => {
    const raw = body(received(), received({ id: 'msg-2', from: '+14155550101', text: 'unsubscribe', time: '2026-01-01T11:59:59.500Z' }));
    expect(read(webhookRequest(raw))).toEqual([
      { provider: 'bandwidth', messageId: 'msg-1', from: '+14155550100', to: '+14155550199', text: 'STOP', occurredAt: '2026-01-01T11:59:58Z' },
      {
        provider: 'bandwidth',
        messageId: 'msg-2',
        from: '+14155550101',
        to: '+14155550199',
        text: 'unsubscribe',
        occurredAt: '2026-01-01T11:59:59.500Z',
      },
    ]);
  });

  it('ignore delivery receipts and outbound copies among messages', () => {
    const raw = body(
      delivered('out-1'),
      received(),
      { ...delivered('out-2'), type: 'message-failed', errorCode: 4720 },
      { ...delivered('out-3'), type: 'message-sending' },
      received({ direction: 'out', id: 'echo' }),
      { type: 'something-new', message: { direction: 'in' } },
    );
    expect(read(webhookRequest(raw)).map((message) => message.messageId)).toEqual(['msg-1']);
  });

  it('acknowledge a callback with no messages in it, and an empty array', () => {
    expect(read(webhookRequest(body(delivered('out-1'))))).toEqual([]);
    expect(read(webhookRequest('[]'))).toEqual([]);
  });

  it('take the recipient from message.owner, which is ours in a group message', () => {
    const group = received({ to: ['+14155550111', '+14155550199', '+14155550122'], owner: '+14155550199' }, { to: '+14155550199' });
    expect(first(group).to).toBe('+14155550199');
  });

  it('fall back to the event to, then message.to[0], for the recipient', () => {
    expect(first(received({ owner: undefined }, { to: '+14155550177' })).to).toBe('+14155550177');
    expect(first(received({ owner: undefined, to: ['+14155550188'] }, { to: undefined })).to).toBe('+14155550188');
  });

  it('take the event time when the message has none, and no time when neither has one', () => {
    expect(first(received({ time: undefined })).occurredAt).toBe('2026-01-01T11:59:59Z');
    expect(first(received({ time: undefined }, { time: undefined }))).not.toHaveProperty('occurredAt');
  });

  it('read an MMS without text as empty text', () => {
    expect(first(received({ text: undefined, media: ['https://messaging.bandwidth.com/m/1'] })).text).toBe('');
  });

  it.each([
    ['lower-case scheme', `basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`],
    ['upper-case scheme', `BASIC ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`],
  ])('accept the credentials with a %s', (_label, authorization) => {
    expect(read(webhookRequest(SAMPLE, authorization))).toEqual([SAMPLE_MESSAGE]);
  });

  it('accept unicode credentials (RFC 7617 charset="UTF-8")', () => {
    const secrets = { BANDWIDTH_USERNAME: 'jürgen', BANDWIDTH_PASSWORD: 'pässwörd✓' };
    expect(read(webhookRequest(SAMPLE, basic('jürgen', 'pässwörd✓')), secrets)).toEqual([SAMPLE_MESSAGE]);
  });
});

describe('credentials that must be refused (401)', () => {
  it.each([
    ['no Authorization header', null],
    ['an empty Authorization header', ''],
    ['a Bearer token', 'Bearer abc.def.ghi'],
    ['Basic without credentials', 'Basic'],
    ['Basic with garbage', 'Basic !!!not-base64!!!'],
    ['Basic credentials without a colon', `Basic ${Buffer.from(`${USERNAME}${PASSWORD}`).toString('base64')}`],
    ['the wrong password', basic(USERNAME, 'wrong')],
    ['the wrong username', basic('someone', PASSWORD)],
    ['the password as username and the username as password', basic(PASSWORD, USERNAME)],
    ['a password that is a prefix of the right one', basic(USERNAME, PASSWORD.slice(0, -1))],
    ['a password with one character more', basic(USERNAME, `${PASSWORD}x`)],
    ['an empty password', basic(USERNAME, '')],
    ['credentials in the wrong case', basic(USERNAME.toUpperCase(), PASSWORD.toUpperCase())],
    ['the username and password without Basic', Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')],
  ])('%s', (_label, authorization) => {
    let caught: unknown;
    try {
      read(webhookRequest(SAMPLE, authorization));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnauthenticatedError);
    // 401 carrying the challenge, so a client that only sends credentials when asked knows to.
    expect(caught).toMatchObject({ status: 401, slug: 'unauthenticated', headers: { 'www-authenticate': BASIC_CHALLENGE } });
  });

  it('checks credentials before reading the body', () => {
    expect(() => read(webhookRequest('not json', null))).toThrow(UnauthenticatedError);
  });
});

describe('configuration', () => {
  it.each([
    ['neither', {}],
    ['only the username', { BANDWIDTH_USERNAME: USERNAME }],
    ['only the password', { BANDWIDTH_PASSWORD: PASSWORD }],
    ['empty values', { BANDWIDTH_USERNAME: '', BANDWIDTH_PASSWORD: '' }],
  ] as [string, Secrets][])('refuses every callback when %s is configured (fail closed)', (_label, secrets) => {
    expect(() => read(webhookRequest(SAMPLE), secrets)).toThrow(ConfigurationError);
    expect(() => read(webhookRequest(SAMPLE, null), secrets)).toThrow(ConfigurationError);
  });

  it('names the secrets it reads and acknowledges with an empty 200', () => {
    expect(bandwidth.secrets).toEqual(['BANDWIDTH_USERNAME', 'BANDWIDTH_PASSWORD']);
    expect(bandwidth.acknowledge()).toEqual({ statusCode: 200, headers: {}, body: '' });
    expect(
      bandwidth.acknowledge({
        text: 'You are unsubscribed.',
        message: { provider: 'test', messageId: 'm1', from: '+14155550100', to: '+14155550199', text: 'STOP' },
      }),
    ).toEqual({ statusCode: 200, headers: {}, body: '' });
  });
});

describe('authenticated bodies that cannot be read (400), so nothing of them is recorded', () => {
  it.each([
    ['not JSON', 'STOP'],
    ['a single event instead of an array', JSON.stringify(received())],
    ['null', 'null'],
    ['a string', '"message-received"'],
    ['an array holding null', '[null]'],
    ['an array holding a number', '[1]'],
  ])('%s', (_label, raw) => {
    expect(() => read(webhookRequest(raw))).toThrow(BadRequestError);
  });

  it.each([
    ['no message', { ...received(), message: undefined }],
    ['a message that is a string', { ...received(), message: 'STOP' }],
    ['no message.id', received({ id: undefined })],
    ['an empty message.id', received({ id: '' })],
    ['no message.from', received({ from: undefined })],
    ['a numeric message.from', received({ from: 14155550100 })],
    ['no recipient anywhere', received({ owner: undefined, to: [] }, { to: undefined })],
  ])('a message-received with %s', (_label, event) => {
    expect(() => read(webhookRequest(body(event)))).toThrow(BadRequestError);
  });

  it('refuses the whole batch when one message in it is malformed, after good ones', () => {
    const raw = body(received(), received({ id: 'msg-2' }), received({ id: undefined }));
    expect(() => read(webhookRequest(raw))).toThrow(BadRequestError);
    expect(() => parseBandwidthCallbacks(raw)).toThrow(/Callback 2/);
  });
});

describe('basic-auth helpers', () => {
  it('basicCredentials splits at the first colon: the password may contain colons, the user-id may not', () => {
    expect(basicCredentials(basic('user', 'pa:ss:word'))).toEqual({ username: 'user', password: 'pa:ss:word' });
    expect(basicCredentials(basic('', ''))).toEqual({ username: '', password: '' });
    expect(basicCredentials('Digest username="x"')).toBeUndefined();
    expect(basicCredentials(undefined)).toBeUndefined();
  });

  it('safeEqual compares exactly, whatever the lengths', () => {
    expect(safeEqual('secret', 'secret')).toBe(true);
    expect(safeEqual('secret', 'secret ')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('a', '')).toBe(false);
    expect(safeEqual('é', 'e\u0301')).toBe(false);
  });
});

describe('properties', () => {
  // A user-id has no colon (RFC 7617); everything else is fair game.
  const username = fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).filter((name) => !name.includes(':'));
  const password = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });

  it('any text from a correctly authenticated callback is read back exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 160 }), { minLength: 1, maxLength: 5 }), (texts) => {
        const raw = body(...texts.map((text, i) => received({ id: `msg-${i}`, text })));
        expect(read(webhookRequest(raw)).map((message) => message.text)).toEqual(texts);
      }),
    );
  });

  it('any credentials are accepted exactly; any single-byte change of them is refused', () => {
    fc.assert(
      fc.property(username, password, fc.nat(), fc.integer({ min: 1, max: 255 }), (user, pass, index, mask) => {
        const secrets = { BANDWIDTH_USERNAME: user, BANDWIDTH_PASSWORD: pass };
        expect(read(webhookRequest(SAMPLE, basic(user, pass)), secrets)).toEqual([SAMPLE_MESSAGE]);
        const credentials = Buffer.from(`${user}:${pass}`, 'utf8');
        credentials[index % credentials.length] = credentials[index % credentials.length]! ^ mask;
        const authorization = `Basic ${credentials.toString('base64')}`;
        expect(() => read(webhookRequest(SAMPLE, authorization), secrets)).toThrow(UnauthenticatedError);
      }),
    );
  });
});
