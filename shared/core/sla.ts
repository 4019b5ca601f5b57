import { ConfigurationError } from './errors.js';
import { channels, type Channel } from './channels.js';
import { deadlineFor, US_FEDERAL_HOLIDAYS, type BusinessCalendar, type Deadline, type DeadlineUnit } from './time.js';

export type { Deadline, DeadlineUnit };

/**
 * How fast each channel must apply a change: a target we set ourselves (how long after a change
 * enters the master record a channel should have confirmed it) and the regulatory deadline (the
 * latest a request may be honoured, counted by core/time.ts from when the organisation received
 * it). Plain functions over plain data; shared/platform/config.ts reads the environment into a
 * policy, reconciliation and the audit trace judge timings against it.
 */

export interface ChannelSla {
  channel: Channel;
  /** Minutes after a change is recorded by which the channel should have acked it. */
  targetMinutes: number;
  deadline: Deadline;
  /** The rule the deadline comes from, cited. */
  basis: string;
}

export interface SlaPolicy {
  channels: Record<Channel, ChannelSla>;
  /** Which days count as business days (US federal holidays by default). */
  calendar: BusinessCalendar;
}

/** Elapsed share of the deadline from which an unapplied change counts as approaching it. */
export const APPROACHING_FRACTION = 0.8;

export const defaultTargetMinutes: Record<Channel, number> = { sms: 15, email: 15, voice: 24 * 60, mail: 24 * 60 };

export const defaultDeadlines: Record<Channel, Deadline & { basis: string }> = {
  sms: {
    amount: 10,
    unit: 'business-days',
    basis: 'FCC 24-24 (47 CFR 64.1200(a)(10)): a revocation of consent is honoured within a reasonable time not to exceed 10 business days of its receipt',
  },
  voice: {
    amount: 10,
    unit: 'business-days',
    basis:
      'FCC 24-24 and the internal do-not-call rules of 47 CFR 64.1200(d)(3): a do-not-call request is honoured within a reasonable time not to exceed 10 business days of its receipt',
  },
  email: {
    amount: 48,
    unit: 'hours',
    basis:
      'Gmail and Yahoo bulk-sender requirements: unsubscribes honoured within 48 hours, stricter than the 10 business days of CAN-SPAM (15 U.S.C. 7704(a)(4))',
  },
  mail: {
    amount: 10,
    unit: 'business-days',
    basis:
      'No federal rule sets a window for honouring a postal-mail opt-out; we hold it to the 10 business days that CAN-SPAM (15 U.S.C. 7704(a)(4)) and 47 CFR 64.1200(d)(3) set for email and calls',
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

export function slaPolicy(options: { targets?: string; deadlines?: string; calendar?: BusinessCalendar } = {}): SlaPolicy {
  const targets = parseTargetMinutes(options.targets);
  const deadlines = parseDeadlines(options.deadlines);
  return {
    channels: Object.fromEntries(
      channels.map((channel) => {
        const { basis, ...deadline } = deadlines[channel];
        return [channel, { channel, targetMinutes: targets[channel], deadline, basis }];
      }),
    ) as Record<Channel, ChannelSla>,
    calendar: options.calendar ?? US_FEDERAL_HOLIDAYS,
  };
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

/** The two clocks of one change. */
export interface Clocks {
  /** When the organisation received the request (core/time.ts `clockStart`): the deadline runs from here. */
  startedAt: string;
  /** When the change entered the master record: our own target runs from here. */
  recordedAt: string;
}

export interface Assessment {
  startedAt: string;
  recordedAt: string;
  appliedAt?: string;
  targetAt: string;
  deadlineAt: string;
  target: Exclude<Timeliness, 'approaching'>;
  deadline: Timeliness;
  /** Share of the deadline elapsed (until applied, or until now). */
  deadlineElapsed: number;
  /** It entered the master record after its deadline: late however fast it is applied, and the deadline stays. */
  recordedLate: boolean;
}

/**
 * Judges one change on one channel: the deadline from when the organisation received the
 * request, the target from when it was recorded, applied when the channel acked it (undefined
 * while it has not).
 */
export function assess(sla: ChannelSla, clocks: Clocks, appliedAt: string | undefined, now: Date, calendar: BusinessCalendar): Assessment {
  const start = Date.parse(clocks.startedAt);
  const target = Date.parse(clocks.recordedAt) + sla.targetMinutes * 60_000;
  const deadline = deadlineFor(sla, clocks.startedAt, calendar).getTime();
  const end = appliedAt ? Date.parse(appliedAt) : now.getTime();
  const span = deadline - start;
  const deadlineElapsed = span > 0 ? Math.max(0, (end - start) / span) : 1;
  const judge = (due: number): 'met' | 'missed' | 'pending' => (end > due ? 'missed' : appliedAt ? 'met' : 'pending');
  const deadlineStatus = judge(deadline);
  return {
    startedAt: new Date(start).toISOString(),
    recordedAt: clocks.recordedAt,
    ...(appliedAt ? { appliedAt } : {}),
    targetAt: new Date(target).toISOString(),
    deadlineAt: new Date(deadline).toISOString(),
    target: judge(target),
    deadline: deadlineStatus === 'pending' && deadlineElapsed >= APPROACHING_FRACTION ? 'approaching' : deadlineStatus,
    deadlineElapsed: Math.round(deadlineElapsed * 1000) / 1000,
    recordedLate: Date.parse(clocks.recordedAt) > deadline,
  };
}
