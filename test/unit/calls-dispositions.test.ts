import { Webhook } from 'standardwebhooks';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import { describe, expect, it } from 'vitest';
import { dialer, MAX_AGENT_LENGTH, MAX_ID, readTime } from '../../shared/intake/calls/adapters.js';
import { defaultDispositionMap, dispositionAction, normalizeCode, parseDispositionMap } from '../../shared/intake/calls/disposition-map.js';
import { deadlines } from '../../shared/intake/calls/receipt.js';
import { slaPolicy } from '../../shared/core/sla.js';
import { callEventId, signalFromDisposition } from '../../shared/intake/calls/record.js';
import type { CallDisposition } from '../../shared/intake/calls/types.js';
import { BadRequestError, ConfigurationError, InvalidSignatureError, NotFoundError } from '../../shared/core/errors.js';
import type { WebhookRequest } from '../../shared/http/webhook.js';

const SECRET = `whsec_${Buffer.from('a-test-secret-of-32-bytes-length!').toString('base64')}`;
const secrets = { DIALER_WEBHOOK_SECRETS: `generic:${SECRET},genesys:${SECRET},connect:${SECRET},five9:${SECRET}`, TWILIO_AUTH_TOKEN: 'twilio-token' };
const URL = 'https://hooks.example.com/webhooks/calls';

/** Signed with the Standard Webhooks reference library's own signer. */
function standard(dialerName: string, body: unknown, options: { at?: Date; secret?: string; contentType?: string; raw?: string } = {}): WebhookRequest {
  const rawBody = options.raw ?? JSON.stringify(body);
  const id = `msg_${Math.random().toString(36).slice(2)}`;
  const at = options.at ?? new Date();
  return {
    method: 'POST',
    url: `${URL}/${dialerName}`,
    query: {},
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(options.secret ?? SECRET).sign(id, at, rawBody),
      'content-type': options.contentType ?? 'application/json',
    },
    contentType: options.contentType ?? 'application/json',
    rawBody,
  };
}

/** Signed the way Twilio documents (its helper library's getExpectedTwilioSignature). */
function taskRouter(params: Record<string, string>, token = 'twilio-token'): WebhookRequest {
  const url = `${URL}/twilio`;
  return {
    method: 'POST',
    url,
    query: {},
    headers: { 'x-twilio-signature': twilioWebhooks.getExpectedTwilioSignature(token, url, params) },
    contentType: 'application/x-www-form-urlencoded',
    rawBody: new URLSearchParams(params).toString(),
  };
}

const cases: { dialer: string; request: () => WebhookRequest; expected: CallDisposition }[] = [
  {
    dialer: 'generic',
    request: () =>
      standard('generic', { phone: '(415) 555-0101', disposition: 'DNC', agentId: 'a-7', callId: 'call-1', occurredAt: '2026-03-02T15:00:00-05:00' }),
    expected: {
      dialer: 'generic',
      callId: 'call-1',
      phone: '(415) 555-0101',
      code: 'DNC',
      agentId: 'a-7',
      occurredAt: '2026-03-02T20:00:00.000Z',
      scope: undefined,
    },
  },
  {
    dialer: 'twilio',
    request: () =>
      taskRouter({
        EventType: 'task.wrapup',
        TaskSid: 'WT0123456789abcdef0123456789abcdef',
        WorkerSid: 'WK0123456789abcdef0123456789abcdef',
        Timestamp: '1772481600',
        TaskAttributes: JSON.stringify({ from: '+14155550102', to: '+15017250604', direction: 'inbound', conversations: { outcome: 'Wrong Number' } }),
      }),
    expected: {
      dialer: 'twilio',
      callId: 'WT0123456789abcdef0123456789abcdef',
      phone: '+14155550102',
      code: 'Wrong Number',
      agentId: 'WK0123456789abcdef0123456789abcdef',
      occurredAt: '2026-03-02T20:00:00.000Z',
    },
  },
  {
    dialer: 'genesys',
    request: () =>
      standard('genesys', {
        version: '0',
        'detail-type': 'v2.detail.events.conversation.{id}.acw',
        source: 'aws.partner/genesys.com/cloud/org/acw',
        detail: {
          topicName: 'v2.detail.events.conversation.c-1.acw',
          eventBody: {
            conversationId: 'c-1',
            participantId: 'p-1',
            userId: 'u-1',
            wrapupCode: '7f3e-dnc',
            eventTime: '2026-03-02T20:00:00.000Z',
            dnis: 'tel:+14155550103',
            ani: 'tel:+15017250604',
            direction: 'OUTBOUND',
          },
        },
      }),
    expected: { dialer: 'genesys', callId: 'c-1', phone: '+14155550103', code: '7f3e-dnc', agentId: 'u-1', occurredAt: '2026-03-02T20:00:00.000Z' },
  },
  {
    dialer: 'connect',
    request: () =>
      standard('connect', {
        Details: {
          ContactData: {
            ContactId: 'ct-1',
            CustomerEndpoint: { Address: '+14155550104', Type: 'TELEPHONE_NUMBER' },
            Attributes: { disposition: 'Do Not Text' },
            DisconnectTimestamp: '2026-03-02T20:00:00Z',
          },
        },
      }),
    expected: { dialer: 'connect', callId: 'ct-1', phone: '+14155550104', code: 'Do Not Text', agentId: undefined, occurredAt: '2026-03-02T20:00:00.000Z' },
  },
  {
    dialer: 'five9',
    request: () => {
      const form = new URLSearchParams({
        'Call.call_id': '300000001',
        'Call.number': '4155550105',
        'Call.disposition_name': 'Do Not Call',
        'Agent.user_name': 'jo@example.com',
        'Call.end_timestamp': '2026-03-02 20:00:00',
      }).toString();
      return standard('five9', undefined, { raw: form, contentType: 'application/x-www-form-urlencoded' });
    },
    expected: {
      dialer: 'five9',
      callId: '300000001',
      phone: '4155550105',
      code: 'Do Not Call',
      agentId: 'jo@example.com',
      occurredAt: '2026-03-02T20:00:00.000Z',
    },
  },
];

describe('dialer adapters (signed the documented way)', () => {
  for (const { dialer: name, request, expected } of cases) {
    it(`${name}: verifies and reads the disposition`, () => {
      expect(dialer(name).read(request(), secrets)).toEqual(expected);
    });

    it(`${name}: refuses a request signed with another secret`, () => {
      const other = `whsec_${Buffer.from('another-secret-another-secret-12').toString('base64')}`;
      const forged =
        name === 'twilio'
          ? () => dialer(name).read(taskRouter({ EventType: 'task.wrapup', TaskSid: 'WT1' }, 'other-token'), secrets)
          : () => {
              const signed = request();
              const reSigned = standard(name, undefined, { raw: signed.rawBody, secret: other, contentType: signed.contentType });
              return dialer(name).read(reSigned, secrets);
            };
      expect(forged).toThrow(InvalidSignatureError);
    });
  }

  it('refuses a Standard Webhooks request outside the ±5 minute window, and one with its body changed', () => {
    const body = { phone: '+14155550101', disposition: 'DNC', callId: 'c', occurredAt: '2026-03-02T20:00:00Z' };
    expect(() => dialer('generic').read(standard('generic', body, { at: new Date(Date.now() - 6 * 60_000) }), secrets)).toThrow(InvalidSignatureError);
    const tampered = { ...standard('generic', body), rawBody: JSON.stringify({ ...body, disposition: 'SALE' }) };
    expect(() => dialer('generic').read(tampered, secrets)).toThrow(InvalidSignatureError);
    const unsigned = standard('generic', body);
    delete unsigned.headers['webhook-signature'];
    expect(() => dialer('generic').read(unsigned, secrets)).toThrow(InvalidSignatureError);
  });

  it('fails closed when a dialer has no secret, and names unknown dialers', () => {
    expect(() => dialer('generic').read(standard('generic', {}), { DIALER_WEBHOOK_SECRETS: `five9:${SECRET}` })).toThrow(ConfigurationError);
    expect(() => dialer('nice')).toThrow(NotFoundError);
  });

  it('acknowledges TaskRouter events that are not dispositions without reading them as one', () => {
    expect(dialer('twilio').read(taskRouter({ EventType: 'task.created', TaskSid: 'WT1', TaskAttributes: '{}' }), secrets)).toBeUndefined();
  });
});

describe('field limits (a 400 naming the field, never a 500)', () => {
  const five9 = (fields: Record<string, string>) =>
    standard('five9', undefined, {
      raw: new URLSearchParams({ 'Call.call_id': '300000001', 'Call.number': '4155550105', 'Call.disposition_name': 'Do Not Call', ...fields }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
  const refusal = (read: () => unknown, path: string) => {
    expect(read).toThrow(BadRequestError);
    expect(read).toThrow(expect.objectContaining({ status: 400, extensions: { errors: [expect.objectContaining({ path })] } }));
  };
  const context = { receivedAt: new Date('2026-03-02T21:00:00Z'), defaultRegion: 'US' as const };

  it(`reads a Five9 Agent.user_name of ${MAX_AGENT_LENGTH} characters into a valid signal, and refuses a longer one`, () => {
    const disposition = dialer('five9').read(five9({ 'Agent.user_name': 'a'.repeat(MAX_AGENT_LENGTH) }), secrets)!;
    expect(signalFromDisposition(disposition, 'do-not-call', context).evidence.collectedBy).toBe(`agent:${'a'.repeat(MAX_AGENT_LENGTH)}`);
    refusal(() => dialer('five9').read(five9({ 'Agent.user_name': 'a'.repeat(5000) }), secrets), 'Agent.user_name');
    refusal(() => dialer('five9').read(five9({ 'Agent.id': 'a'.repeat(MAX_AGENT_LENGTH + 1) }), secrets), 'Agent.id');
  });

  it('bounds the agent of every dialer', () => {
    const long = 'u'.repeat(MAX_AGENT_LENGTH + 1);
    const generic = { phone: '+14155550101', disposition: 'DNC', callId: 'c', occurredAt: '2026-03-02T20:00:00Z', agentId: long };
    refusal(() => dialer('generic').read(standard('generic', generic), secrets), 'agentId');
    const task = {
      EventType: 'task.wrapup',
      TaskSid: 'WT1',
      WorkerSid: long,
      TaskAttributes: JSON.stringify({ from: '+14155550102', conversations: { outcome: 'DNC' } }),
    };
    expect(() => dialer('twilio').read(taskRouter(task), secrets)).toThrow(BadRequestError);
    const contact = { ContactId: 'ct-1', CustomerEndpoint: { Address: '+14155550104' }, Attributes: { disposition: 'DNC' }, Agent: { Username: long } };
    refusal(() => dialer('connect').read(standard('connect', contact), secrets), 'Agent.Username');
  });

  it('refuses a call id or code with an unpaired surrogate, naming it', () => {
    // JSON can carry an unpaired surrogate (as a \u escape); a form cannot, its encoding replaces it.
    const call = { 'Call.call_id': '300000001', 'Call.number': '4155550105', 'Call.disposition_name': 'Do Not Call' };
    refusal(() => dialer('five9').read(standard('five9', { ...call, 'Call.call_id': 'call-\ud800' }), secrets), 'Call.call_id');
    refusal(() => dialer('five9').read(standard('five9', { ...call, 'Call.disposition_name': 'x\udc00' }), secrets), 'Call.disposition_name');
    const generic = { phone: '+14155550101', disposition: 'DNC', callId: 'c-\ud801', occurredAt: '2026-03-02T20:00:00Z' };
    refusal(() => dialer('generic').read(standard('generic', generic), secrets), 'callId');
  });

  it('keeps the event id within 256 characters for the longest call id and code, and unchanged where it fits', () => {
    const disposition = { dialer: 'genesys', callId: 'c'.repeat(MAX_ID), code: 'D'.repeat(128), phone: '+14155550101' };
    const id = callEventId(disposition);
    expect(id.length).toBeLessThanOrEqual(256);
    expect(id).not.toBe(callEventId({ ...disposition, code: `${'D'.repeat(127)}E` }));
    expect(signalFromDisposition(disposition, 'do-not-call', context).id).toBe(id);
    expect(callEventId({ dialer: 'five9', callId: '300000001', code: 'Do Not Call' })).toBe('call.five9.300000001.DO_NOT_CALL');
  });
});

describe('disposition map', () => {
  const table: [string, string, string | undefined][] = [
    ['generic', 'DNC', 'do-not-call'],
    ['generic', 'do-not-call', 'do-not-call'],
    ['five9', 'Do Not Call', 'do-not-call'],
    ['twilio', 'Wrong Number', 'wrong-number'],
    ['connect', 'Do Not Text', 'do-not-text'],
    ['generic', 'Do not contact', 'do-not-contact'],
    ['five9', 'No Answer', 'ignore'],
    ['twilio', 'Sale', 'ignore'],
    ['genesys', '7f3e-dnc', undefined],
    ['generic', 'MAYBE LATER', undefined],
  ];
  it.each(table)('%s %j → %s (defaults)', (name, code, action) => {
    expect(dispositionAction(defaultDispositionMap, name, code)).toBe(action);
  });

  it('takes per-dialer codes from configuration, over the defaults, and from a file path too', () => {
    const map = parseDispositionMap(
      JSON.stringify({ genesys: { '7f3e-dnc': 'do-not-call' }, five9: { 'Do Not Call': 'do-not-contact' }, '*': { Hostile: 'do-not-contact' } }),
    );
    expect(dispositionAction(map, 'genesys', '7f3e-dnc')).toBe('do-not-call');
    expect(dispositionAction(map, 'five9', 'DO NOT CALL')).toBe('do-not-contact');
    expect(dispositionAction(map, 'generic', 'Do Not Call')).toBe('do-not-call');
    expect(dispositionAction(map, 'twilio', 'hostile')).toBe('do-not-contact');
    expect(dispositionAction(map, 'generic', '7f3e-dnc')).toBeUndefined();
    expect(() => parseDispositionMap('{"generic":{"X":"shout"}}')).toThrow(ConfigurationError);
    expect(() => parseDispositionMap('/no/such/file.json')).toThrow(ConfigurationError);
  });

  it('normalizes codes written different ways to one', () => {
    expect(normalizeCode(' do-not call ')).toBe('DO_NOT_CALL');
  });
});

describe('signals from dispositions', () => {
  const call: CallDisposition = {
    dialer: 'five9',
    callId: '42',
    phone: '415 555 0199',
    code: 'Do Not Call',
    agentId: 'jo',
    occurredAt: '2026-03-02T20:00:00.000Z',
  };
  const context = { receivedAt: new Date('2026-03-02T20:00:05Z'), defaultRegion: 'US' as const };
  const table: [Parameters<typeof signalFromDisposition>[1], string[], string][] = [
    ['do-not-call', ['voice'], 'address'],
    ['do-not-text', ['sms'], 'address'],
    ['do-not-contact', ['sms', 'email', 'voice', 'mail'], 'person'],
    ['wrong-number', ['voice', 'sms'], 'address'],
  ];
  it.each(table)('%s suppresses %j with %s scope', (action, expectedChannels, scope) => {
    const signal = signalFromDisposition(call, action, context);
    expect(signal).toMatchObject({
      id: 'call.five9.42.DO_NOT_CALL',
      kind: 'opt-out',
      channels: expectedChannels,
      scope,
      subject: [{ type: 'phone', value: '+14155550199' }],
      occurredAt: '2026-03-02T20:00:00.000Z',
      source: { type: 'call-disposition', provider: 'five9', messageId: '42' },
      evidence: { method: 'phone-call', collectedBy: 'agent:jo', reference: 'five9:42' },
    });
  });

  it('the same call and code is the same event; another code on the same call is another', () => {
    expect(callEventId(call)).toBe(callEventId({ ...call, code: 'DO_NOT_CALL' }));
    expect(callEventId(call)).not.toBe(callEventId({ ...call, code: 'Wrong Number' }));
  });

  it('dates a disposition from the future, or without a time, at arrival: a refused webhook would lose the opt-out', () => {
    expect(signalFromDisposition({ ...call, occurredAt: '2026-03-02T21:00:00.000Z' }, 'do-not-call', context).occurredAt).toBe('2026-03-02T20:00:05.000Z');
    expect(signalFromDisposition({ ...call, occurredAt: '2026-03-02T20:03:00.000Z' }, 'do-not-call', context).occurredAt).toBe('2026-03-02T20:00:05.000Z');
    expect(signalFromDisposition({ ...call, occurredAt: undefined }, 'do-not-call', context).occurredAt).toBe('2026-03-02T20:00:05.000Z');
  });

  it('reads the time formats dialers send', () => {
    expect(readTime('1772481600')).toBe('2026-03-02T20:00:00.000Z');
    expect(readTime('1772481600000')).toBe('2026-03-02T20:00:00.000Z');
    expect(readTime('2026-03-02 20:00:00')).toBe('2026-03-02T20:00:00.000Z');
    expect(() => readTime('yesterday')).toThrow(/not a time/);
  });
});

describe('deadlines', () => {
  const policy = slaPolicy();

  it('counts 10 business days from the call, skipping weekends and federal holidays, and the SLA in hours', () => {
    // Friday 2026-03-06 → ten business days later is Friday 2026-03-20.
    expect(deadlines({ occurredAt: '2026-03-06T17:00:00.000Z' }, ['voice'], policy, 24)).toEqual({
      regulatory: '2026-03-20T17:00:00.000Z',
      byChannel: { voice: '2026-03-20T17:00:00.000Z' },
      sla: '2026-03-07T17:00:00.000Z',
    });
    // Saturday 2026-11-28 counts from Monday 00:00: due Monday 2026-12-14 00:00.
    expect(deadlines({ occurredAt: '2026-11-28T12:00:00.000Z' }, ['voice'], policy, 24).regulatory).toBe('2026-12-14T00:00:00.000Z');
    // Wednesday 2026-11-25: Thanksgiving is not a business day.
    expect(deadlines({ occurredAt: '2026-11-25T12:00:00.000Z' }, ['voice'], policy, 24).regulatory).toBe('2026-12-10T12:00:00.000Z');
  });

  it("states each channel's deadline and the earliest as the regulatory one", () => {
    const all = deadlines({ occurredAt: '2026-03-06T17:00:00.000Z' }, ['sms', 'email', 'voice', 'mail'], policy, 24);
    expect(all.byChannel).toEqual({
      sms: '2026-03-20T17:00:00.000Z',
      email: '2026-03-08T17:00:00.000Z',
      voice: '2026-03-20T17:00:00.000Z',
      mail: '2026-03-20T17:00:00.000Z',
    });
    expect(all.regulatory).toBe('2026-03-08T17:00:00.000Z');
  });
});
