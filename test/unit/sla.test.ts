import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../shared/core/errors.js';
import { assess, parseDeadlines, parseTargetMinutes, slaPolicy } from '../../shared/core/sla.js';
import '../../shared/core/holidays.js';
import { US_FEDERAL_HOLIDAYS } from '../../shared/core/time.js';

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
    expect(policy.calendar).toEqual(US_FEDERAL_HOLIDAYS);
  });

  it('cites the rules themselves, never a file', () => {
    const bases = Object.values(slaPolicy().channels).map((sla) => sla.basis);
    expect(bases.join(' ')).not.toMatch(/regulations\.md|\.\.\//);
    expect(slaPolicy().channels.sms.basis).toMatch(/47 CFR 64\.1200\(a\)\(10\)/);
    expect(slaPolicy().channels.voice.basis).toMatch(/47 CFR 64\.1200\(d\)\(3\)/);
  });

  it('reads SLA_TARGET_MINUTES and SLA_DEADLINES and refuses what it cannot read', () => {
    expect(parseTargetMinutes('sms:5, voice:60')).toMatchObject({ sms: 5, voice: 60, email: 15 });
    expect(parseDeadlines('mail:30d,email:24h').mail).toMatchObject({ amount: 30, unit: 'days' });
    expect(parseDeadlines('email:24h').email).toMatchObject({ amount: 24, unit: 'hours' });
    expect(() => parseTargetMinutes('fax:5')).toThrow(ConfigurationError);
    expect(() => parseTargetMinutes('sms:-1')).toThrow(ConfigurationError);
    expect(() => parseDeadlines('sms:10 days')).toThrow(ConfigurationError);
  });
});

describe('assess', () => {
  const sms = slaPolicy().channels.sms;
  const start = '2026-05-04T10:00:00.000Z';
  const clocks = { startedAt: start, recordedAt: start };
  const judge = (appliedAt: string | undefined, now: string, at = clocks) => assess(sms, at, appliedAt, new Date(now), US_FEDERAL_HOLIDAYS);

  it('is pending before the target, then missed; met when applied in time', () => {
    expect(judge(undefined, '2026-05-04T10:10:00Z')).toMatchObject({ target: 'pending', deadline: 'pending' });
    expect(judge(undefined, '2026-05-04T10:16:00Z')).toMatchObject({ target: 'missed', deadline: 'pending' });
    expect(judge('2026-05-04T10:14:00.000Z', '2026-06-01T00:00:00Z')).toMatchObject({ target: 'met', deadline: 'met' });
    expect(judge('2026-05-05T10:00:00.000Z', '2026-06-01T00:00:00Z')).toMatchObject({ target: 'missed', deadline: 'met' });
  });

  it('flags the deadline as approaching past 80% and missed after it, applied or not', () => {
    // Due Monday 2026-05-18 10:00: 336 hours.
    expect(judge(undefined, '2026-05-15T09:00:00Z').deadline).toBe('pending');
    expect(judge(undefined, '2026-05-15T20:00:00Z').deadline).toBe('approaching');
    expect(judge(undefined, '2026-05-18T10:00:01Z').deadline).toBe('missed');
    expect(judge('2026-05-18T11:00:00.000Z', '2026-05-19T00:00:00Z').deadline).toBe('missed');
  });

  it('runs the deadline from receipt and the target from recording; recorded after its deadline is late, with the same deadline', () => {
    const late = { startedAt: start, recordedAt: '2026-06-02T09:00:00.000Z' };
    expect(judge('2026-06-02T09:05:00.000Z', '2026-06-03T00:00:00Z', late)).toMatchObject({
      startedAt: start,
      deadlineAt: '2026-05-18T10:00:00.000Z',
      deadline: 'missed',
      targetAt: '2026-06-02T09:15:00.000Z',
      target: 'met',
      recordedLate: true,
    });
    expect(judge(undefined, '2026-05-05T00:00:00Z').recordedLate).toBe(false);
  });
});
