import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../shared/core/errors.js';
import type { Identity } from '../../shared/core/identity.js';
import {
  applySignal,
  emptyRecord,
  impliedSuppressions,
  materialize,
  mergeRecords,
  preferenceKey,
  suppressionFor,
  suppressionKey,
  supersedes,
  withIdentities,
  type PersonRecord,
  type Suppression,
  type SuppressionView,
} from '../../shared/core/preferences.js';
import type { Channel } from '../../shared/core/channels.js';
import { assertActionable, type Signal } from '../../shared/core/signal.js';
import { PreferencesModel } from '../support/preferences-model.js';

const PHONE = '+14155550100';
const PHONE2 = '+14155550101';
const PHONE3 = '+14155550102';
const EMAIL = 'ana@example.com';
const phone = (value = PHONE): Identity => ({ type: 'phone', value });
const email: Identity = { type: 'email', value: EMAIL };

const T0 = Date.parse('2024-06-01T12:00:00.000Z');
const at = (second: number) => new Date(T0 + second * 1000).toISOString();
const EVIDENCE = { collectedBy: 'agent-7', method: 'phone-call' };
/** What signalFromSms gives an SMS START: the provider took it, by keyword. */
const SMS_EVIDENCE = { payloadSha256: 'a'.repeat(64), collectedBy: 'twilio', method: 'sms-keyword' };

interface SignalOptions {
  channels?: Channel[];
  purpose?: string;
  scope?: 'address' | 'person';
  second?: number;
  subject?: Identity[];
  evidence?: Signal['evidence'];
}

function signal(id: string, kind: Signal['kind'], options: SignalOptions = {}): Signal {
  const scope = options.scope ?? 'address';
  return {
    id,
    kind,
    channels: options.channels ?? ['sms'],
    purpose: options.purpose ?? 'all',
    scope,
    subject: options.subject ?? [phone()],
    occurredAt: at(options.second ?? 0),
    receivedAt: at(600),
    source: { type: 'sms-keyword', provider: 'twilio', messageId: id },
    // Every opt-in carries evidence unless a test says otherwise (assertActionable refuses one without).
    evidence: options.evidence ?? (kind !== 'opt-in' ? {} : scope === 'person' ? EVIDENCE : SMS_EVIDENCE),
  };
}

const stop = (id: string, second: number, options: SignalOptions = {}) => signal(id, 'opt-out', { second, ...options });
const start = (id: string, second: number, options: SignalOptions = {}) => signal(id, 'opt-in', { second, ...options });

const ana = (...identities: Identity[]): PersonRecord => withIdentities(emptyRecord('p-ana'), identities.length ? identities : [phone(), phone(PHONE2), email]);

function applyAll(record: PersonRecord, signals: readonly Signal[]): PersonRecord {
  return signals.reduce((current, next) => applySignal(current, next).record, record);
}

const store = () => new PreferencesModel([{ personId: 'p-ana', identities: [phone(), phone(PHONE2), email] }]);
const item = (model: PreferencesModel, channel: Channel, address: string) => model.table.get(suppressionKey(channel, address));

describe('last-writer-wins per register, through the store model', () => {
  it('an SMS STOP then a later START: suppressed at version 1, allowed at version 2', () => {
    const model = store();
    const first = model.deliver(stop('sms.twilio.SM1', 1));
    expect(first.writes).toHaveLength(1);
    expect(item(model, 'sms', PHONE)).toEqual({
      channel: 'sms',
      address: PHONE,
      personId: 'p-ana',
      status: 'suppressed',
      purposes: { all: 'suppressed' },
      since: at(1),
      eventId: 'sms.twilio.SM1',
      version: 1,
      updatedAt: expect.any(String),
    });
    model.deliver(start('sms.twilio.SM2', 2));
    expect(item(model, 'sms', PHONE)).toMatchObject({
      status: 'allowed',
      purposes: { all: 'allowed' },
      since: at(2),
      eventId: 'sms.twilio.SM2',
      version: 2,
    });
    // The other phone and the email were never touched.
    expect(item(model, 'sms', PHONE2)).toBeUndefined();
    expect(item(model, 'email', EMAIL)).toBeUndefined();
  });

  it('a START older than the STOP arrives late: superseded, still suppressed, nothing written', () => {
    const model = store();
    model.deliver(stop('stop', 5));
    const record = model.records.get('p-ana')!;
    const applied = applySignal(record, start('late-start', 4));
    expect(applied.effect).toBe('superseded');
    expect(applied.changed).toEqual([]);
    expect(applied.record).toBe(record);
    const late = model.deliver(start('late-start', 4));
    expect(late.writes).toEqual([]);
    expect(item(model, 'sms', PHONE)).toMatchObject({ status: 'suppressed', eventId: 'stop', version: 1 });
  });

  it.each([
    ['STOP first', ['stop', 'start']],
    ['START first', ['start', 'stop']],
  ])('a START and a STOP at the same time: suppressed whatever the order (%s)', (_, order) => {
    const model = store();
    const signals = { stop: stop('stop', 3), start: start('start', 3) };
    for (const id of order) model.deliver(signals[id as keyof typeof signals]);
    expect(item(model, 'sms', PHONE)).toMatchObject({ status: 'suppressed', purposes: { all: 'suppressed' }, eventId: 'stop', since: at(3) });
    // At equal times suppression wins, even against a greater eventId.
    expect(supersedes({ occurredAt: at(3), status: 'allowed', eventId: 'z' }, { occurredAt: at(3), status: 'suppressed', eventId: 'a' })).toBe(true);
    expect(supersedes({ occurredAt: at(3), status: 'suppressed', eventId: 'a' }, { occurredAt: at(3), status: 'allowed', eventId: 'z' })).toBe(false);
  });

  it('supersedes: the later act wins whatever its status or eventId; nothing supersedes itself', () => {
    const act = (second: number, status: 'allowed' | 'suppressed', eventId: string) => ({ occurredAt: at(second), status, eventId });
    expect(supersedes(undefined, act(1, 'allowed', 'a'))).toBe(true);
    expect(supersedes(act(1, 'suppressed', 'z'), act(2, 'allowed', 'a'))).toBe(true);
    expect(supersedes(act(2, 'allowed', 'a'), act(1, 'suppressed', 'z'))).toBe(false);
    expect(supersedes(act(1, 'suppressed', 'e1'), act(1, 'suppressed', 'e1'))).toBe(false);
    expect(supersedes(act(1, 'allowed', 'e1'), act(1, 'allowed', 'e1'))).toBe(false);
  });

  it.each(['suppressed', 'allowed'] as const)('supersedes: between two %s acts at the same time, the greater eventId wins in both orders', (status) => {
    const low = { occurredAt: at(3), status, eventId: 'sms.twilio.SM1' };
    const high = { occurredAt: at(3), status, eventId: 'sms.twilio.SM2' };
    expect(supersedes(low, high)).toBe(true);
    expect(supersedes(high, low)).toBe(false);
    // Plain string comparison, not locale order: 'B' (0x42) < 'a' (0x61).
    expect(supersedes({ ...low, eventId: 'B' }, { ...low, eventId: 'a' })).toBe(true);
    expect(supersedes({ ...low, eventId: 'a' }, { ...low, eventId: 'B' })).toBe(false);
  });

  it.each([
    ['two STOPs', stop('sms.twilio.SM1', 3), stop('sms.twilio.SM2', 3), 'suppressed'],
    ['two STARTs', start('sms.twilio.SM1', 3), start('sms.twilio.SM2', 3), 'allowed'],
  ] as const)('%s at the same time: the greater eventId holds whatever the delivery order', (_, first, second, status) => {
    const forward = store();
    forward.deliverAll([first, second]);
    const backward = store();
    backward.deliverAll([second, first]);
    for (const model of [forward, backward]) {
      expect(model.records.get('p-ana')!.preferences).toEqual([expect.objectContaining({ status, eventId: 'sms.twilio.SM2', occurredAt: at(3) })]);
    }
    expect(forward.records.get('p-ana')).toEqual(backward.records.get('p-ana'));
    if (status === 'suppressed') {
      expect(item(forward, 'sms', PHONE)).toMatchObject({ status, eventId: 'sms.twilio.SM2', since: at(3) });
      const { version: _v1, updatedAt: _u1, ...a } = item(forward, 'sms', PHONE)!;
      const { version: _v2, updatedAt: _u2, ...b } = item(backward, 'sms', PHONE)!;
      expect(a).toEqual(b);
    }
  });

  it('a redelivered signal changes nothing: the store skips it, and applying it again is superseded', () => {
    const model = store();
    model.deliver(stop('stop', 1));
    const again = model.deliver(stop('stop', 1));
    expect(again.duplicate).toBe(true);
    expect(again.writes).toEqual([]);
    expect(item(model, 'sms', PHONE)!.version).toBe(1);
    const record = model.records.get('p-ana')!;
    const reapplied = applySignal(record, stop('stop', 1));
    expect(reapplied).toEqual({ record, changed: [], effect: 'superseded' });
    expect(reapplied.record).toBe(record);
  });

  it('a HELP signal is recorded but changes no preference', () => {
    const record = ana();
    expect(applySignal(record, signal('help', 'help'))).toEqual({ record, changed: [], effect: 'recorded' });
  });

  it('one signal over several channels sets one register per channel', () => {
    const record = applySignal(ana(), stop('both', 1, { channels: ['sms', 'email'], subject: [phone(), email] })).record;
    expect(record.preferences.map(preferenceKey).sort()).toEqual([`email#all#address#${EMAIL}`, `sms#all#address#${PHONE}`]);
    expect(
      impliedSuppressions(record)
        .map((view) => `${view.channel} ${view.address} ${view.status}`)
        .sort(),
    ).toEqual([`email ${EMAIL} suppressed`, `sms ${PHONE} suppressed`]);
  });
});

describe('targets are separate registers', () => {
  it('an SMS START from a number never clears a person-wide SMS opt-out', () => {
    const record = applyAll(ana(), [stop('person-stop', 1, { scope: 'person' }), start('sms-start', 9)]);
    expect(suppressionFor(record, 'sms', PHONE)).toMatchObject({ status: 'suppressed', purposes: { all: 'suppressed' }, eventId: 'person-stop' });
    expect(suppressionFor(record, 'sms', PHONE2)).toMatchObject({ status: 'suppressed', eventId: 'person-stop' });
  });

  it("an SMS START never clears another channel's opt-out", () => {
    const record = applyAll(ana(), [
      stop('email-stop', 1, { channels: ['email'], subject: [email] }),
      stop('voice-stop', 1, { channels: ['voice'], scope: 'person' }),
      start('sms-start', 9),
    ]);
    expect(suppressionFor(record, 'email', EMAIL)).toMatchObject({ status: 'suppressed', eventId: 'email-stop' });
    expect(suppressionFor(record, 'voice', PHONE)).toMatchObject({ status: 'suppressed', eventId: 'voice-stop' });
    expect(suppressionFor(record, 'sms', PHONE)).toMatchObject({ status: 'allowed', eventId: 'sms-start' });
  });

  it('a person-wide opt-out suppresses every phone of the person on that channel, including one linked later', () => {
    const record = applySignal(ana(), stop('person-stop', 1, { scope: 'person' })).record;
    const views = impliedSuppressions(record, ['sms']);
    expect(views.map((view) => [view.address, view.status])).toEqual([
      [PHONE, 'suppressed'],
      [PHONE2, 'suppressed'],
    ]);
    expect(impliedSuppressions(record, ['voice', 'email'])).toEqual([]);

    const table = new Map(materialize(views, new Map(), at(100)).map((written) => [suppressionKey(written.channel, written.address), written]));
    const linked = withIdentities(record, [phone(PHONE3)]);
    const after = impliedSuppressions(linked, ['sms']);
    expect(after.find((view) => view.address === PHONE3)).toMatchObject({ status: 'suppressed', eventId: 'person-stop', since: at(1) });
    // Only the newly linked phone needs a write; the others are unchanged.
    expect(materialize(after, table, at(200)).map((written) => [written.address, written.version])).toEqual([[PHONE3, 1]]);
  });

  it('withIdentities adds only identities not known yet, and returns the same record when nothing is new', () => {
    const record = ana(phone());
    expect(withIdentities(record, [phone()])).toBe(record);
    expect(withIdentities(record, [phone(), email]).identities).toEqual([phone(), email]);
  });

  /*
   * withIdentities dedupes within its argument too: a subject that repeats an identity (which
   * Signal.subject allows) must not put it in the record twice, or impliedSuppressions would yield
   * two views of one (channel, address), and the store two writes of one item in one transaction.
   */
  it('withIdentities does not add an identity twice when the argument repeats it', () => {
    expect(withIdentities(ana(phone()), [phone(), email, email]).identities).toEqual([phone(), email]);
    expect(withIdentities(emptyRecord('p-new'), [email, phone(), email, phone()]).identities).toEqual([email, phone()]);
    const record = applySignal(withIdentities(ana(phone()), [email, email]), stop('email-stop', 1, { channels: ['email'], subject: [email] })).record;
    expect(impliedSuppressions(record, ['email'])).toHaveLength(1);
  });

  it('partial preferences: opted out of SMS, still allowed on email and on the other phone', () => {
    const record = applySignal(ana(), stop('stop', 1)).record;
    expect(suppressionFor(record, 'sms', PHONE)!.status).toBe('suppressed');
    expect(suppressionFor(record, 'sms', PHONE2)).toBeUndefined();
    expect(suppressionFor(record, 'email', EMAIL)).toBeUndefined();
    expect(suppressionFor(record, 'voice', PHONE)).toBeUndefined();
    expect(impliedSuppressions(record).map((view) => `${view.channel} ${view.address}`)).toEqual([`sms ${PHONE}`]);
  });

  it('a person-wide opt-in clears the person-wide opt-out but not an address opt-out', () => {
    const record = applyAll(ana(), [stop('person-stop', 1, { scope: 'person' }), stop('address-stop', 2), start('person-start', 3, { scope: 'person' })]);
    expect(suppressionFor(record, 'sms', PHONE)).toMatchObject({ status: 'suppressed', eventId: 'address-stop', since: at(2) });
    expect(suppressionFor(record, 'sms', PHONE2)).toMatchObject({ status: 'allowed', eventId: 'person-start', since: at(3) });
  });
});

describe('purposes', () => {
  it('a marketing opt-out: purposes.all allowed, purposes.marketing suppressed, status suppressed (strictest)', () => {
    const view = suppressionFor(applySignal(ana(), stop('mkt-stop', 1, { purpose: 'marketing' })).record, 'sms', PHONE);
    expect(view).toEqual({
      channel: 'sms',
      address: PHONE,
      personId: 'p-ana',
      status: 'suppressed',
      purposes: { all: 'allowed', marketing: 'suppressed' },
      since: at(1),
      eventId: 'mkt-stop',
    });
  });

  it('a later `all` opt-in clears a marketing opt-out for that target', () => {
    const record = applyAll(ana(), [stop('mkt-stop', 1, { purpose: 'marketing' }), start('all-start', 2)]);
    expect(suppressionFor(record, 'sms', PHONE)).toMatchObject({
      status: 'allowed',
      purposes: { all: 'allowed', marketing: 'allowed' },
      eventId: 'all-start',
      since: at(2),
    });
  });

  it('an earlier `all` opt-in does not clear a marketing opt-out', () => {
    const record = applyAll(ana(), [stop('mkt-stop', 2, { purpose: 'marketing' }), start('all-start', 1)]);
    expect(suppressionFor(record, 'sms', PHONE)).toMatchObject({ status: 'suppressed', purposes: { all: 'allowed', marketing: 'suppressed' } });
  });

  it('an `all` opt-in on the address does not clear a person-wide marketing opt-out', () => {
    const record = applyAll(ana(), [stop('mkt-stop', 1, { purpose: 'marketing', scope: 'person' }), start('all-start', 2)]);
    expect(suppressionFor(record, 'sms', PHONE)).toMatchObject({ status: 'suppressed', purposes: { all: 'allowed', marketing: 'suppressed' } });
  });

  it('an `all` opt-out at t then a marketing opt-in at t+1: marketing allowed, all (and every other purpose) suppressed', () => {
    const record = applyAll(ana(), [stop('all-stop', 1), start('mkt-start', 2, { purpose: 'marketing' })]);
    const view = suppressionFor(record, 'sms', PHONE)!;
    expect(view).toMatchObject({ status: 'suppressed', purposes: { all: 'suppressed', marketing: 'allowed' }, eventId: 'all-stop', since: at(1) });
    // A purpose never named falls back to `all`.
    expect(view.purposes.newsletter ?? view.purposes.all).toBe('suppressed');
  });

  it('an `all` opt-out and a marketing opt-in at the same time: suppression wins for marketing too', () => {
    const record = applyAll(ana(), [start('mkt-start', 1, { purpose: 'marketing' }), stop('all-stop', 1)]);
    expect(suppressionFor(record, 'sms', PHONE)!.purposes).toEqual({ all: 'suppressed', marketing: 'suppressed' });
  });
});

describe('mergeRecords', () => {
  const survivor = applySignal(ana(phone()), stop('a-person-stop', 1, { scope: 'person' })).record;
  const other = applySignal(
    withIdentities(emptyRecord('p-other'), [phone(PHONE2), email]),
    start('b-person-start', 5, { scope: 'person', subject: [phone(PHONE2)] }),
  ).record;

  it.each([
    ['the opt-out side survives', () => mergeRecords(survivor, other)],
    ['the opt-in side survives', () => mergeRecords(other, survivor)],
  ])('keeps a person-wide opt-out against a later person-wide opt-in for the same channel/purpose (%s)', (_, merge) => {
    const merged = merge();
    for (const address of [PHONE, PHONE2]) {
      expect(suppressionFor(merged, 'sms', address)).toMatchObject({ status: 'suppressed', since: at(1), eventId: 'a-person-stop' });
    }
    // Dated after both, so that only an act later than both lifts it.
    const held = merged.preferences.find((preference) => preference.scope === 'person')!;
    expect(held).toMatchObject({ status: 'suppressed', occurredAt: at(5), since: at(1) });
    expect(suppressionFor(applySignal(merged, start('same-time', 5, { scope: 'person' })).record, 'sms', PHONE)!.status).toBe('suppressed');
    expect(suppressionFor(applySignal(merged, start('later', 6, { scope: 'person' })).record, 'sms', PHONE)!.status).toBe('allowed');
  });

  it('unions identities (survivor first, no duplicates) and records whom it merged', () => {
    const merged = mergeRecords(survivor, { ...other, identities: [phone(), ...other.identities], mergedFrom: ['p-older'] });
    expect(merged.personId).toBe('p-ana');
    expect(merged.identities).toEqual([phone(), phone(PHONE2), email]);
    expect(merged.mergedFrom).toEqual(['p-other', 'p-older']);
  });

  it('keeps the latest of two allowing preferences, and the earliest-since of two suppressions', () => {
    const a = applySignal(ana(phone()), stop('a-stop', 3)).record;
    const b = applySignal(ana(phone()), stop('b-stop', 2)).record;
    expect(suppressionFor(mergeRecords(a, b), 'sms', PHONE)).toMatchObject({ status: 'suppressed', since: at(2), eventId: 'b-stop' });
    const c = applySignal(ana(phone()), start('c-start', 3)).record;
    const d = applySignal(ana(phone()), start('d-start', 4)).record;
    expect(suppressionFor(mergeRecords(c, d), 'sms', PHONE)).toMatchObject({ status: 'allowed', eventId: 'd-start' });
  });
});

describe('since and eventId', () => {
  it('suppressed: since the earliest suppression that still holds', () => {
    const both = applyAll(ana(), [stop('address-stop', 1), stop('person-stop', 2, { scope: 'person' })]);
    expect(suppressionFor(both, 'sms', PHONE)).toMatchObject({ status: 'suppressed', since: at(1), eventId: 'address-stop' });
    // Once the address opt-out is lifted, the person-wide one is what still holds.
    const lifted = applySignal(both, start('address-start', 3)).record;
    expect(suppressionFor(lifted, 'sms', PHONE)).toMatchObject({ status: 'suppressed', since: at(2), eventId: 'person-stop' });
  });

  it('suppressed by several purposes: since the earliest of them', () => {
    const record = applyAll(ana(), [stop('news-stop', 4, { purpose: 'newsletter' }), stop('mkt-stop', 2, { purpose: 'marketing' })]);
    expect(suppressionFor(record, 'sms', PHONE)).toMatchObject({ since: at(2), eventId: 'mkt-stop' });
  });

  it('allowed: since the latest act that allowed', () => {
    const record = applyAll(ana(), [
      stop('person-stop', 1, { scope: 'person' }),
      stop('address-stop', 2),
      start('address-start', 4),
      start('person-start', 3, { scope: 'person' }),
    ]);
    expect(suppressionFor(record, 'sms', PHONE)).toMatchObject({ status: 'allowed', since: at(4), eventId: 'address-start' });
  });

  it('equal times: the smaller eventId for a suppression, the larger for an allowance (deterministic)', () => {
    const suppressed = applyAll(ana(), [stop('b-stop', 1, { scope: 'person' }), stop('a-stop', 1)]);
    expect(suppressionFor(suppressed, 'sms', PHONE)!.eventId).toBe('a-stop');
    const allowed = applyAll(ana(), [start('a-start', 1, { scope: 'person' }), start('b-start', 1)]);
    expect(suppressionFor(allowed, 'sms', PHONE)!.eventId).toBe('b-start');
  });

  it('a record with no preference for an address implies nothing', () => {
    expect(suppressionFor(ana(), 'sms', PHONE)).toBeUndefined();
    expect(impliedSuppressions(ana())).toEqual([]);
  });
});

describe('materialize', () => {
  const view = (overrides: Partial<SuppressionView> = {}): SuppressionView => ({
    channel: 'sms',
    address: PHONE,
    personId: 'p-ana',
    status: 'suppressed',
    purposes: { all: 'allowed', marketing: 'suppressed' },
    since: at(1),
    eventId: 'e1',
    ...overrides,
  });
  const stored = (overrides: Partial<Suppression> = {}): Map<string, Suppression> =>
    new Map([[suppressionKey('sms', PHONE), { ...view(), version: 3, updatedAt: at(50), ...overrides }]]);

  it('writes a new suppression at version 1, with updatedAt', () => {
    expect(materialize([view()], new Map(), at(100))).toEqual([{ ...view(), version: 1, updatedAt: at(100) }]);
  });

  it('skips a new all-allowed item: an address never suppressed needs none', () => {
    expect(materialize([view({ status: 'allowed', purposes: { all: 'allowed' } })], new Map(), at(100))).toEqual([]);
  });

  it('skips an unchanged item, whatever the order of its purposes', () => {
    expect(materialize([view()], stored(), at(100))).toEqual([]);
    expect(materialize([view({ purposes: { marketing: 'suppressed', all: 'allowed' } })], stored(), at(100))).toEqual([]);
  });

  it.each([
    ['status and purposes', { status: 'allowed', purposes: { all: 'allowed', marketing: 'allowed' } }],
    ['a purpose', { purposes: { all: 'allowed', marketing: 'suppressed', newsletter: 'suppressed' } }],
    ['since', { since: at(0) }],
    ['eventId', { eventId: 'e0' }],
    ['personId', { personId: 'p-other' }],
  ] as [string, Partial<SuppressionView>][])('writes a changed item one version up (%s changed)', (_, change) => {
    expect(materialize([view(change)], stored(), at(100))).toEqual([{ ...view(change), version: 4, updatedAt: at(100) }]);
  });

  it('an existing item that becomes all-allowed is written (senders must learn of it)', () => {
    const allowed = view({ status: 'allowed', purposes: { all: 'allowed', marketing: 'allowed' }, eventId: 'e2', since: at(2) });
    expect(materialize([allowed], stored(), at(100))).toEqual([{ ...allowed, version: 4, updatedAt: at(100) }]);
  });
});

describe('assertActionable', () => {
  it('refuses a person-wide opt-in without evidence of who collected it and how', () => {
    expect(() => assertActionable(start('s', 1, { scope: 'person', evidence: {} }))).toThrow(UnprocessableError);
    expect(() => assertActionable(start('s', 1, { scope: 'person', evidence: { collectedBy: 'agent-7' } }))).toThrow(UnprocessableError);
    expect(() => assertActionable(start('s', 1, { scope: 'person', evidence: { method: 'letter' } }))).toThrow(UnprocessableError);
    expect(() => assertActionable(start('s', 1, { scope: 'person', evidence: { payloadSha256: 'a'.repeat(64) } }))).toThrow(UnprocessableError);
  });

  it('the error is a 422 problem', () => {
    try {
      assertActionable(start('s', 1, { scope: 'person', evidence: {} }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as UnprocessableError).status).toBe(422);
    }
  });

  it('accepts a person-wide opt-in with collectedBy and method', () => {
    expect(() => assertActionable(start('s', 1, { scope: 'person', evidence: { collectedBy: 'agent-7', method: 'letter' } }))).not.toThrow();
  });

  it('refuses an address opt-in without evidence of who collected it and how, too', () => {
    expect(() => assertActionable(start('s', 1, { evidence: {} }))).toThrow(UnprocessableError);
    expect(() => assertActionable(start('s', 1, { evidence: { collectedBy: 'twilio' } }))).toThrow(UnprocessableError);
    expect(() => assertActionable(start('s', 1, { evidence: { method: 'sms-keyword' } }))).toThrow(UnprocessableError);
    expect(() => assertActionable(start('s', 1, { evidence: { payloadSha256: 'a'.repeat(64) } }))).toThrow(UnprocessableError);
  });

  it('the store model refuses an opt-in without evidence and records nothing', () => {
    const model = store();
    expect(() => model.deliver(start('bare-start', 1, { evidence: {} }))).toThrow(UnprocessableError);
    expect(() => model.deliver(start('bare-person-start', 1, { scope: 'person', evidence: {} }))).toThrow(UnprocessableError);
    expect(model.events.size).toBe(0);
    expect(model.table.size).toBe(0);
  });

  it('accepts an address opt-in with the evidence an SMS START carries (provider, sms-keyword)', () => {
    expect(() => assertActionable(start('s', 1, { evidence: SMS_EVIDENCE }))).not.toThrow();
    expect(() => assertActionable(start('s', 1, { evidence: { collectedBy: 'vonage', method: 'sms-keyword' } }))).not.toThrow();
  });

  it('accepts opt-outs and HELP of either scope without evidence', () => {
    expect(() => assertActionable(stop('s', 1, { scope: 'person', evidence: {} }))).not.toThrow();
    expect(() => assertActionable(stop('s', 1, { evidence: {} }))).not.toThrow();
    expect(() => assertActionable(signal('h', 'help', { scope: 'person', evidence: {} }))).not.toThrow();
    expect(() => assertActionable(signal('h', 'help', { evidence: {} }))).not.toThrow();
  });
});
