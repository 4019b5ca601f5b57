import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SecretName } from '../../shared/platform/config.js';
import {
  apiConfirmations,
  bandwidthReplyRequest,
  confirmationFor,
  isGsm7,
  repliesByApi,
  sendReply,
  sinchReplyRequest,
  telnyxReplyRequest,
  vonageReplyRequest,
  type Confirmation,
  type RecordedMessage,
  type ReplyLog,
} from '../../shared/intake/sms/replies.js';
import type { InboundSms } from '../../shared/intake/sms/providers/types.js';
import type { Secrets } from '../../shared/http/webhook.js';

/** The opt-out confirmation sent through Vonage, Telnyx, Bandwidth and Sinch's REST APIs. */

const TEXT = 'You are unsubscribed from Acme alerts. No more messages will be sent.';

function inbound(provider: string, from: string, to: string, messageId = 'm-1'): InboundSms {
  return { provider, messageId, from, to, text: 'STOP' };
}

const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;

describe('request builders', () => {
  it('Vonage: form-encoded from/to/text to /sms/json, numbers without "+", API key and secret as Basic credentials', () => {
    const request = vonageReplyRequest({ text: TEXT, message: inbound('vonage', '447700900001', '447700900000') }, { apiKey: 'abcd1234', apiSecret: 'S3cr3t' });
    expect(request).toEqual({
      method: 'POST',
      url: 'https://rest.nexmo.com/sms/json',
      headers: {
        authorization: basic('abcd1234', 'S3cr3t'),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'from=447700900000&to=447700900001&text=You+are+unsubscribed+from+Acme+alerts.+No+more+messages+will+be+sent.',
    });
  });

  it('Vonage: strips a leading "+" and sends a text outside the GSM alphabet as unicode', () => {
    const request = vonageReplyRequest(
      { text: 'Te has dado de baja. No recibirás más mensajes.', message: inbound('vonage', '+34600000001', '+34600000000') },
      { apiKey: 'k', apiSecret: 's' },
      'http://127.0.0.1:9/',
    );
    expect(request.url).toBe('http://127.0.0.1:9/sms/json');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      from: '34600000000',
      to: '34600000001',
      text: 'Te has dado de baja. No recibirás más mensajes.',
      type: 'unicode',
    });
  });

  it('knows the GSM alphabet, its extension table included', () => {
    expect(isGsm7('Stopped: é è ñ ü à Ø £ € [x] {y} ~ | ^ \\')).toBe(true);
    expect(isGsm7('recibirás')).toBe(false);
    expect(isGsm7('✓ done')).toBe(false);
  });

  it('Telnyx: JSON from (our number) / to (the sender) / text, Bearer API key', () => {
    const request = telnyxReplyRequest({ text: TEXT, message: inbound('telnyx', '+13035550123', '+18445550001') }, { apiKey: 'KEY0123' });
    expect(request).toEqual({
      method: 'POST',
      url: 'https://api.telnyx.com/v2/messages',
      headers: { authorization: 'Bearer KEY0123', 'content-type': 'application/json', accept: 'application/json' },
      body: `{"from":"+18445550001","to":"+13035550123","text":"${TEXT}"}`,
    });
  });

  it('Bandwidth: the account in the path, Basic API credentials, applicationId in the body', () => {
    const request = bandwidthReplyRequest(
      { text: TEXT, message: inbound('bandwidth', '+12345678902', '+12345678901') },
      { accountId: '9900000', username: 'api-user', password: 'api-pass', applicationId: '93de2206-9669-4e07-948d-329f4b722ee2' },
    );
    expect(request).toEqual({
      method: 'POST',
      url: 'https://messaging.bandwidth.com/api/v2/users/9900000/messages',
      headers: {
        authorization: basic('api-user', 'api-pass'),
        'content-type': 'application/json; charset=utf-8',
        accept: 'application/json',
      },
      body: `{"to":["+12345678902"],"from":"+12345678901","text":"${TEXT}","applicationId":"93de2206-9669-4e07-948d-329f4b722ee2"}`,
    });
  });

  it('Sinch: a batch to the service plan in the US region by default, Bearer token, numbers as Sinch sent them', () => {
    const request = sinchReplyRequest(
      { text: TEXT, message: inbound('sinch', '12015555555', '12015550000') },
      { servicePlanId: 'jd63jf88477ll123ab4567cd89012ef3', apiToken: 'tok' },
    );
    expect(request).toEqual({
      method: 'POST',
      url: 'https://us.sms.api.sinch.com/xms/v1/jd63jf88477ll123ab4567cd89012ef3/batches',
      headers: { authorization: 'Bearer tok', 'content-type': 'application/json', accept: 'application/json' },
      body: `{"from":"12015550000","to":["12015555555"],"body":"${TEXT}","type":"mt_text"}`,
    });
  });

  it('encodes path segments taken from configuration', () => {
    const request = bandwidthReplyRequest(
      { text: TEXT, message: inbound('bandwidth', '+1', '+2') },
      { accountId: '../admin', username: 'u', password: 'p', applicationId: 'a' },
    );
    expect(request.url).toBe('https://messaging.bandwidth.com/api/v2/users/..%2Fadmin/messages');
  });
});

describe('repliesByApi', () => {
  it('is true exactly for the providers that cannot answer in the webhook response', () => {
    expect(['vonage', 'telnyx', 'bandwidth', 'sinch'].every(repliesByApi)).toBe(true);
    expect(['twilio', 'plivo', 'toString', '__proto__'].some(repliesByApi)).toBe(false);
  });
});

interface Sent {
  url: string;
  init: RequestInit;
}

/** A fetch that records requests and answers with `respond` (a pure seam, not a mock of our code). */
function recordingFetch(respond: (url: string, init: RequestInit) => Promise<Response> | Response = () => new Response('{}', { status: 200 })) {
  const sent: Sent[] = [];
  const impl = (async (input: string | URL | Request, init?: RequestInit) => {
    sent.push({ url: String(input), init: init! });
    return respond(String(input), init!);
  }) as typeof fetch;
  return { sent, impl };
}

const telnyxSecrets: Secrets = { TELNYX_API_KEY: 'KEY0123' };
const telnyxReply = { text: TEXT, message: inbound('telnyx', '+13035550123', '+18445550001') };

describe('sendReply', () => {
  it('sends exactly the built request, once, without following redirects', async () => {
    const { sent, impl } = recordingFetch();
    const outcome = await sendReply('telnyx', telnyxReply, { secrets: telnyxSecrets, baseUrl: 'http://127.0.0.1:8080' }, impl);
    expect(outcome).toEqual({ outcome: 'sent', httpStatus: 200 });
    expect(sent).toHaveLength(1);
    const expected = telnyxReplyRequest(telnyxReply, { apiKey: 'KEY0123' }, 'http://127.0.0.1:8080');
    expect(sent[0]!.url).toBe('http://127.0.0.1:8080/v2/messages');
    expect(sent[0]!.init).toMatchObject({ method: 'POST', headers: expected.headers, body: expected.body, redirect: 'error' });
    expect(sent[0]!.init.signal).toBeInstanceOf(AbortSignal);
  });

  it.each([
    ['vonage', { VONAGE_API_KEY: 'k' }, ['VONAGE_API_SECRET']],
    ['telnyx', {}, ['TELNYX_API_KEY']],
    ['bandwidth', { BANDWIDTH_ACCOUNT_ID: '1', BANDWIDTH_API_USERNAME: 'u' }, ['BANDWIDTH_API_PASSWORD', 'BANDWIDTH_APPLICATION_ID']],
    ['sinch', { SINCH_REGION: 'eu' }, ['SINCH_SERVICE_PLAN_ID', 'SINCH_API_TOKEN']],
  ] as const)('%s: sends nothing without its reply credentials', async (provider, secrets, missing) => {
    const { sent, impl } = recordingFetch();
    const outcome = await sendReply(provider, { text: TEXT, message: inbound(provider, '+13035550123', '+18445550001') }, { secrets }, impl);
    expect(outcome).toEqual({ outcome: 'unconfigured', missing });
    expect(sent).toHaveLength(0);
  });

  it('Sinch: SINCH_REGION picks the host; an unknown region sends nothing', async () => {
    const { sent, impl } = recordingFetch(() => new Response('{"id":"01FC66621XXXXX119Z8PMV1QPQ"}', { status: 201 }));
    const secrets = { SINCH_SERVICE_PLAN_ID: 'plan', SINCH_API_TOKEN: 'tok' };
    const reply = { text: TEXT, message: inbound('sinch', '12015555555', '12015550000') };
    expect(await sendReply('sinch', reply, { secrets: { ...secrets, SINCH_REGION: 'EU' } }, impl)).toEqual({ outcome: 'sent', httpStatus: 201 });
    expect(sent.map((request) => request.url)).toEqual(['https://eu.sms.api.sinch.com/xms/v1/plan/batches']);
    const outcome = await sendReply('sinch', reply, { secrets: { ...secrets, SINCH_REGION: 'mars' } }, impl);
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'misconfigured' });
    expect(sent).toHaveLength(1);
  });

  it('refuses a base URL that is not http(s), sending nothing', async () => {
    const { sent, impl } = recordingFetch();
    expect(await sendReply('telnyx', telnyxReply, { secrets: telnyxSecrets, baseUrl: 'file:///etc/passwd' }, impl)).toMatchObject({
      outcome: 'failed',
      reason: 'misconfigured',
    });
    expect(await sendReply('telnyx', telnyxReply, { secrets: telnyxSecrets, baseUrl: 'not a url' }, impl)).toMatchObject({
      reason: 'misconfigured',
    });
    expect(sent).toHaveLength(0);
  });

  it('Vonage: a 200 whose message status is not "0" was not sent', async () => {
    const secrets = { VONAGE_API_KEY: 'k', VONAGE_API_SECRET: 's' };
    const reply = { text: TEXT, message: inbound('vonage', '447700900001', '447700900000') };
    const answer = (body: unknown) => recordingFetch(() => new Response(JSON.stringify(body), { status: 200 })).impl;
    const accepted = { 'message-count': '1', messages: [{ to: '447700900001', 'message-id': '0C000000217B7F02', status: '0' }] };
    expect(await sendReply('vonage', reply, { secrets }, answer(accepted))).toEqual({ outcome: 'sent', httpStatus: 200 });
    const refused = { 'message-count': '1', messages: [{ status: '4', 'error-text': 'Bad Credentials' }] };
    expect(await sendReply('vonage', reply, { secrets }, answer(refused))).toEqual({
      outcome: 'failed',
      reason: 'rejected',
      httpStatus: 200,
      detail: 'Vonage status 4',
    });
    expect(await sendReply('vonage', reply, { secrets }, answer({ messages: [] }))).toMatchObject({ outcome: 'failed', reason: 'rejected' });
  });

  it('an error status is rejected, with any phone number in the provider text masked', async () => {
    const { impl } = recordingFetch(
      () => new Response('{"errors":[{"code":"40310","title":"Invalid to address","detail":"+13035550123 is not reachable"}]}', { status: 422 }),
    );
    const outcome = await sendReply('telnyx', telnyxReply, { secrets: telnyxSecrets }, impl);
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'rejected', httpStatus: 422 });
    expect(JSON.stringify(outcome)).not.toContain('3035550123');
    expect(JSON.stringify(outcome)).toContain('Invalid to address');
  });

  it('an unreachable API is a failed outcome, not an exception', async () => {
    const { impl } = recordingFetch(() => Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') })));
    expect(await sendReply('telnyx', telnyxReply, { secrets: telnyxSecrets }, impl)).toEqual({
      outcome: 'failed',
      reason: 'unreachable',
      detail: 'connect ECONNREFUSED 127.0.0.1:9',
    });
  });

  it('gives up on an API that does not answer within the timeout', async () => {
    const { impl } = recordingFetch(
      (_url, init) => new Promise((_resolve, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason as Error), { once: true })),
    );
    expect(await sendReply('telnyx', telnyxReply, { secrets: telnyxSecrets, timeoutMs: 10 }, impl)).toEqual({ outcome: 'failed', reason: 'timeout' });
  });
});

// ---------------------------------------------------------------------------------------------

function recorded(kind: 'opt-out' | 'opt-in', statuses: ('suppressed' | 'allowed')[], from = '+13035550123', id = 'm-1'): RecordedMessage {
  return {
    message: inbound('telnyx', from, '+18445550001', id),
    signal: { kind, subject: [{ type: 'phone', value: from }] },
    outcome: { statusChanges: statuses.map((status) => ({ status })) },
  };
}

describe('confirmationFor (when a confirmation is due)', () => {
  it('confirms the STOP that suppressed the number', () => {
    const stop = recorded('opt-out', ['suppressed']);
    expect(confirmationFor([stop], TEXT)).toEqual({ text: TEXT, message: stop.message, address: '+13035550123' });
  });

  it('is off unless a text is configured', () => {
    expect(confirmationFor([recorded('opt-out', ['suppressed'])], undefined)).toBeUndefined();
  });

  it('sends nothing for a duplicate or a repeated STOP (nothing changed status)', () => {
    expect(confirmationFor([recorded('opt-out', [])], TEXT)).toBeUndefined();
  });

  it('sends nothing for START or for a change that allowed the number', () => {
    expect(confirmationFor([recorded('opt-in', ['allowed'])], TEXT)).toBeUndefined();
    expect(confirmationFor([recorded('opt-out', ['allowed'])], TEXT)).toBeUndefined();
  });

  it('confirms only once per webhook, for the first suppressing STOP of a batch', () => {
    const batch = [
      recorded('opt-out', [], '+13035550100', 'a'),
      recorded('opt-out', ['suppressed'], '+13035550101', 'b'),
      recorded('opt-out', ['suppressed'], '+13035550102', 'c'),
    ];
    expect(confirmationFor(batch, TEXT)?.message.messageId).toBe('b');
  });
});

// ---------------------------------------------------------------------------------------------

function recordingLog() {
  const lines: { level: 'info' | 'warn'; message: string; extra: unknown[] }[] = [];
  return {
    lines,
    log: {
      info: (message: string, ...extra: unknown[]) => void lines.push({ level: 'info', message, extra }),
      warn: (message: string, ...extra: unknown[]) => void lines.push({ level: 'warn', message, extra }),
    } as unknown as ReplyLog,
  };
}

const confirmation: Confirmation = { ...telnyxReply, address: '+13035550123' };
const secretsFrom = (values: Secrets) => async (names: readonly SecretName[]) =>
  Object.fromEntries(names.flatMap((name) => (values[name] ? [[name, values[name]]] : []))) as Secrets;

describe('apiConfirmations (what the webhook calls)', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('with no reply credentials sends nothing and says so once, at info', async () => {
    const { sent, impl } = recordingFetch();
    const { lines, log } = recordingLog();
    const confirm = apiConfirmations({ fetchImpl: impl, log, readSecrets: secretsFrom({}) });
    expect(await confirm('telnyx', confirmation)).toEqual({ outcome: 'unconfigured', missing: ['TELNYX_API_KEY'] });
    await confirm('telnyx', confirmation);
    expect(sent).toHaveLength(0);
    expect(lines.map(({ level }) => level)).toEqual(['info']);
  });

  it('sends through the configured base URL and logs the address only redacted', async () => {
    vi.stubEnv('SMS_REPLY_API_BASE_TELNYX', 'http://127.0.0.1:4010');
    const { sent, impl } = recordingFetch();
    const { lines, log } = recordingLog();
    const confirm = apiConfirmations({ fetchImpl: impl, log, readSecrets: secretsFrom(telnyxSecrets) });
    expect(await confirm('telnyx', confirmation)).toEqual({ outcome: 'sent', httpStatus: 200 });
    expect(sent.map((request) => request.url)).toEqual(['http://127.0.0.1:4010/v2/messages']);
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain('3035550123');
    expect(JSON.stringify(lines)).toMatch(/addr_[0-9a-f]{12}/);
  });

  it('never throws: a rejected send, unreadable secrets or bad configuration are logged warnings', async () => {
    const { lines, log } = recordingLog();
    const failing = recordingFetch(() => new Response('{"errors":[{"detail":"+13035550123 blocked"}]}', { status: 500 }));
    const rejected = await apiConfirmations({ fetchImpl: failing.impl, log, readSecrets: secretsFrom(telnyxSecrets) })('telnyx', confirmation);
    expect(rejected).toMatchObject({ outcome: 'failed', reason: 'rejected', httpStatus: 500 });

    const unreadable = await apiConfirmations({
      fetchImpl: failing.impl,
      log,
      readSecrets: () => Promise.reject(new Error('Secrets Manager is unavailable')),
    })('telnyx', confirmation);
    expect(unreadable).toMatchObject({ outcome: 'failed', reason: 'misconfigured', detail: 'Secrets Manager is unavailable' });

    vi.stubEnv('SMS_REPLY_TIMEOUT_MS', 'soon');
    const badTimeout = await apiConfirmations({ fetchImpl: failing.impl, log, readSecrets: secretsFrom(telnyxSecrets) })('telnyx', confirmation);
    expect(badTimeout).toMatchObject({ outcome: 'failed', reason: 'misconfigured' });

    expect(failing.sent).toHaveLength(1);
    expect(lines.map(({ level }) => level)).toEqual(['warn', 'warn', 'warn']);
    expect(JSON.stringify(lines)).not.toContain('3035550123');
  });
});
