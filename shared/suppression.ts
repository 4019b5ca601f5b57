import type { Channel } from './resources.js';
import type { Signal } from './signal.js';

/**
 * The decision rules, as plain functions over plain data: which signal wins, and what the
 * materialized suppression item of an address becomes.
 */

export type Status = 'suppressed' | 'allowed';

/** What the master record holds for one subject on one channel and purpose. */
export interface ChannelState {
  channel: Channel;
  purpose: string;
  status: Status;
  /** When the person acted, for the signal that decided this state. */
  occurredAt: string;
  eventId: string;
}

/** The item the pre-send check reads and fan-out distributes. */
export interface Suppression {
  channel: Channel;
  address: string;
  purpose: string;
  status: Status;
  /** Since when the current status holds (when the person acted). */
  since: string;
  eventId: string;
  /** Grows by one on every change of this address's item, so consumers can drop stale messages. */
  version: number;
  /** When optout-hub recorded the change. */
  updatedAt: string;
}

export function statusOf(signal: Pick<Signal, 'kind'>): Status | undefined {
  if (signal.kind === 'opt-out') return 'suppressed';
  if (signal.kind === 'opt-in') return 'allowed';
  return undefined;
}

/**
 * Whether a signal decides the state instead of the current one. The person's own timeline
 * decides, not arrival order: a later act wins, and at equal times suppression wins.
 */
export function supersedes(current: ChannelState | undefined, incoming: ChannelState): boolean {
  if (!current) return true;
  const byTime = Date.parse(incoming.occurredAt) - Date.parse(current.occurredAt);
  if (byTime !== 0) return byTime > 0;
  return incoming.status === 'suppressed' && current.status !== 'suppressed';
}

export interface SignalPlan {
  /** The new channel state, when the signal decides it. */
  state?: ChannelState;
  /** The new suppression item, when what may be sent to the address changes. */
  suppression?: Suppression;
  effect: 'applied' | 'superseded' | 'recorded';
}

export interface CurrentRecord {
  state?: ChannelState;
  suppression?: Suppression;
}

export function planSignal(current: CurrentRecord, signal: Signal, recordedAt: string): SignalPlan {
  const status = statusOf(signal);
  if (!status) return { effect: 'recorded' };
  const incoming: ChannelState = {
    channel: signal.channel,
    purpose: signal.purpose,
    status,
    occurredAt: signal.occurredAt,
    eventId: signal.id,
  };
  if (!supersedes(current.state, incoming)) return { effect: 'superseded' };
  // Nothing to write when the address already has this status, or was never suppressed at all.
  const unchanged = (current.suppression?.status ?? 'allowed') === status;
  if (unchanged) return { state: incoming, effect: 'applied' };
  return {
    state: incoming,
    suppression: {
      channel: signal.channel,
      address: signal.address,
      purpose: signal.purpose,
      status,
      since: signal.occurredAt,
      eventId: signal.id,
      version: (current.suppression?.version ?? 0) + 1,
      updatedAt: recordedAt,
    },
    effect: 'applied',
  };
}
