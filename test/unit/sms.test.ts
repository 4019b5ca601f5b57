import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BadRequestError, InvalidAddressError } from '../../shared/core/errors.js';
import type { InboundSms } from '../../shared/intake/sms/providers/types.js';
import { assertActionable, signalSchema } from '../../shared/core/signal.js';
import { MAX_CLASSIFIED_CHARACTERS, MAX_MESSAGE_ID_LENGTH, readIntent, signalFromSms, type InboundContext } from '../../shared/intake/sms/inbound.js';

const SID = 'SM0123456789abcdef0123456789abcdef';

function sms(overrides: Partial<InboundSms> = {}): InboundSms {
  return { provider: 'twilio', messageId: SID, from: '+14155550100', to: '+14155550199', text: 'STOP', ...overrides };
}

function context(overrides: Partial<InboundContext> = {}): InboundContext {
  return {
    receivedAt: new Date('2024-05-01T12:34:56.789Z'),
    defaultRegion: 'US',
    rawBody: 'abc',
    ...overrides,
  };
}

const byKeyword = (keyword: string) => ({ kind: 'keyword', keyword });
const byProvider = { kind: 'provider', provider: 'twilio' };

describe('readIntent', () => {
  it.each([
    ['STOP', undefined, 'opt-out', byKeyword('STOP')],
    ['STOP', 'opt-out', 'opt-out', byKeyword('STOP')],
    ['STOP', 'opt-in', 'opt-out', byKeyword('STOP')],
    ['STOP', 'help', 'opt-out', byKeyword('STOP')],
    ['hello', 'opt-out', 'opt-out', byProvider],
    ['START', 'opt-out', 'opt-out', byProvider],
    ['HELP', 'opt-out', 'opt-out', byProvider],
    ['START', undefined, 'opt-in', byKeyword('START')],
    ['START', 'help', 'opt-in', byKeyword('START')],
    ['HELP', 'opt-in', 'help', byKeyword('HELP')],
    ['hello', 'opt-in', 'opt-in', byProvider],
    ['hello', 'help', 'help', byProvider],
  ] as const)('text %j with provider intent %j reads as %s', (text, providerIntent, intent, match) => {
    expect(readIntent(sms({ text, providerIntent }))).toEqual({ intent, match });
  });

  it('reads an ordinary message without a provider intent as none, with no match', () => {
    expect(readIntent(sms({ text: 'see you at 5' }))).toEqual({ intent: 'none' });
  });

  it('names the provider that recognised the intent', () => {
    expect(readIntent(sms({ provider: 'other', text: 'hi', providerIntent: 'opt-out' }))).toEqual({
      intent: 'opt-out',
      match: { kind: 'provider', provider: 'other' },
    });
  });

  it('uses the keyword lists it is given', () => {
    const lists = { optOut: ['HALT'], optIn: [], help: [] };
    expect(readIntent(sms({ text: 'halt' }), lists)).toEqual({ intent: 'opt-out', match: byKeyword('HALT') });
    expect(readIntent(sms({ text: 'STOP' }), lists)).toEqual({ intent: 'none' });
  });
});

describe('signalFromSms', () => {
  it('turns a STOP into the canonical opt-out signal', () => {
    expect(signalFromSms(sms(), context())).toEqual({
      id: `sms.twilio.${SID}`,
      kind: 'opt-out',
      channels: ['sms'],
      subject: [{ type: 'phone', value: '+14155550100' }],
      purpose: 'all',
      scope: 'address',
      occurredAt: '2024-05-01T12:34:56.789Z',
      receivedAt: '2024-05-01T12:34:56.789Z',
      source: { type: 'sms-keyword', provider: 'twilio', messageId: SID },
      match: { kind: 'keyword', keyword: 'STOP' },
      evidence: {
        payloadSha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
        collectedBy: 'twilio',
        method: 'sms-keyword',
      },
    });
  });

  it('turns a START into the canonical opt-in signal, with the evidence an opt-in needs', () => {
    const signal = signalFromSms(sms({ text: 'START' }), context())!;
    expect(signal).toMatchObject({
      id: `sms.twilio.${SID}`,
      kind: 'opt-in',
      channels: ['sms'],
      scope: 'address',
      evidence: {
        payloadSha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
        collectedBy: 'twilio',
        method: 'sms-keyword',
      },
    });
    expect(() => assertActionable(signal)).not.toThrow();
  });

  it.each(['twilio', 'vonage', 'telnyx'])('names the provider %s as who collected the START', (provider) => {
    const signal = signalFromSms(sms({ provider, text: 'START' }), context())!;
    expect(signal.evidence).toMatchObject({ collectedBy: provider, method: 'sms-keyword' });
    expect(() => assertActionable(signal)).not.toThrow();
  });

  it('a START read from the provider intent is actionable too', () => {
    const signal = signalFromSms(sms({ text: 'hello', providerIntent: 'opt-in' }), context())!;
    expect(signal.kind).toBe('opt-in');
    expect(() => assertActionable(signal)).not.toThrow();
  });

  it('produces a signal that satisfies the signal schema', () => {
    const signal = signalFromSms(sms({ text: 'start' }), context());
    expect(signalSchema.safeParse(signal).success).toBe(true);
  });

  it.each([
    ['START', 'opt-in', byKeyword('START')],
    ['info', 'help', byKeyword('INFO')],
    ['Unsubscribe!', 'opt-out', byKeyword('UNSUBSCRIBE')],
  ] as const)('reads %j as a %s signal', (text, kind, match) => {
    const signal = signalFromSms(sms({ text }), context());
    expect(signal?.kind).toBe(kind);
    expect(signal?.match).toEqual(match);
  });

  it("records the provider's opt-out when our keywords do not match", () => {
    // A text our own reading leaves alone (premise checked, since the keyword rules grow).
    expect(readIntent(sms({ text: 'who is this?' })).intent).toBe('none');
    const signal = signalFromSms(sms({ text: 'who is this?', providerIntent: 'opt-out' }), context());
    expect(signal?.kind).toBe('opt-out');
    expect(signal?.match).toEqual(byProvider);
  });

  it('prefers opt-out when ours and the provider disagree', () => {
    expect(signalFromSms(sms({ text: 'START', providerIntent: 'opt-out' }), context())?.kind).toBe('opt-out');
    expect(signalFromSms(sms({ text: 'STOP', providerIntent: 'opt-in' }), context())?.kind).toBe('opt-out');
  });

  it.each(['hello', 'can you stop by at 5?', ''])('returns undefined for the non-keyword message %j', (text) => {
    expect(signalFromSms(sms({ text }), context())).toBeUndefined();
  });

  it('uses the keyword lists from the context', () => {
    const keywords = { optOut: ['HALT'], optIn: [], help: [] };
    expect(signalFromSms(sms({ text: 'halt' }), context({ keywords }))?.kind).toBe('opt-out');
    expect(signalFromSms(sms({ text: 'STOP' }), context({ keywords }))).toBeUndefined();
  });

  describe('signal id', () => {
    it('is the same for the same message delivered twice', () => {
      const first = signalFromSms(sms(), context());
      const retry = signalFromSms(sms(), context({ receivedAt: new Date('2024-05-01T12:40:00Z'), rawBody: 'abc&retry=1' }));
      expect(retry?.id).toBe(first?.id);
    });

    it('differs between messages and between providers', () => {
      const other = 'SMffffffffffffffffffffffffffffffff';
      const ids = new Set([
        signalFromSms(sms(), context())?.id,
        signalFromSms(sms({ messageId: other }), context())?.id,
        signalFromSms(sms({ provider: 'vonage' }), context())?.id,
      ]);
      expect(ids.size).toBe(3);
      expect(signalFromSms(sms({ provider: 'vonage', messageId: other }), context())?.id).toBe(`sms.vonage.${other}`);
    });
  });

  describe('address', () => {
    it.each(['+14155550100', '(415) 555-0100', '415.555.0100', '415 555 0100', '1 415 555 0100', '14155550100', ' +1 415-555-0100 '])(
      'normalizes From %j to E.164 with the default region US',
      (from) => {
        expect(signalFromSms(sms({ from }), context())?.subject[0]?.value).toBe('+14155550100');
      },
    );

    it('normalizes a national number with the context’s default region', () => {
      expect(signalFromSms(sms({ from: '07700 900001' }), context({ defaultRegion: 'GB' }))?.subject[0]?.value).toBe('+447700900001');
    });

    it('keeps the E.164 number of another country whatever the default region', () => {
      expect(signalFromSms(sms({ from: '+447700900001' }), context({ defaultRegion: 'US' }))?.subject[0]?.value).toBe('+447700900001');
    });

    it('uses the sender, not the recipient', () => {
      expect(signalFromSms(sms({ from: '+14155550111', to: '+14155550199' }), context())?.subject[0]?.value).toBe('+14155550111');
    });

    it.each(['not-a-number', '12', '', 'MyBrand', '+'])('throws InvalidAddressError for the unparseable From %j', (from) => {
      expect(() => signalFromSms(sms({ from }), context())).toThrow(InvalidAddressError);
    });
  });

  describe('evidence', () => {
    it.each([
      ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
      ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ])('is the SHA-256 hex of the raw body %j', (rawBody, hash) => {
      expect(signalFromSms(sms(), context({ rawBody }))?.evidence).toEqual({ payloadSha256: hash, collectedBy: 'twilio', method: 'sms-keyword' });
    });

    it('hashes the UTF-8 bytes of a unicode body', () => {
      const rawBody = new URLSearchParams({ Body: 'Stop ✋ 日本語 😀', From: '+14155550100' }).toString();
      const expected = createHash('sha256').update(Buffer.from(rawBody, 'utf8')).digest('hex');
      expect(signalFromSms(sms(), context({ rawBody }))?.evidence.payloadSha256).toBe(expected);
    });

    it('changes when the body changes', () => {
      const a = signalFromSms(sms(), context({ rawBody: 'Body=STOP' }));
      const b = signalFromSms(sms(), context({ rawBody: 'Body=STOP ' }));
      expect(a?.evidence.payloadSha256).not.toBe(b?.evidence.payloadSha256);
    });
  });

  it('dates the act and its receipt at the time of arrival', () => {
    const receivedAt = new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 6));
    const signal = signalFromSms(sms(), context({ receivedAt }));
    expect(signal?.occurredAt).toBe('2030-01-02T03:04:05.006Z');
    expect(signal?.receivedAt).toBe('2030-01-02T03:04:05.006Z');
  });
});

describe('long texts and message ids', () => {
  it('reads a STOP followed by a long tail as an opt-out, by the first 2,048 characters', () => {
    for (const tail of [' '.repeat(100_000), '.'.repeat(100_000), ` ${'x'.repeat(100_000)}`]) {
      expect(signalFromSms(sms({ text: `STOP${tail}x` }), context())).toMatchObject({ kind: 'opt-out' });
    }
  });

  it('classifies the first MAX_CLASSIFIED_CHARACTERS of a text, and nothing after them', () => {
    const filler = 'a'.repeat(MAX_CLASSIFIED_CHARACTERS - 'STOP '.length);
    expect(readIntent(sms({ text: `STOP ${filler}`.padEnd(MAX_CLASSIFIED_CHARACTERS + 10, ' ') }))).toMatchObject({ intent: 'opt-out' });
    // Past any length carriers deliver, a keyword is no longer what a person typed.
    expect(readIntent(sms({ text: `${'hello '.repeat(400)} STOP` })).intent).toBe('none');
    // The provider's own opt-out detection is still heard whatever the length.
    expect(readIntent(sms({ text: `${'hello '.repeat(400)} STOP`, providerIntent: 'opt-out' })).intent).toBe('opt-out');
  });

  it('does not split a surrogate pair at the cut', () => {
    const text = `${'a'.repeat(MAX_CLASSIFIED_CHARACTERS - 1)}😀 STOP`;
    expect(() => readIntent(sms({ text }))).not.toThrow();
  });

  it(`accepts a message id of ${MAX_MESSAGE_ID_LENGTH} characters and refuses a longer one with a 400 naming messageId`, () => {
    expect(signalFromSms(sms({ messageId: 'M'.repeat(MAX_MESSAGE_ID_LENGTH) }), context())?.id).toBe(`sms.twilio.${'M'.repeat(MAX_MESSAGE_ID_LENGTH)}`);
    for (const provider of ['telnyx', 'sinch', 'bandwidth', 'vonage', 'plivo']) {
      const attempt = () => signalFromSms(sms({ provider, messageId: 'M'.repeat(245) }), context());
      expect(attempt).toThrow(BadRequestError);
      expect(attempt).toThrow(expect.objectContaining({ status: 400, extensions: expect.objectContaining({ field: 'messageId' }) }));
    }
  });

  it('refuses a message id with an unpaired surrogate (400), even for a message that asks for nothing', () => {
    for (const messageId of ['abc-\ud800', 'abc-\udc00', '\udbff']) {
      expect(() => signalFromSms(sms({ messageId }), context())).toThrow(BadRequestError);
      expect(() => signalFromSms(sms({ messageId, text: 'hello' }), context())).toThrow(/messageId is not well-formed Unicode/);
    }
    expect(signalFromSms(sms({ messageId: 'abc-😀' }), context())?.id).toBe('sms.twilio.abc-😀');
  });
});
