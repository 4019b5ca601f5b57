import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Signal } from '../../shared/signal.js';
import {
  planSignal,
  statusOf,
  supersedes,
  type ChannelState,
  type CurrentRecord,
  type Status,
} from '../../shared/suppression.js';

const ADDRESS = '+14155550100';

function signal(kind: Signal['kind'], occurredAt: string, id: string): Signal {
  return {
    id,
    kind,
    channel: 'sms',
    address: ADDRESS,
    purpose: 'all',
    scope: 'address',
    occurredAt,
    receivedAt: occurredAt,
    source: { type: 'sms-keyword', provider: 'twilio', messageId: id },
    evidence: { payloadSha256: '0'.repeat(64) },
  };
}

function state(status: Status, occurredAt: string, eventId = 'e'): ChannelState {
  return { channel: 'sms', purpose: 'all', status, occurredAt, eventId };
}

/** Applies a plan the way the store does: what the plan names replaces what was there. */
function apply(current: CurrentRecord, plan: ReturnType<typeof planSignal>): CurrentRecord {
  return { state: plan.state ?? current.state, suppression: plan.suppression ?? current.suppression };
}

const T1 = '2024-05-01T10:00:00.000Z';
const T2 = '2024-05-01T11:00:00.000Z';
const T3 = '2024-05-01T12:00:00.000Z';
const R1 = '2024-05-02T00:00:01.000Z';
const R2 = '2024-05-02T00:00:02.000Z';
const R3 = '2024-05-02T00:00:03.000Z';

describe('statusOf', () => {
  it('maps opt-out to suppressed, opt-in to allowed and help to nothing', () => {
    expect(statusOf({ kind: 'opt-out' })).toBe('suppressed');
    expect(statusOf({ kind: 'opt-in' })).toBe('allowed');
    expect(statusOf({ kind: 'help' })).toBeUndefined();
  });
});

describe('supersedes', () => {
  it('lets any state decide when there is none yet', () => {
    expect(supersedes(undefined, state('allowed', T1))).toBe(true);
    expect(supersedes(undefined, state('suppressed', T1))).toBe(true);
  });

  it.each(['allowed', 'suppressed'] as const)('lets a later act win over a current %s state', (current) => {
    expect(supersedes(state(current, T1), state('allowed', T2))).toBe(true);
    expect(supersedes(state(current, T1), state('suppressed', T2))).toBe(true);
  });

  it.each(['allowed', 'suppressed'] as const)('does not let an earlier act win over a current %s state', (current) => {
    expect(supersedes(state(current, T2), state('allowed', T1))).toBe(false);
    expect(supersedes(state(current, T2), state('suppressed', T1))).toBe(false);
  });

  it('lets suppression win at equal times', () => {
    expect(supersedes(state('allowed', T1), state('suppressed', T1))).toBe(true);
    expect(supersedes(state('suppressed', T1), state('allowed', T1))).toBe(false);
  });

  it.each(['allowed', 'suppressed'] as const)('does not let an equal-time %s act replace the same status', (status) => {
    expect(supersedes(state(status, T1, 'first'), state(status, T1, 'second'))).toBe(false);
  });

  it('compares instants, not strings', () => {
    expect(supersedes(state('suppressed', '2024-05-01T10:00:00Z'), state('allowed', '2024-05-01T11:00:00+01:00'))).toBe(false);
    expect(supersedes(state('allowed', '2024-05-01T10:00:00Z'), state('suppressed', '2024-05-01T11:00:00+01:00'))).toBe(true);
    expect(supersedes(state('suppressed', '2024-05-01T10:00:00Z'), state('allowed', '2024-05-01T10:00:00.001Z'))).toBe(true);
    // "9:00" sorts after "10:00" as a string, but is earlier.
    expect(supersedes(state('suppressed', '2024-05-01T10:00:00Z'), state('allowed', '2024-05-01T09:00:00Z'))).toBe(false);
  });
});

describe('planSignal', () => {
  it('creates version 1 of the suppression on the first STOP', () => {
    const plan = planSignal({}, signal('opt-out', T1, 'stop-1'), R1);
    expect(plan).toEqual({
      effect: 'applied',
      state: { channel: 'sms', purpose: 'all', status: 'suppressed', occurredAt: T1, eventId: 'stop-1' },
      suppression: {
        channel: 'sms',
        address: ADDRESS,
        purpose: 'all',
        status: 'suppressed',
        since: T1,
        eventId: 'stop-1',
        version: 1,
        updatedAt: R1,
      },
    });
  });

  it('updates the state but not the suppression on a later second STOP', () => {
    const afterFirst = apply({}, planSignal({}, signal('opt-out', T1, 'stop-1'), R1));
    const plan = planSignal(afterFirst, signal('opt-out', T2, 'stop-2'), R2);
    expect(plan).toEqual({
      effect: 'applied',
      state: { channel: 'sms', purpose: 'all', status: 'suppressed', occurredAt: T2, eventId: 'stop-2' },
    });
    expect(apply(afterFirst, plan).suppression).toEqual(afterFirst.suppression);
  });

  it('allows sending again on a START after the STOP, as version 2', () => {
    const afterStop = apply({}, planSignal({}, signal('opt-out', T1, 'stop-1'), R1));
    const plan = planSignal(afterStop, signal('opt-in', T2, 'start-1'), R2);
    expect(plan.effect).toBe('applied');
    expect(plan.state).toEqual({ channel: 'sms', purpose: 'all', status: 'allowed', occurredAt: T2, eventId: 'start-1' });
    expect(plan.suppression).toEqual({
      channel: 'sms',
      address: ADDRESS,
      purpose: 'all',
      status: 'allowed',
      since: T2,
      eventId: 'start-1',
      version: 2,
      updatedAt: R2,
    });
  });

  it('suppresses again on a STOP after the START, as version 3', () => {
    let current = apply({}, planSignal({}, signal('opt-out', T1, 'stop-1'), R1));
    current = apply(current, planSignal(current, signal('opt-in', T2, 'start-1'), R2));
    const plan = planSignal(current, signal('opt-out', T3, 'stop-2'), R3);
    expect(plan.suppression).toMatchObject({ status: 'suppressed', version: 3, since: T3, eventId: 'stop-2', updatedAt: R3 });
  });

  it('supersedes a START that happened before the STOP it arrives after: no state, no suppression', () => {
    const afterStop = apply({}, planSignal({}, signal('opt-out', T2, 'stop-1'), R1));
    expect(planSignal(afterStop, signal('opt-in', T1, 'stale-start'), R2)).toEqual({ effect: 'superseded' });
  });

  it('supersedes a START at exactly the time of the STOP', () => {
    const afterStop = apply({}, planSignal({}, signal('opt-out', T1, 'stop-1'), R1));
    expect(planSignal(afterStop, signal('opt-in', T1, 'start-1'), R2)).toEqual({ effect: 'superseded' });
  });

  it('applies a STOP at exactly the time of the START', () => {
    const afterStart = apply({}, planSignal({}, signal('opt-in', T1, 'start-1'), R1));
    const plan = planSignal(afterStart, signal('opt-out', T1, 'stop-1'), R2);
    expect(plan.effect).toBe('applied');
    expect(plan.suppression).toMatchObject({ status: 'suppressed', version: (afterStart.suppression?.version ?? 0) + 1 });
  });

  it('supersedes a redelivery of the signal that decided the state', () => {
    const stop = signal('opt-out', T1, 'stop-1');
    const afterStop = apply({}, planSignal({}, stop, R1));
    expect(planSignal(afterStop, stop, R2)).toEqual({ effect: 'superseded' });
  });

  it('records the consent of a first START but writes no suppression: there is nothing to lift', () => {
    const plan = planSignal({}, signal('opt-in', T1, 'start-1'), R1);
    expect(plan).toEqual({ effect: 'applied', state: state('allowed', T1, 'start-1') });
  });

  it('only records HELP, with or without a current record', () => {
    expect(planSignal({}, signal('help', T1, 'help-1'), R1)).toEqual({ effect: 'recorded' });
    const afterStop = apply({}, planSignal({}, signal('opt-out', T1, 'stop-1'), R1));
    expect(planSignal(afterStop, signal('help', T2, 'help-2'), R2)).toEqual({ effect: 'recorded' });
  });

  it('copies channel and purpose from the signal', () => {
    const emailSignal: Signal = { ...signal('opt-out', T1, 'stop-1'), channel: 'email', address: 'a@example.com', purpose: 'marketing' };
    const plan = planSignal({}, emailSignal, R1);
    expect(plan.state).toMatchObject({ channel: 'email', purpose: 'marketing' });
    expect(plan.suppression).toMatchObject({ channel: 'email', address: 'a@example.com', purpose: 'marketing' });
  });
});

describe('planSignal properties', () => {
  const BASE = Date.UTC(2024, 0, 1);
  // A small range of seconds so that equal times are common.
  const act = fc.record({ kind: fc.constantFrom('opt-out' as const, 'opt-in' as const), second: fc.integer({ min: 0, max: 6 }) });
  const acts = fc.array(act, { minLength: 1, maxLength: 12 });

  function fold(order: { kind: 'opt-out' | 'opt-in'; second: number; id: string }[]): CurrentRecord {
    let current: CurrentRecord = {};
    order.forEach(({ kind, second, id }, index) => {
      const recordedAt = new Date(BASE + 86_400_000 + index * 1000).toISOString();
      const plan = planSignal(current, signal(kind, new Date(BASE + second * 1000).toISOString(), id), recordedAt);
      if (plan.effect === 'superseded') expect(plan).toEqual({ effect: 'superseded' });
      else expect(plan.effect).toBe('applied');
      if (plan.suppression) {
        // A new suppression item only when what may be sent changes, and always one version up.
        expect(plan.suppression.status).not.toBe(current.suppression?.status ?? 'allowed');
        expect(plan.suppression.version).toBe((current.suppression?.version ?? 0) + 1);
        expect(plan.suppression.updatedAt).toBe(recordedAt);
      }
      current = apply(current, plan);
      expect(current.suppression?.status ?? 'allowed').toBe(current.state?.status);
    });
    return current;
  }

  it('ends at the status of the latest act (suppressed on ties), whatever the arrival order', () => {
    fc.assert(
      fc.property(
        acts.chain((list) => {
          const withIds = list.map((a, i) => ({ ...a, id: `sig-${i}` }));
          return fc.tuple(fc.constant(withIds), fc.shuffledSubarray(withIds, { minLength: withIds.length, maxLength: withIds.length }));
        }),
        ([generated, shuffled]) => {
          const latest = Math.max(...generated.map((a) => a.second));
          const atLatest = generated.filter((a) => a.second === latest);
          const expected: Status = atLatest.some((a) => a.kind === 'opt-out') ? 'suppressed' : 'allowed';
          for (const order of [generated, shuffled]) {
            const final = fold(order);
            expect(final.suppression?.status ?? 'allowed').toBe(expected);
            expect(final.state?.occurredAt).toBe(new Date(BASE + latest * 1000).toISOString());
            if (expected === 'suppressed') expect(final.suppression?.version).toBeGreaterThanOrEqual(1);
          }
        },
      ),
    );
  });

  it('versions increase strictly with every change of the suppression item', () => {
    fc.assert(
      fc.property(acts, (list) => {
        let current: CurrentRecord = {};
        const versions: number[] = [];
        list.forEach(({ kind, second }, index) => {
          const plan = planSignal(current, signal(kind, new Date(BASE + second * 1000).toISOString(), `sig-${index}`), new Date(BASE).toISOString());
          if (plan.suppression) versions.push(plan.suppression.version);
          current = apply(current, plan);
        });
        if (versions.length > 0) expect(versions[0]).toBe(1);
        for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1]!);
        expect(current.suppression?.version).toBe(versions.length || undefined);
      }),
    );
  });
});
