import { describe, expect, it } from 'vitest';
import { describeDuration, propagationOf, type PropagationSample } from '../../shared/console/propagation.js';

const now = new Date('2026-06-07T12:00:00Z');
const sample = (channel: PropagationSample['channel'], arrivedAt: string, enqueuedSeconds: number, appliedSeconds?: number): PropagationSample => {
  const arrived = Date.parse(arrivedAt);
  return {
    channel,
    arrivedAt,
    enqueuedAt: new Date(arrived + enqueuedSeconds * 1000).toISOString(),
    ...(appliedSeconds === undefined ? {} : { appliedAt: new Date(arrived + appliedSeconds * 1000).toISOString() }),
  };
};

describe('propagation for the console charts', () => {
  it('gives per channel the median and 95th percentile from arrival to enqueued and to applied, and what still waits', () => {
    const samples = [
      ...Array.from({ length: 20 }, (_, i) => sample('sms', '2026-06-06T10:00:00.000Z', 1 + i, 60 * (i + 1))),
      sample('sms', '2026-06-07T09:00:00.000Z', 2),
      sample('email', '2026-06-05T09:00:00.000Z', 3, 30),
    ];
    const result = propagationOf(samples, ['sms', 'email', 'voice'], now, 7);
    const sms = result.channels.find((channel) => channel.channel === 'sms')!;
    expect(sms).toMatchObject({ changes: 21, waiting: 1 });
    // Nearest rank: the 11th of 21 enqueue times (1..20 s and 2 s) is 10 s; the 95th percentile is the 20th, 19 s.
    expect(sms.enqueued).toEqual({ median: 10_000, p95: 19_000 });
    // Applied: 60..1200 s over the 20 applied; the median is the 10th (600 s), the 95th percentile the 19th (1140 s).
    expect(sms.applied).toEqual({ median: 600_000, p95: 1_140_000 });
    expect(result.channels.find((channel) => channel.channel === 'voice')).toEqual({ channel: 'voice', changes: 0, waiting: 0 });
  });

  it('counts the backlog at the end of each day: enqueued by then and not applied by then', () => {
    const samples = [
      sample('sms', '2026-06-03T23:59:00.000Z', 30, 2 * 86_400), // enqueued late on the 3rd, applied late on the 5th
      sample('email', '2026-06-06T08:00:00.000Z', 1), // still waiting
      sample('voice', '2026-06-02T08:00:00.000Z', 1, 60), // applied the same day
    ];
    const { backlog, since } = propagationOf(samples, ['sms', 'email', 'voice'], now, 7);
    expect(since).toBe('2026-06-01T00:00:00.000Z');
    expect(backlog).toEqual([
      { day: '2026-06-01', waiting: 0 },
      { day: '2026-06-02', waiting: 0 },
      { day: '2026-06-03', waiting: 1 },
      { day: '2026-06-04', waiting: 1 },
      { day: '2026-06-05', waiting: 0 },
      { day: '2026-06-06', waiting: 1 },
      { day: '2026-06-07', waiting: 1 },
    ]);
  });

  it('gives per channel each expected integration and each that acked: how many it acked, how many wait, how fast', () => {
    const acked = (at: string) => ({ ...sample('voice', '2026-06-06T10:00:00.000Z', 1, 120), acks: { 'dialer-east': at } });
    const samples = [acked('2026-06-06T10:01:00.000Z'), acked('2026-06-06T10:03:00.000Z'), sample('voice', '2026-06-06T11:00:00.000Z', 1)];
    const { integrations } = propagationOf(samples, ['voice'], now, 7, (channel) => (channel === 'voice' ? ['dialer-east', 'dialer-west'] : []));
    expect(integrations).toEqual([
      { channel: 'voice', integration: 'dialer-east', expected: true, acked: 2, waiting: 1, ack: { median: 60_000, p95: 180_000 } },
      { channel: 'voice', integration: 'dialer-west', expected: true, acked: 0, waiting: 3 },
    ]);
  });

  it('writes durations as people read them', () => {
    expect([850, 4_200, 720_000, 12_600_000].map(describeDuration)).toEqual(['850 ms', '4.2 s', '12 min', '3.5 h']);
  });
});
