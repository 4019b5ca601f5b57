import type { Channel } from '../core/channels.js';

/**
 * How fast changes travel and how many wait, for the console's charts: per channel, the time from
 * a request's arrival at optout-hub to its change being enqueued and to its being applied (acked by
 * the integrations that must ack it), and per day the backlog of changes enqueued but not yet
 * applied at the end of that day. Plain functions over plain data; actions.ts reads the samples.
 */

export interface PropagationSample {
  channel: Channel;
  /** When the request behind the change reached optout-hub (its event's receivedAt, else recordedAt). */
  arrivedAt: string;
  enqueuedAt: string;
  /** When the channel counts it applied (acks.ts appliedAt); absent while it waits. */
  appliedAt?: string;
  /** When each integration acked it. */
  acks?: Record<string, string>;
}

export interface IntegrationPropagation {
  channel: Channel;
  integration: string;
  /** Whether the channel waits for this integration's ack (ACK_INTEGRATIONS) or it acks of its own accord. */
  expected: boolean;
  acked: number;
  waiting: number;
  /** Milliseconds from arrival to this integration's ack. */
  ack?: Spread;
}

export interface Spread {
  median: number;
  p95: number;
}

export interface ChannelPropagation {
  channel: Channel;
  changes: number;
  /** Milliseconds from arrival to enqueued. */
  enqueued?: Spread;
  /** Milliseconds from arrival to applied, over the changes applied so far. */
  applied?: Spread;
  waiting: number;
}

export interface Propagation {
  /** The first instant the samples cover. */
  since: string;
  channels: ChannelPropagation[];
  /** Per channel, each integration expected to ack it or seen acking it. */
  integrations: IntegrationPropagation[];
  /** Per day (UTC, oldest first): changes enqueued by the end of that day (or now, today) and not applied by then. */
  backlog: { day: string; waiting: number }[];
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function spread(values: number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  const sorted = values.toSorted((a, b) => a - b);
  return { median: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

const DAY_MS = 86_400_000;

export function propagationOf(
  samples: readonly PropagationSample[],
  channelList: readonly Channel[],
  now: Date,
  days: number,
  expected: (channel: Channel) => readonly string[] = () => [],
): Propagation {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const first = today - (days - 1) * DAY_MS;
  const channels = channelList.map((channel): ChannelPropagation => {
    const own = samples.filter((sample) => sample.channel === channel);
    const enqueued = own.map((sample) => Date.parse(sample.enqueuedAt) - Date.parse(sample.arrivedAt));
    const applied = own.filter((sample) => sample.appliedAt).map((sample) => Date.parse(sample.appliedAt!) - Date.parse(sample.arrivedAt));
    return {
      channel,
      changes: own.length,
      ...(spread(enqueued) ? { enqueued: spread(enqueued) } : {}),
      ...(spread(applied) ? { applied: spread(applied) } : {}),
      waiting: own.length - applied.length,
    };
  });
  const integrations = channelList.flatMap((channel) => {
    const own = samples.filter((sample) => sample.channel === channel);
    const named = new Set(expected(channel));
    const seen = [...new Set([...named, ...own.flatMap((sample) => Object.keys(sample.acks ?? {}))])].sort();
    return seen.map((integration): IntegrationPropagation => {
      const acked = own.filter((sample) => sample.acks?.[integration]);
      const times = acked.map((sample) => Date.parse(sample.acks![integration]!) - Date.parse(sample.arrivedAt));
      return {
        channel,
        integration,
        expected: named.has(integration),
        acked: acked.length,
        waiting: own.length - acked.length,
        ...(spread(times) ? { ack: spread(times) } : {}),
      };
    });
  });
  const backlog = Array.from({ length: days }, (_, index) => {
    const start = first + index * DAY_MS;
    const end = Math.min(start + DAY_MS, now.getTime());
    const waiting = samples.filter((sample) => Date.parse(sample.enqueuedAt) <= end && (!sample.appliedAt || Date.parse(sample.appliedAt) > end)).length;
    return { day: new Date(start).toISOString().slice(0, 10), waiting };
  });
  return { since: new Date(first).toISOString(), channels, integrations, backlog };
}

/** A duration as people read it: 850 ms, 4.2 s, 12 min, 3.5 h. */
export function describeDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
