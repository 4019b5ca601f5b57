import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { BadRequestError } from '../core/errors.js';
import { normalizeChannelAddress } from '../core/identity.js';
import { channels, type Channel } from '../core/channels.js';
import type { StoreContext } from '../store/clients.js';
import { deliveriesOf, deliveryId, getDeliveries, recordAck, type Delivery } from '../store/deliveries.js';
import { getSuppression, readSuppressions } from '../store/suppressions.js';

/**
 * Acks: an integration (a dialer, a CRM, an ESP sync, a print vendor) says it applied given
 * (channel, address, version)s. Each delivery keeps its first ack and each integration's first
 * ack, so retrying an ack changes nothing.
 *
 * Acking version N also acks every older version of that address for that integration: versions
 * are whole states, not increments, and consumers drop anything older than what they hold, so an
 * integration holding N will never apply (or ack) N-1 on its own; it has applied what N-1 asked for
 * or something newer that replaced it. Those older acks record `version: N`, so the trail shows
 * they were covered by a later one.
 */

export const MAX_ACKS_PER_REQUEST = 1000;

export const ackRequestSchema = z
  .object({
    /** Who applied them: the name the integration is known by (`dialer-east`, `esp-sync`). */
    integration: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash and underscore'),
    applied: z
      .array(
        z.object({
          channel: z.enum(channels),
          address: z.string().min(1).max(1024),
          version: z.number().int().positive(),
        }),
      )
      .min(1)
      .max(MAX_ACKS_PER_REQUEST),
  })
  .strict();
export type AckRequest = z.infer<typeof ackRequestSchema>;

export interface AckTarget {
  channel: Channel;
  address: string;
  version: number;
  /** A connector's permanent vendor refusal of this version, recorded instead of an application. */
  refused?: string;
}

export type AckStatus = 'acked' | 'already-acked' | 'not-enqueued-yet' | 'unknown';

export interface AckResult extends AckTarget {
  status: AckStatus;
  /** The first ack of this delivery by anyone (the channel's applied time when one ack suffices). */
  ackedAt?: string;
  /** This integration's first ack of it. */
  integrationAckedAt?: string;
  /** Older versions of the address this ack also covered for this integration. */
  alsoAcked?: number[];
  /** Why a version is unknown or cannot be acked yet. */
  reason?: string;
}

/**
 * The items of a request with their addresses normalized as the suppressions table keys them.
 * Any address that cannot be read makes the whole request a 400 before anything is written.
 */
export function normalizeAcks(request: AckRequest, region: CountryCode): AckTarget[] {
  const invalid: { index: number; message: string }[] = [];
  const targets = request.applied.map((item, index) => {
    try {
      return { channel: item.channel, address: normalizeChannelAddress(item.channel, item.address, region), version: item.version };
    } catch (error) {
      invalid.push({ index, message: error instanceof Error ? error.message : 'not a valid address' });
      return undefined;
    }
  });
  if (invalid.length) {
    throw new BadRequestError('Some addresses cannot be read; nothing was recorded.', {
      errors: invalid.map(({ index, message }) => ({ path: `applied.${index}.address`, message })),
    });
  }
  return targets as AckTarget[];
}

/**
 * The integrations that must ack a delivery of a channel before it counts as applied; the
 * delivery's `affects` (the purposes it changed) decides for integrations with a purpose filter.
 */
export type ExpectedIntegrations = (channel: Channel, delivery?: Pick<Delivery, 'affects'>) => string[];

/**
 * When a channel counts a delivery as applied: with no expected integrations, at its first ack;
 * otherwise once every expected integration acked it, at the last of their acks.
 */
export function appliedAt(delivery: Pick<Delivery, 'ackedAt' | 'acks'> | undefined, expected: readonly string[] = []): string | undefined {
  if (!delivery) return undefined;
  if (expected.length === 0) return delivery.ackedAt;
  // A refusal is an answer, not an application: it leaves the delivery unapplied (and reported).
  const times = expected.map((integration) => {
    const ack = delivery.acks?.[integration];
    return ack && !ack.refused ? ack.at : undefined;
  });
  if (times.some((time) => time === undefined)) return undefined;
  // ISO 8601 times in UTC sort as strings: the latest one is when the last expected integration applied it.
  return (times as string[]).toSorted().at(-1);
}

/** Where one integration stands with one delivery: what `trace` and GET /v1/people/{id} show per integration. */
export interface IntegrationState {
  integration: string;
  state: 'applied' | 'refused' | 'pending';
  /** When it applied (or refused) it. */
  at?: string;
  /** The version its ack named: newer than the delivery's when a later version covered it. */
  version?: number;
  /** The vendor's refusal. */
  reason?: string;
}

/** Every expected integration (pending until it answers) and every other that acked, by name. */
export function integrationStates(delivery: Pick<Delivery, 'acks'> | undefined, expected: readonly string[]): IntegrationState[] {
  const names = [...new Set([...expected, ...Object.keys(delivery?.acks ?? {})])].sort();
  return names.map((integration): IntegrationState => {
    const ack = delivery?.acks?.[integration];
    if (!ack) return { integration, state: 'pending' };
    return {
      integration,
      state: ack.refused ? 'refused' : 'applied',
      at: ack.at,
      version: ack.version,
      ...(ack.refused ? { reason: ack.refused } : {}),
    };
  });
}

/** Expected integrations that have not acked a delivery yet. */
export function missingAcks(delivery: Pick<Delivery, 'acks'> | undefined, expected: readonly string[]): string[] {
  return expected.filter((integration) => delivery?.acks?.[integration] === undefined);
}

const ACK_CONCURRENCY = 16;

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  });
  await Promise.all(workers);
  return results;
}

async function ackOne(ctx: StoreContext, integration: string, target: AckTarget, at: string, keyId: string | undefined): Promise<AckResult> {
  const ack = { at, version: target.version, ...(keyId ? { keyId } : {}), ...(target.refused ? { refused: target.refused } : {}) };
  const result = await recordAck(ctx, { ...target, integration, ack });
  if (result.outcome === 'missing') {
    const suppression = await getSuppression(ctx, target.channel, target.address);
    if (suppression && suppression.version >= target.version) {
      // A fast consumer can ack in the moment between SendMessage and fan-out recording the
      // delivery. The ack is not recorded here: fan-out reads the delivery item's existence as
      // "already on the queue", so creating it from an ack could stop a retried send.
      return { ...target, status: 'not-enqueued-yet', reason: 'Fan-out has not recorded this version as enqueued yet; send the ack again shortly.' };
    }
    return {
      ...target,
      status: 'unknown',
      reason: suppression ? `The latest version of this address is ${suppression.version}.` : 'No suppression exists for this address.',
    };
  }
  const older = await deliveriesOf(ctx, target.channel, target.address, target.version);
  const alsoAcked: number[] = [];
  for (const delivery of older) {
    if (delivery.acks?.[integration]) continue;
    const covered = await recordAck(ctx, { channel: target.channel, address: target.address, version: delivery.version, integration, ack });
    if (covered.outcome === 'acked') alsoAcked.push(delivery.version);
  }
  const delivery = result.delivery;
  return {
    ...target,
    status: result.outcome === 'already-acked' ? 'already-acked' : 'acked',
    ...(delivery?.ackedAt ? { ackedAt: delivery.ackedAt } : {}),
    ...(delivery?.acks?.[integration] ? { integrationAckedAt: delivery.acks[integration]!.at } : {}),
    ...(alsoAcked.length ? { alsoAcked } : {}),
  };
}

/**
 * Records an integration's acks, one result per item in the order given. An item repeated in a
 * request is recorded once and reported each time. Unknown versions, and versions fan-out has not
 * recorded as enqueued yet, are reported per item, not refused.
 */
export async function recordAcks(
  ctx: StoreContext,
  integration: string,
  targets: readonly AckTarget[],
  now: () => Date = () => new Date(),
  /** The API key that sent the acks, recorded on each integration ack. */
  keyId?: string,
): Promise<AckResult[]> {
  const at = now().toISOString();
  const keyOf = (target: AckTarget) => `${target.channel}#${target.address}#${target.version}`;
  const unique = [...new Map(targets.map((target) => [keyOf(target), target])).values()];
  // Oldest first per address, so each version named in the request is acked as itself.
  unique.sort((a, b) => a.version - b.version);
  const byAddress = new Map<string, AckTarget[]>();
  for (const target of unique) {
    const address = `${target.channel}#${target.address}`;
    byAddress.set(address, [...(byAddress.get(address) ?? []), target]);
  }
  const results = new Map<string, AckResult>();
  await mapLimited([...byAddress.values()], ACK_CONCURRENCY, async (group) => {
    for (const target of group) results.set(keyOf(target), await ackOne(ctx, integration, target, at, keyId));
  });
  return targets.map((target) => results.get(keyOf(target))!);
}

export function summarize(results: readonly AckResult[]): Record<AckStatus, number> {
  const counts: Record<AckStatus, number> = { acked: 0, 'already-acked': 0, 'not-enqueued-yet': 0, unknown: 0 };
  for (const result of results) counts[result.status]++;
  return counts;
}

/** Where the current version of one of a person's suppressions stands with every integration of its channel. */
export interface SuppressionDistribution {
  channel: Channel;
  address: string;
  version: number;
  enqueuedAt?: string;
  appliedAt?: string;
  integrations: IntegrationState[];
}

/**
 * For each (channel, address) given, its current version and, per integration, whether that
 * version is applied: the agent's "future contact is blocked" beside the receipt's "logged".
 */
export async function distributionOf(
  ctx: StoreContext,
  addresses: readonly { channel: Channel; address: string }[],
  expected: ExpectedIntegrations,
): Promise<SuppressionDistribution[]> {
  const current = [...(await readSuppressions(ctx, addresses)).values()];
  const deliveries = await getDeliveries(ctx, current);
  return current.map((item) => {
    const delivery = deliveries.get(deliveryId(item));
    const wanted = expected(item.channel, delivery);
    const applied = appliedAt(delivery, wanted);
    return {
      channel: item.channel,
      address: item.address,
      version: item.version,
      ...(delivery?.enqueuedAt ? { enqueuedAt: delivery.enqueuedAt } : {}),
      ...(applied ? { appliedAt: applied } : {}),
      integrations: integrationStates(delivery, wanted),
    };
  });
}
