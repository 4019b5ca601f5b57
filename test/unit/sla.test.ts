import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../shared/core/errors.js';
import { addBusinessDays, assess, deadlineAt, isBusinessDay, parseDeadlines, parseTargetMinutes, slaPolicy, usFederalHolidays } from '../../shared/core/sla.js';

const at = (iso: string) => new Date(iso);

describe('business days', () => {
  it('skips Saturdays and Sundays and keeps the time of day', () => {
    // Friday 2026-05-01 15:30 + 10 business days = Friday 2026-05-15 15:30.
    expect(addBusinessDays(at('2026-05-01T15:30:00Z'), 10).toISOString()).toBe('2026-05-15T15:30:00.000Z');
    // Friday + 1 = Monday.
    expect(addBusinessDays(at('2026-05-01T15:30:00Z'), 1).toISOString()).toBe('2026-05-04T15:30:00.000Z');
    expect(addBusinessDays(at('2026-05-06T08:00:00Z'), 0).toISOString()).toBe('2026-05-06T08:00:00.000Z');
  });

  it('counts a weekend request from the start of Monday', () => {
    expect(addBusinessDays(at('2026-05-02T22:00:00Z'), 1).toISOString()).toBe('2026-05-05T00:00:00.000Z');
    expect(addBusinessDays(at('2026-05-03T10:00:00Z'), 10).toISOString()).toBe('2026-05-18T00:00:00.000Z');
  });

  it('skips US federal holidays only when asked', () => {
    // Wednesday 2026-11-25; Thursday 26 is Thanksgiving.
    expect(addBusinessDays(at('2026-11-25T12:00:00Z'), 1).toISOString()).toBe('2026-11-26T12:00:00.000Z');
    expect(addBusinessDays(at('2026-11-25T12:00:00Z'), 1, true).toISOString()).toBe('2026-11-27T12:00:00.000Z');
    // Christmas 2027 is a Saturday, observed Friday 24; New Year 2028 is a Saturday, observed Friday 2027-12-31.
    expect(isBusinessDay(at('2027-12-24T12:00:00Z'), true)).toBe(false);
    expect(isBusinessDay(at('2027-12-31T12:00:00Z'), true)).toBe(false);
    expect(isBusinessDay(at('2027-12-31T12:00:00Z'), false)).toBe(true);
  });

  it('knows the eleven federal holidays of a year as observed', () => {
    expect(usFederalHolidays(2026)).toEqual([
      '2026-01-01', '2026-01-19', '2026-02-16', '2026-05-25', '2026-06-19', '2026-07-03',
      '2026-09-07', '2026-10-12', '2026-11-11', '2026-11-26', '2026-12-25',
    ]);
  });

  it('always lands on a business day, n business days later, never earlier than n weekdays', () => {
    fc.assert(
      fc.property(fc.date({ min: at('2020-01-01T00:00:00Z'), max: at('2035-01-01T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: 1, max: 30 }), fc.boolean(), (start, days, holidays) => {
        const end = addBusinessDays(start, days, holidays);
        expect(isBusinessDay(end, holidays)).toBe(true);
        // A request on a non-business day counts as made at the start of the next business day.
        let first = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
        if (!isBusinessDay(start, holidays)) while (!isBusinessDay(new Date(first), holidays)) first += 86_400_000;
        let counted = 0;
        for (let day = new Date(first + 86_400_000); day <= end; day = new Date(day.getTime() + 86_400_000)) {
          if (isBusinessDay(day, holidays)) counted++;
        }
        expect(counted).toBe(days);
        expect(end.getTime() - start.getTime()).toBeGreaterThanOrEqual(days * 86_400_000 - 86_400_000);
      }),
    );
  });
});

describe('configuration', () => {
  it('has the issue defaults: sms and email 15 minutes, voice and mail a day; 10 business days, 48 hours for email', () => {
    const policy = slaPolicy();
    expect(Object.values(policy.channels).map((sla) => [sla.channel, sla.targetMinutes, sla.deadline])).toEqual([
      ['sms', 15, { amount: 10, unit: 'business-days' }],
      ['email', 15, { amount: 48, unit: 'hours' }],
      ['voice', 1440, { amount: 10, unit: 'business-days' }],
      ['mail', 1440, { amount: 10, unit: 'business-days' }],
    ]);
    expect(policy.channels.email.basis).toMatch(/48 hours/);
  });

  it('reads SLA_TARGET_MINUTES and SLA_DEADLINES and refuses what it cannot read', () => {
    expect(parseTargetMinutes('sms:5, voice:60')).toMatchObject({ sms: 5, voice: 60, email: 15 });
    expect(parseDeadlines('mail:30d,email:24h').mail).toMatchObject({ amount: 30, unit: 'days' });
    expect(parseDeadlines('email:24h').email).toMatchObject({ amount: 24, unit: 'hours' });
    expect(() => parseTargetMinutes('fax:5')).toThrow(ConfigurationError);
    expect(() => parseTargetMinutes('sms:-1')).toThrow(ConfigurationError);
    expect(() => parseDeadlines('sms:10 days')).toThrow(ConfigurationError);
  });

  it('computes hour and calendar-day deadlines', () => {
    expect(deadlineAt(at('2026-05-02T10:00:00Z'), { amount: 48, unit: 'hours' }).toISOString()).toBe('2026-05-04T10:00:00.000Z');
    expect(deadlineAt(at('2026-05-02T10:00:00Z'), { amount: 30, unit: 'days' }).toISOString()).toBe('2026-06-01T10:00:00.000Z');
  });
});

describe('assess', () => {
  const sms = slaPolicy().channels.sms;
  const start = '2026-05-04T10:00:00.000Z';

  it('is pending before the target, then missed; met when applied in time', () => {
    expect(assess(sms, start, undefined, at('2026-05-04T10:10:00Z'))).toMatchObject({ target: 'pending', deadline: 'pending' });
    expect(assess(sms, start, undefined, at('2026-05-04T10:16:00Z'))).toMatchObject({ target: 'missed', deadline: 'pending' });
    expect(assess(sms, start, '2026-05-04T10:14:00.000Z', at('2026-06-01T00:00:00Z'))).toMatchObject({ target: 'met', deadline: 'met' });
    expect(assess(sms, start, '2026-05-05T10:00:00.000Z', at('2026-06-01T00:00:00Z'))).toMatchObject({ target: 'missed', deadline: 'met' });
  });

  it('flags the deadline as approaching past 80% and missed after it, applied or not', () => {
    // Due Monday 2026-05-18 10:00: 336 hours.
    expect(assess(sms, start, undefined, at('2026-05-15T09:00:00Z')).deadline).toBe('pending');
    expect(assess(sms, start, undefined, at('2026-05-15T20:00:00Z')).deadline).toBe('approaching');
    expect(assess(sms, start, undefined, at('2026-05-18T10:00:01Z')).deadline).toBe('missed');
    expect(assess(sms, start, '2026-05-18T11:00:00.000Z', at('2026-05-19T00:00:00Z')).deadline).toBe('missed');
  });
});
