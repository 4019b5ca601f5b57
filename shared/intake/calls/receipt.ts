import { ConfigurationError } from '../../core/errors.js';
import type { Channel } from '../../core/channels.js';
import { addBusinessDays, REGULATORY_BUSINESS_DAYS } from '../../core/time.js';
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
    /** 47 CFR 64.1200: honoured within 10 business days of the request. */
    regulatory: string;
    /** This organisation's own, shorter promise (CALL_SLA_HOURS). */
    sla: string;
  };
}

export function callSlaHours(): number {
  const configured = process.env.CALL_SLA_HOURS?.trim();
  if (!configured) return 24;
  const hours = Number(configured);
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 14) {
    throw new ConfigurationError(`CALL_SLA_HOURS "${configured}" is not a number of hours between 0 and 336.`);
  }
  return hours;
}

export function deadlines(occurredAt: string, slaHours: number): NonNullable<CallReceipt['deadlines']> {
  const at = new Date(occurredAt);
  return {
    regulatory: addBusinessDays(at, REGULATORY_BUSINESS_DAYS).toISOString(),
    sla: new Date(at.getTime() + slaHours * 3_600_000).toISOString(),
  };
}
