import { statusFor } from '../core/preferences.js';
import type { SuppressionMessage } from '../distribution/fanout.js';
import { RetryLater, retryAfterMs, type ChangeOutcome } from './connector.js';

/**
 * What the email and messaging platforms' connectors share: each change becomes operations on
 * vendor targets (a global unsubscribe list, one suppression group, one subscription group), the
 * operations of a chunk are grouped per target into as few vendor calls as the vendor's batch
 * limit allows, and each change's outcome is read back from the calls that carried it.
 */

/** One address set to one state on one vendor target. */
export interface Operation {
  /** Which change of the chunk it comes from. */
  index: number;
  address: string;
  /** The vendor call it belongs to: operations with equal targets share calls. */
  target: string;
}

/** How a vendor answered one call. */
export type CallAnswer = { outcome: 'done' } | { outcome: 'refused'; reason: string };

export interface OperationTarget {
  key: string;
  /** Addresses one call may carry (1 for an endpoint that takes one address in its path). */
  perCall: number;
}

/**
 * Runs the operations in calls of at most `perCall` addresses per target, in the order targets
 * first appear. A call the vendor refuses as a whole (one unacceptable address refuses the lot) is
 * made again one address at a time, so only the addresses the vendor cannot take are refused.
 * A "not now" (RetryLater, or any other throw) from `call` propagates: the runtime retries the
 * whole chunk, which is safe because every target here is set to a state, not incremented.
 */
export async function runOperations(
  count: number,
  operations: readonly Operation[],
  perCall: (target: string) => number,
  call: (target: string, addresses: string[]) => Promise<CallAnswer>,
  pace: () => Promise<void> = async () => undefined,
): Promise<ChangeOutcome[]> {
  const refusals = new Map<number, string>();
  const byTarget = new Map<string, Operation[]>();
  for (const operation of operations) {
    const list = byTarget.get(operation.target);
    if (list) list.push(operation);
    else byTarget.set(operation.target, [operation]);
  }
  for (const [target, list] of byTarget) {
    const size = Math.max(1, perCall(target));
    for (let start = 0; start < list.length; start += size) {
      const group = list.slice(start, start + size);
      await pace();
      const answer = await call(
        target,
        group.map((operation) => operation.address),
      );
      if (answer.outcome === 'done') continue;
      if (group.length === 1) {
        if (!refusals.has(group[0]!.index)) refusals.set(group[0]!.index, answer.reason);
        continue;
      }
      for (const operation of group) {
        await pace();
        const alone = await call(target, [operation.address]);
        if (alone.outcome === 'refused' && !refusals.has(operation.index)) refusals.set(operation.index, alone.reason);
      }
    }
  }
  return Array.from({ length: count }, (_, index): ChangeOutcome => {
    const reason = refusals.get(index);
    return reason === undefined ? { outcome: 'applied' } : { outcome: 'refused', reason };
  });
}

/**
 * Whether a change asks to lift a vendor state set for `purpose`. Version 1 of an address is always
 * a suppression of some purpose (an address nobody ever suppressed has no item at all), so in it an
 * allowed purpose was never suppressed by optout-hub: nothing to lift, and a vendor-side
 * suppression optout-hub has not heard of yet is left alone.
 */
export function liftsPurpose(message: Pick<SuppressionMessage, 'version' | 'status' | 'purposes'>, purpose: string): boolean {
  return message.version > 1 && statusFor(message, purpose) === 'allowed';
}

/** Whether a change suppresses `purpose` (`all` standing for every purpose it does not name). */
export function suppressesPurpose(message: Pick<SuppressionMessage, 'status' | 'purposes'>, purpose: string): boolean {
  return statusFor(message, purpose) === 'suppressed';
}

/** Milliseconds until a rate-limit window resets, from an X-RateLimit-Reset in UTC epoch seconds. */
export function resetAfterMs(header: string | null | undefined, now: Date = new Date()): number | undefined {
  if (!header || !/^\d+$/.test(header.trim())) return undefined;
  return Math.max(0, Number(header.trim()) * 1000 - now.getTime());
}

/**
 * Spaces vendor calls at most `perSecond` apart. The runtime paces batches; a batch here can make
 * several calls (one per target), so each connector also paces its calls against the vendor's limit.
 */
export function pacer(perSecond: number, sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms))) {
  const interval = 1000 / perSecond;
  let next = 0;
  return async () => {
    const now = Date.now();
    const at = Math.max(now, next);
    next = at + interval;
    if (at > now) await sleep(at - now);
  };
}

/**
 * A vendor call as vendorFetch makes it (429, 408, 5xx, timeouts and network failures become
 * RetryLater), for vendors whose 429 names the end of the rate-limit window in X-RateLimit-Reset
 * (UTC epoch seconds) instead of, or as well as, Retry-After.
 */
export async function rateLimitedFetch(fetcher: typeof fetch, url: string, init: RequestInit & { timeoutMs?: number }): Promise<Response> {
  const { timeoutMs = 10_000, ...request } = init;
  let response: Response;
  try {
    response = await fetcher(url, { ...request, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new RetryLater(`The vendor did not answer (${error instanceof Error ? error.name : 'error'}).`);
  }
  if (response.status === 429 || response.status === 408 || response.status >= 500) {
    await response.arrayBuffer().catch(() => undefined);
    const afterMs =
      retryAfterMs(response.headers.get('retry-after')) ??
      retryAfterMs(response.headers.get('x-ratelimit-retry-after')) ??
      (response.status === 429 ? resetAfterMs(response.headers.get('x-ratelimit-reset')) : undefined);
    throw new RetryLater(`The vendor answered ${response.status}.`, afterMs);
  }
  return response;
}
