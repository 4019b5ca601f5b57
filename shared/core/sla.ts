import { ConfigurationError } from './errors.js';
import { channels, type Channel } from './channels.js';

/**
 * How fast each channel must apply a change: a target we set ourselves (how long after a change
 * enters the master record a channel should have confirmed it) and the regulatory deadline (the
 * latest a request may be honoured). Plain functions over plain data; shared/platform/config.ts reads the
 * environment into a policy, reconciliation and the audit trace judge timings against it.
 */

export type DeadlineUnit = 'business-days' | 'hours' | 'days';

export interface Deadline {
  amount: number;
  unit: DeadlineUnit;
}

export interface ChannelSla {
  channel: Channel;
  /** Minutes after a change is recorded by which the channel should have acked it. */
  targetMinutes: number;
  deadline: Deadline;
  /** Where the deadline comes from (../shared/reference/regulations.md). */
  basis: string;
}

export interface SlaPolicy {
  channels: Record<Channel, ChannelSla>;
  /** Whether US federal holidays are skipped like weekends when counting business days. */
  skipUsFederalHolidays: boolean;
}

/** Elapsed share of the deadline from which an unapplied change counts as approaching it. */
export const APPROACHING_FRACTION = 0.8;

export const defaultTargetMinutes: Record<Channel, number> = { sms: 15, email: 15, voice: 24 * 60, mail: 24 * 60 };

export const defaultDeadlines: Record<Channel, Deadline & { basis: string }> = {
  sms: {
    amount: 10,
    unit: 'business-days',
    basis: 'FCC 24-24 (47 CFR 64.1200(a)(10)): revocation honoured within a reasonable time not to exceed 10 business days',
  },
  voice: {
    amount: 10,
    unit: 'business-days',
    basis: 'FCC 24-24 and the internal do-not-call rules of 47 CFR 64.1200(d): honoured within 10 business days',
  },
  email: {
    amount: 48,
    unit: 'hours',
    basis: 'Gmail and Yahoo bulk-sender rules: unsubscribes honoured within 48 hours (stricter than CAN-SPAM\'s 10 business days)',
  },
  mail: {
    amount: 10,
    unit: 'business-days',
    basis:
      'No rule in regulations.md sets a window for postal mail; we hold it to the 10 business days that CAN-SPAM (16 CFR 316.5) and 47 CFR 64.1200(d) set for the other channels',
  },
};

const units: Record<string, DeadlineUnit> = { bd: 'business-days', h: 'hours', d: 'days' };

/** `sms:15,email:15,voice:1440,mail:1440`: minutes per channel; channels not named keep their default. */
export function parseTargetMinutes(spec: string | undefined): Record<Channel, number> {
  const targets = { ...defaultTargetMinutes };
  for (const [channel, value] of channelEntries('SLA_TARGET_MINUTES', spec)) {
    const minutes = Number(value);
    if (!Number.isFinite(minutes) || minutes <= 0) throw new ConfigurationError(`SLA_TARGET_MINUTES for ${channel} must be a positive number of minutes.`);
    targets[channel] = minutes;
  }
  return targets;
}

/** `sms:10bd,email:48h,mail:30d`: a deadline per channel in business days (bd), hours (h) or days (d). */
export function parseDeadlines(spec: string | undefined): Record<Channel, Deadline & { basis: string }> {
  const deadlines = { ...defaultDeadlines };
  for (const [channel, value] of channelEntries('SLA_DEADLINES', spec)) {
    const match = /^(\d+(?:\.\d+)?)(bd|h|d)$/.exec(value);
    if (!match || Number(match[1]) <= 0) throw new ConfigurationError(`SLA_DEADLINES for ${channel} must look like 10bd, 48h or 30d.`);
    deadlines[channel] = { amount: Number(match[1]), unit: units[match[2]!]!, basis: 'configured in SLA_DEADLINES' };
  }
  return deadlines;
}

function channelEntries(variable: string, spec: string | undefined): [Channel, string][] {
  return (spec ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [channel, value, ...rest] = entry.split(':').map((part) => part.trim());
      if (!channel || !value || rest.length || !(channels as readonly string[]).includes(channel)) {
        throw new ConfigurationError(`${variable} entries look like channel:value with a channel from ${channels.join(', ')}.`);
      }
      return [channel as Channel, value];
    });
}

export function slaPolicy(options: { targets?: string; deadlines?: string; skipUsFederalHolidays?: boolean } = {}): SlaPolicy {
  const targets = parseTargetMinutes(options.targets);
  const deadlines = parseDeadlines(options.deadlines);
  return {
    channels: Object.fromEntries(
      channels.map((channel) => {
        const { basis, ...deadline } = deadlines[channel];
        return [channel, { channel, targetMinutes: targets[channel], deadline, basis }];
      }),
    ) as Record<Channel, ChannelSla>,
    skipUsFederalHolidays: options.skipUsFederalHolidays ?? false,
  };
}

const DAY_MS = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** The `n`th `weekday` (0 = Sunday) of a month, or the last one when `n` is -1; as YYYY-MM-DD. */
function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  if (n > 0) {
    const first = new Date(Date.UTC(year, month, 1));
    const offset = (weekday - first.getUTCDay() + 7) % 7;
    return isoDay(new Date(Date.UTC(year, month, 1 + offset + (n - 1) * 7)));
  }
  const last = new Date(Date.UTC(year, month + 1, 0));
  const offset = (last.getUTCDay() - weekday + 7) % 7;
  return isoDay(new Date(Date.UTC(year, month + 1, -offset)));
}

/** A fixed-date holiday on a weekend is observed on the Friday before or the Monday after (5 U.S.C. 6103(b)). */
function observed(year: number, month: number, day: number): string {
  const date = new Date(Date.UTC(year, month, day));
  const weekday = date.getUTCDay();
  if (weekday === 6) return isoDay(new Date(date.getTime() - DAY_MS));
  if (weekday === 0) return isoDay(new Date(date.getTime() + DAY_MS));
  return isoDay(date);
}

/** The eleven US federal holidays of a year as observed (5 U.S.C. 6103), as YYYY-MM-DD. */
export function usFederalHolidays(year: number): string[] {
  return [
    observed(year, 0, 1), // New Year's Day
    nthWeekday(year, 0, 1, 3), // Birthday of Martin Luther King, Jr.
    nthWeekday(year, 1, 1, 3), // Washington's Birthday
    nthWeekday(year, 4, 1, -1), // Memorial Day
    observed(year, 5, 19), // Juneteenth
    observed(year, 6, 4), // Independence Day
    nthWeekday(year, 8, 1, 1), // Labor Day
    nthWeekday(year, 9, 1, 2), // Columbus Day
    observed(year, 10, 11), // Veterans Day
    nthWeekday(year, 10, 4, 4), // Thanksgiving Day
    observed(year, 11, 25), // Christmas Day
  ];
}

export function isBusinessDay(date: Date, skipUsFederalHolidays = false): boolean {
  const weekday = date.getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  if (!skipUsFederalHolidays) return true;
  const day = isoDay(date);
  // New Year's Day on a Saturday is observed on December 31 of the year before.
  return ![date.getUTCFullYear(), date.getUTCFullYear() + 1].some((year) => usFederalHolidays(year).includes(day));
}

/**
 * `start` plus `days` business days, at the same time of day (UTC). Saturdays and Sundays (and,
 * when asked, US federal holidays) are skipped; a start on a non-business day counts from the
 * beginning of the next business day, so a Saturday request is due as if made Monday 00:00.
 */
export function addBusinessDays(start: Date, days: number, skipUsFederalHolidays = false): Date {
  if (!Number.isInteger(days) || days < 0) throw new RangeError('Business days are counted in whole, non-negative numbers.');
  let at = new Date(start.getTime());
  if (!isBusinessDay(at, skipUsFederalHolidays)) {
    at = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
    while (!isBusinessDay(at, skipUsFederalHolidays)) at = new Date(at.getTime() + DAY_MS);
  }
  for (let counted = 0; counted < days; ) {
    at = new Date(at.getTime() + DAY_MS);
    if (isBusinessDay(at, skipUsFederalHolidays)) counted++;
  }
  return at;
}

export function deadlineAt(start: Date, deadline: Deadline, skipUsFederalHolidays = false): Date {
  switch (deadline.unit) {
    case 'business-days':
      return addBusinessDays(start, deadline.amount, skipUsFederalHolidays);
    case 'hours':
      return new Date(start.getTime() + deadline.amount * 3_600_000);
    case 'days':
      return new Date(start.getTime() + deadline.amount * DAY_MS);
  }
}

export function describeDeadline(deadline: Deadline): string {
  const unit = deadline.unit === 'business-days' ? 'business day' : deadline.unit === 'hours' ? 'hour' : 'calendar day';
  return `${deadline.amount} ${unit}${deadline.amount === 1 ? '' : 's'}`;
}

export function describeMinutes(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440} day${minutes === 1440 ? '' : 's'}`;
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? '' : 's'}`;
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** `met`/`missed` once applied; before that `pending`, `approaching` (deadline only) or `missed`. */
export type Timeliness = 'met' | 'missed' | 'pending' | 'approaching';

export interface Assessment {
  startedAt: string;
  appliedAt?: string;
  targetAt: string;
  deadlineAt: string;
  target: Exclude<Timeliness, 'approaching'>;
  deadline: Timeliness;
  /** Share of the deadline elapsed (until applied, or until now). */
  deadlineElapsed: number;
}

/**
 * Judges one change on one channel: started when the clock started (receipt or recording),
 * applied when the channel acked it (undefined while it has not).
 */
export function assess(sla: ChannelSla, startedAt: string, appliedAt: string | undefined, now: Date, skipUsFederalHolidays = false): Assessment {
  const start = new Date(startedAt);
  const target = new Date(start.getTime() + sla.targetMinutes * 60_000);
  const deadline = deadlineAt(start, sla.deadline, skipUsFederalHolidays);
  const end = appliedAt ? Date.parse(appliedAt) : now.getTime();
  const span = deadline.getTime() - start.getTime();
  const deadlineElapsed = span > 0 ? Math.max(0, (end - start.getTime()) / span) : 1;
  const judge = (due: Date): 'met' | 'missed' | 'pending' => (end > due.getTime() ? 'missed' : appliedAt ? 'met' : 'pending');
  const deadlineStatus = judge(deadline);
  return {
    startedAt,
    ...(appliedAt ? { appliedAt } : {}),
    targetAt: target.toISOString(),
    deadlineAt: deadline.toISOString(),
    target: judge(target),
    deadline: deadlineStatus === 'pending' && deadlineElapsed >= APPROACHING_FRACTION ? 'approaching' : deadlineStatus,
    deadlineElapsed: Math.round(deadlineElapsed * 1000) / 1000,
  };
}
