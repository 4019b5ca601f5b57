import { describe, expect, it } from 'vitest';
import { judgeSuppression, requestTimesOf, type JudgeContext } from '../../shared/audit/reconcile.js';
import { applySignal, emptyRecord, suppressionFor, withIdentities, type Suppression } from '../../shared/core/preferences.js';
import { slaPolicy } from '../../shared/core/sla.js';
import type { Signal } from '../../shared/core/signal.js';

const address = '+12125550100';
const stop: Signal = {
  id: 'sms.twilio.SM1',
  kind: 'opt-out',
  channels: ['sms'],
  purpose: 'all',
  scope: 'address',
  subject: [{ type: 'phone', value: address }],
  occurredAt: '2026-05-04T10:00:00.000Z',
  receivedAt: '2026-05-04T10:00:00.000Z',
  source: { type: 'sms-keyword', provider: 'twilio', messageId: 'SM1' },
  evidence: {},
};
const person = applySignal(withIdentities(emptyRecord('p-1'), stop.subject), stop).record;
const item: Suppression = { ...suppressionFor(person, 'sms', address)!, version: 1, updatedAt: '2026-05-04T10:00:00.100Z' };
const delivery = { channel: 'sms' as const, address, version: 1, enqueuedAt: '2026-05-04T10:00:01.000Z' };

const context = (now: string, expected: string[] = []): JudgeContext => ({
  policy: slaPolicy(),
  expected: () => expected,
  now: new Date(now),
  deliveryGraceMinutes: 5,
});
const kinds = (findings: { kind: string }[]) => findings.map((finding) => finding.kind).sort();

describe('judging one suppression', () => {
  it('finds nothing wrong with an item that matches its record and was acked', () => {
    expect(judgeSuppression(item, person, { ...delivery, ackedAt: '2026-05-04T10:02:00.000Z' }, context('2026-06-01T00:00:00Z'))).toEqual([]);
  });

  it('flags an unacked channel past its target, then approaching and past the deadline', () => {
    expect(kinds(judgeSuppression(item, person, delivery, context('2026-05-04T10:10:00Z')))).toEqual([]);
    expect(kinds(judgeSuppression(item, person, delivery, context('2026-05-04T10:16:00Z')))).toEqual(['past-target']);
    expect(kinds(judgeSuppression(item, person, delivery, context('2026-05-15T20:00:00Z')))).toEqual(['approaching-deadline', 'past-target']);
    expect(kinds(judgeSuppression(item, person, delivery, context('2026-05-18T10:01:00Z')))).toEqual(['past-deadline', 'past-target']);
  });

  it('does not hold opt-ins to the regulatory deadline', () => {
    const allowed = { ...item, status: 'allowed' as const, purposes: { all: 'allowed' as const } };
    const findings = judgeSuppression(allowed, { ...person, preferences: [] }, delivery, context('2026-05-19T00:00:00Z'));
    expect(kinds(findings)).toEqual(['past-target']);
  });

  it('reports drift: a state the record does not imply, a missing person, a version never enqueued after the grace period', () => {
    const lifted = { ...item, status: 'allowed' as const, purposes: { all: 'allowed' as const } };
    expect(kinds(judgeSuppression(lifted, person, { ...delivery, ackedAt: '2026-05-04T10:02:00.000Z' }, context('2026-05-04T10:20:00Z')))).toEqual([
      'state-differs',
    ]);
    expect(kinds(judgeSuppression(item, undefined, { ...delivery, ackedAt: '2026-05-04T10:02:00.000Z' }, context('2026-05-04T10:20:00Z')))).toEqual([
      'person-missing',
    ]);
    expect(kinds(judgeSuppression(item, person, undefined, context('2026-05-04T10:04:00Z')))).toEqual([]);
    expect(kinds(judgeSuppression(item, person, undefined, context('2026-05-04T10:06:00Z')))).toEqual(['delivery-missing']);
  });

  it('waits for every expected integration and names the ones missing', () => {
    const acked = { ...delivery, ackedAt: '2026-05-04T10:02:00.000Z', acks: { 'dialer-east': { at: '2026-05-04T10:02:00.000Z', version: 1 } } };
    const findings = judgeSuppression(item, person, acked, context('2026-05-04T11:00:00Z', ['dialer-east', 'dialer-west']));
    expect(findings).toMatchObject([{ kind: 'past-target', awaiting: ['dialer-west'] }]);
  });

  it('runs the deadline from when the organisation received the request, and keeps it for one recorded after it', () => {
    // A letter received Wednesday 2026-11-04, keyed on 2026-12-02: due 2026-11-19 (Veterans Day skipped).
    const letter = { ...item, channel: 'mail' as const, updatedAt: '2026-12-02T15:00:00.000Z' };
    const request = { occurredAt: '2026-11-02T14:00:00.000Z', receivedOn: '2026-11-04T00:00:00.000Z' };
    const findings = judgeSuppression(letter, person, undefined, context('2026-12-02T15:01:00Z'), request);
    expect(findings.find((finding) => finding.kind === 'past-deadline')).toMatchObject({
      startedAt: '2026-11-04T00:00:00.000Z',
      deadlineAt: '2026-11-19T00:00:00.000Z',
      recordedLate: true,
    });
  });

  it('takes the request times from the event only when that event wrote the version', () => {
    const event = { occurredAt: '2026-11-02T14:00:00.000Z', receivedOn: '2026-11-04T00:00:00.000Z', recordedAt: '2026-12-02T15:00:00.000Z' };
    expect(requestTimesOf(event, { updatedAt: '2026-12-02T15:00:00.000Z' })).toEqual({ occurredAt: event.occurredAt, receivedOn: event.receivedOn });
    // A later link or merge rewrote the item: no request of its own, so it is timed from that recording.
    expect(requestTimesOf(event, { updatedAt: '2026-12-05T09:00:00.000Z' })).toBeUndefined();
    expect(requestTimesOf({ kind: 'people-merged', recordedAt: '2026-12-05T09:00:00.000Z' }, { updatedAt: '2026-12-05T09:00:00.000Z' })).toBeUndefined();
  });
});
