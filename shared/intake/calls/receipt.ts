import type { Channel } from '../../core/channels.js';
import type { SlaPolicy } from '../../core/sla.js';
import { clockStart, deadlineFor } from '../../core/time.js';
// Deadlines here count business days: load the holiday calendar.
import '../../core/holidays.js';
import type { DispositionAction } from './types.js';

/**
 * What the agent sees to close the call with confidence: which request this became, what is
 * suppressed where, since when the pre-send check answers so, and by when every channel must have
 * applied it. Built once, stored on the event, and returned as stored on every retry.
 */
export interface CallReceipt {
  requestId: string;
  dialer: string;
  callId: string;
  disposition: { code: string; action: DispositionAction | 'unknown' };
  /**
   * `suppressed`: the number (or person) is suppressed now; `unlinked`: wrong number, the number
   * left the person and is suppressed on its own; `overridden`: a later act of the person already
   * decides (nothing changed); `recorded`: an unknown code, kept for audit; `ignored`: a mapped
   * code that asks for nothing.
   */
  outcome: 'suppressed' | 'unlinked' | 'overridden' | 'recorded' | 'ignored';
  personId?: string;
  scope?: 'address' | 'person';
  /** Channels the disposition asks to suppress. */
  channels: Channel[];
  /** Every (channel, address) the pre-send check now refuses because of it. */
  suppressed: { channel: Channel; address: string }[];
  occurredAt: string;
  /** When optout-hub recorded it: from then on the pre-send check answers "suppressed". */
  effectiveAt?: string;
  deadlines?: {
    /**
     * The earliest regulatory deadline of the channels it suppresses (10 business days of the
     * call for voice and sms under 47 CFR 64.1200(a)(10) and (d)(3)), the same deadline the trace,
     * `optout-hub sla` and reconciliation report.
     */
    regulatory: string;
    /** Each channel's regulatory deadline. */
    byChannel: Partial<Record<Channel, string>>;
    /** This organisation's own, shorter promise (CALL_SLA_HOURS after the call). */
    sla: string;
  };
}

/** The receipt's deadlines, all from the one deadline function, counted from the call (the organisation received the request then). */
export function deadlines(
  request: { occurredAt: string; receivedOn?: string },
  channels: readonly Channel[],
  policy: SlaPolicy,
  slaHours: number,
): NonNullable<CallReceipt['deadlines']> {
  const start = clockStart(request);
  const byChannel = Object.fromEntries(channels.map((channel) => [channel, deadlineFor(policy.channels[channel], start, policy.calendar).toISOString()]));
  const earliest = Object.values(byChannel).sort()[0] ?? deadlineFor(policy.channels.voice, start, policy.calendar).toISOString();
  return {
    regulatory: earliest,
    byChannel,
    sla: deadlineFor({ deadline: { amount: slaHours, unit: 'hours' } }, start, policy.calendar).toISOString(),
  };
}
