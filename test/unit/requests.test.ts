import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadRequestError, InvalidAddressError, ProblemError } from '../../shared/core/errors.js';
import { applySignal, emptyRecord, suppressionFor, withIdentities } from '../../shared/core/preferences.js';
import { requestSchema, signalFromRequest, type CanonicalRequest } from '../../shared/intake/requests/requests.js';
import { signalSchema, type Signal } from '../../shared/core/signal.js';

const context = { receivedAt: new Date('2024-05-01T12:34:56.789Z'), defaultRegion: 'US' as const };

function request(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    requestId: 'letter-0042',
    kind: 'opt-out',
    channels: ['mail', 'email'],
    subject: {
      email: ' Ana@Example.com ',
      postal: { line1: '123 Main Street, Apt 4', city: 'Springfield', state: 'il', postalCode: '62704-1234' },
    },
    occurredAt: '2024-04-28T09:00:00Z',
    source: 'mail',
    ...overrides,
  };
}

const parse = (overrides: Record<string, unknown> = {}): CanonicalRequest => requestSchema.parse(request(overrides));
const toSignal = (overrides: Record<string, unknown> = {}, ctx = context): Signal => signalFromRequest(parse(overrides), ctx);

describe('signalFromRequest', () => {
  it('builds a canonical signal', () => {
    const signal = toSignal();
    expect(signal).toEqual({
      id: 'request.mail.letter-0042',
      kind: 'opt-out',
      channels: ['mail', 'email'],
      purpose: 'all',
      scope: 'address',
      subject: [
        { type: 'email', value: 'ana@example.com' },
        { type: 'postal', value: '123 MAIN ST UNIT 4|SPRINGFIELD|IL|62704|US' },
      ],
      occurredAt: '2024-04-28T09:00:00.000Z',
      receivedAt: '2024-05-01T12:34:56.789Z',
      source: { type: 'request', provider: 'mail', messageId: 'letter-0042' },
      evidence: {},
    });
    expect(signalSchema.parse(signal)).toEqual(signal);
  });

  it('derives the id from source and requestId only: the same request is the same signal', () => {
    const first = toSignal();
    const again = toSignal({}, { ...context, receivedAt: new Date('2024-05-02T00:00:00Z') });
    expect(again.id).toBe(first.id);
    expect(toSignal({ kind: 'opt-in' }).id).toBe(first.id);
    expect(toSignal({ requestId: 'letter-0043' }).id).toBe('request.mail.letter-0043');
    expect(toSignal({ source: 'crm' }).id).toBe('request.crm.letter-0042');
  });

  it('deduplicates channels, keeping their first order', () => {
    expect(toSignal({ channels: ['email', 'mail', 'email', 'mail'] }).channels).toEqual(['email', 'mail']);
  });

  it('normalizes the subject, in the order phone, email, postal, externalId', () => {
    const signal = toSignal({
      channels: ['sms'],
      subject: { externalId: ' crm-9 ', email: 'ANA@EXAMPLE.COM', phone: '(415) 555-0100' },
    });
    expect(signal.subject).toEqual([
      { type: 'phone', value: '+14155550100' },
      { type: 'email', value: 'ana@example.com' },
      { type: 'externalId', value: 'crm-9' },
    ]);
  });

  it('reads a national phone number in the default region', () => {
    const signal = signalFromRequest(parse({ channels: ['sms'], subject: { phone: '07700 900001' } }), { ...context, defaultRegion: 'GB' });
    expect(signal.subject).toEqual([{ type: 'phone', value: '+447700900001' }]);
  });

  it.each([
    ['2024-04-28T09:00:00Z', '2024-04-28T09:00:00.000Z'],
    ['2024-04-28T11:00:00+02:00', '2024-04-28T09:00:00.000Z'],
    ['2024-04-27T22:30:00-10:30', '2024-04-28T09:00:00.000Z'],
    ['2024-04-28T09:00:00.5+00:00', '2024-04-28T09:00:00.500Z'],
    ['2024-04-28T14:30:00.123+05:30', '2024-04-28T09:00:00.123Z'],
  ])('converts occurredAt %s to UTC %s', (occurredAt, utc) => {
    expect(toSignal({ occurredAt }).occurredAt).toBe(utc);
  });

  it('keeps purpose, scope and evidence', () => {
    const evidence = { collectedBy: 'staff-12', method: 'letter', reference: 'scan-881', note: 'Signed.' };
    const signal = toSignal({ kind: 'opt-in', purpose: 'marketing', scope: 'person', evidence });
    expect(signal).toMatchObject({ kind: 'opt-in', purpose: 'marketing', scope: 'person', evidence });
  });

  it.each([
    ['email', { postal: { line1: '1 Main St', city: 'Springfield', postalCode: '62704' } }, ['email']],
    ['mail', { email: 'ana@example.com' }, ['mail']],
    ['sms', { email: 'ana@example.com', externalId: 'crm-1' }, ['sms']],
    ['voice', { externalId: 'crm-1' }, ['voice']],
  ])('refuses an address-scoped request on %s without the subject’s address there', (channel, subject, channels) => {
    expect(() => toSignal({ channels, subject })).toThrow(BadRequestError);
    expect(() => toSignal({ channels, subject })).toThrow(channel);
  });

  it('names every channel whose address is missing', () => {
    expect(() => toSignal({ channels: ['sms', 'email', 'voice'], subject: { email: 'ana@example.com' } })).toThrow(/sms, voice/);
  });

  it('accepts a person-scoped request without an address on its channels', () => {
    const signal = toSignal({ scope: 'person', channels: ['sms', 'voice'], subject: { externalId: 'crm-1' } });
    expect(signal.subject).toEqual([{ type: 'externalId', value: 'crm-1' }]);
    expect(signal.scope).toBe('person');
  });

  it('refuses a subject that names nobody', () => {
    expect(() => toSignal({ subject: {}, scope: 'person' })).toThrow(BadRequestError);
  });

  it('refuses an unreadable address in the subject', () => {
    expect(() => toSignal({ subject: { email: 'ana.example.com' }, channels: ['email'] })).toThrow(InvalidAddressError);
  });

  /*
   * The signal id 'request.' (8) + source (up to 63) + '.' (1) + requestId must fit signalSchema's
   * 256 characters for every request the schema accepts; otherwise signalSchema.parse throws a
   * ZodError, which is no ProblemError, and POST /v1/requests answers 500 "may be retried" for a
   * request that can never succeed. requestId is therefore limited to 180 (8 + 63 + 1 + 180 = 252).
   */
  it('a request the schema accepts never fails with a non-problem error (longest source and requestId)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,62}$/), fc.string({ minLength: 1, maxLength: 180 }), (source, requestId) => {
        try {
          const signal = toSignal({ source, requestId });
          expect(signal.id.length).toBeLessThanOrEqual(256);
        } catch (error) {
          expect(error).toBeInstanceOf(ProblemError);
        }
      }),
      { numRuns: 100, examples: [['m'.repeat(63), 'r'.repeat(180)]] },
    );
  });

  it('the id fits for the longest source with the longest requestId (180 characters)', () => {
    const id = toSignal({ source: 'm'.repeat(63), requestId: 'r'.repeat(180) }).id;
    expect(id).toBe(`request.${'m'.repeat(63)}.${'r'.repeat(180)}`);
    expect(id).toHaveLength(252);
  });

  /*
   * Preferences are last-writer-wins on occurredAt, so a request dated in the future would beat
   * every real act until that date (a later SMS STOP would be "superseded" and the number stay
   * allowed). signalFromRequest refuses one dated more than 5 minutes (clock skew) after receipt.
   */
  it('refuses a future-dated request with BadRequestError, so it cannot outrank a later STOP', () => {
    const future = () => toSignal({ kind: 'opt-in', channels: ['sms'], subject: { phone: '+14155550100' }, occurredAt: '2099-01-01T00:00:00Z' });
    expect(future).toThrow(BadRequestError);
    expect(future).toThrow(/future/);
  });

  it.each([
    ['at receipt', '2024-05-01T12:34:56.789Z'],
    ['1 minute after receipt', '2024-05-01T12:35:56.789Z'],
    ['exactly 5 minutes after receipt', '2024-05-01T12:39:56.789Z'],
    ['exactly 5 minutes after receipt, written with an offset', '2024-05-01T14:39:56.789+02:00'],
  ])('accepts an occurredAt %s (clock skew), dated no later than its receipt', (_, occurredAt) => {
    expect(toSignal({ occurredAt }).occurredAt).toBe('2024-05-01T12:34:56.789Z');
  });

  it.each([
    ['5 minutes and 1 ms after receipt', '2024-05-01T12:39:56.790Z'],
    ['5 minutes and 1 s after receipt', '2024-05-01T12:39:57.789Z'],
    ['5 minutes and 1 s after receipt, written with an offset', '2024-05-01T02:09:57.789-10:30'],
    ['a day after receipt', '2024-05-02T12:34:56.789Z'],
  ])('refuses an occurredAt %s with BadRequestError', (_, occurredAt) => {
    expect(() => toSignal({ occurredAt })).toThrow(BadRequestError);
    expect(() => toSignal({ occurredAt, kind: 'opt-in', evidence: { collectedBy: 'staff-12', method: 'letter' } })).toThrow(BadRequestError);
  });

  it('keeps the date the organisation received a letter, apart from the act and from its arrival here', () => {
    expect(toSignal({ receivedOn: '2024-04-30' })).toMatchObject({
      occurredAt: '2024-04-28T09:00:00.000Z',
      receivedOn: '2024-04-30T00:00:00.000Z',
      receivedAt: '2024-05-01T12:34:56.789Z',
    });
    expect(toSignal({ receivedOn: '2024-04-30T08:00:00-04:00' }).receivedOn).toBe('2024-04-30T12:00:00.000Z');
    expect(toSignal()).not.toHaveProperty('receivedOn');
  });

  it.each([
    ['in the future', '2024-05-02', /receivedOn is in the future/],
    ['before the letter', '2024-04-27', /before occurredAt/],
  ])('refuses a receivedOn %s with BadRequestError', (_, receivedOn, message) => {
    expect(() => toSignal({ receivedOn })).toThrow(BadRequestError);
    expect(() => toSignal({ receivedOn })).toThrow(message);
  });

  it('a request dated at the skew limit stays below a STOP that arrives later', () => {
    const optIn = toSignal({
      kind: 'opt-in',
      channels: ['sms'],
      subject: { phone: '+14155550100' },
      occurredAt: '2024-05-01T12:39:56.789Z',
      evidence: { collectedBy: 'staff-12', method: 'phone-call' },
    });
    const stop: Signal = {
      ...optIn,
      id: 'sms.twilio.SM1',
      kind: 'opt-out',
      occurredAt: '2024-05-01T12:40:00.000Z',
      receivedAt: '2024-05-01T12:40:00.000Z',
      source: { type: 'sms-keyword', provider: 'twilio', messageId: 'SM1' },
      evidence: {},
    };
    let record = withIdentities(emptyRecord('p-1'), optIn.subject);
    record = applySignal(record, optIn).record;
    record = applySignal(record, stop).record;
    expect(suppressionFor(record, 'sms', '+14155550100')).toMatchObject({ status: 'suppressed', eventId: 'sms.twilio.SM1' });
  });
});

describe('requestSchema', () => {
  it('applies defaults: purpose all, scope address, no evidence', () => {
    expect(parse()).toMatchObject({ purpose: 'all', scope: 'address', evidence: {} });
  });

  it('accepts a source of 63 characters and a requestId of 180', () => {
    expect(requestSchema.safeParse(request({ source: `a${'-'.repeat(62)}`, requestId: 'r'.repeat(180) })).success).toBe(true);
  });

  it.each<[string, Record<string, unknown>]>([
    ['an unknown field', { priority: 'high' }],
    ['an unknown subject field', { subject: { email: 'ana@example.com', fax: '+14155550100' } }],
    ['an unknown evidence field', { evidence: { collectedBy: 'staff-12', signature: 'x' } }],
    ['an upper-case source', { source: 'Mail' }],
    ['a source with a space', { source: 'mail room' }],
    ['a source with a dot', { source: 'mail.room' }],
    ['a source starting with a hyphen', { source: '-mail' }],
    ['an empty source', { source: '' }],
    ['a source of 64 characters', { source: 'a'.repeat(64) }],
    ['a missing source', { source: undefined }],
    ['a missing occurredAt', { occurredAt: undefined }],
    ['an occurredAt without offset', { occurredAt: '2024-04-28T09:00:00' }],
    ['a date-only occurredAt', { occurredAt: '2024-04-28' }],
    ['an occurredAt that is not a date', { occurredAt: 'last Tuesday' }],
    ['a numeric occurredAt', { occurredAt: 1714294800000 }],
    ['a receivedOn date-time without offset', { receivedOn: '2024-04-30T09:00:00' }],
    ['a receivedOn that is not a date', { receivedOn: 'last Tuesday' }],
    ['a receivedOn day that does not exist', { receivedOn: '2024-02-30' }],
    ['the kind help', { kind: 'help' }],
    ['an unknown kind', { kind: 'unsubscribe' }],
    ['no channels', { channels: [] }],
    ['an unknown channel', { channels: ['fax'] }],
    ['an unknown scope', { scope: 'household' }],
    ['an empty purpose', { purpose: '' }],
    ['an empty requestId', { requestId: '' }],
    ['a requestId of 181 characters', { requestId: 'r'.repeat(181) }],
    ['a requestId of 200 characters (the former limit)', { requestId: 'r'.repeat(200) }],
    ['a postal address with an unknown field', { subject: { postal: { line1: '1 Main St', unit: '4', city: 'Springfield', postalCode: '62704' } } }],
    ['a missing subject', { subject: undefined }],
  ])('rejects %s', (_, overrides) => {
    expect(requestSchema.safeParse(request(overrides)).success).toBe(false);
  });
});
