import type { SuppressionMessage } from '../distribution/fanout.js';
import { RetryLater } from './connector.js';

/**
 * Helpers for connectors whose vendor keeps a list of suppressed addresses (a dialer's DNC list,
 * a CRM's opt-out flag): what the list should say about an address, and how to keep one bad
 * address from holding back the rest of a batch.
 */

/**
 * Whether the vendor should hold the address as suppressed. An integration that declares purposes
 * only serves those, so it suppresses when any of them is suppressed (a purpose not named in the
 * change falls under `all`); one without purposes follows the change's overall status, which is
 * suppressed when any purpose is.
 */
export function suppressedFor(message: Pick<SuppressionMessage, 'status' | 'purposes'>, purposes: readonly string[] | undefined): boolean {
  if (!purposes?.length) return message.status === 'suppressed';
  return purposes.some((purpose) => (message.purposes[purpose] ?? message.purposes.all ?? message.status) === 'suppressed');
}

/** What a vendor call said about a group of items sent together. */
export type GroupAnswer =
  | { ok: true }
  /** The vendor refused the group; `culprit` when it named the item at fault, `reason` for the record. */
  | { ok: false; reason: string; culprit?: string };

/**
 * Sends `items` in one call and, when the vendor refuses the call for an item it does not always
 * name, finds the refused items: a named culprit is taken out and the rest resent; otherwise the
 * group is halved until each refusal is pinned on one item. Returns the refusal reason per refused
 * item; every other item was accepted. RetryLater from `send` propagates (the whole chunk retries).
 *
 * A refusal is final, so a vendor that refuses everything (a misconfigured list or account, not bad
 * addresses) must not turn a whole batch into refusals: when several items have been refused and
 * none accepted, the batch fails instead, to be retried and, if nothing changes, parked on the DLQ.
 */
export async function sendIsolatingRefusals(items: readonly string[], send: (group: string[]) => Promise<GroupAnswer>): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  let accepted = 0;
  const pending: string[][] = items.length ? [[...items]] : [];
  // Each step either accepts a group, removes one item or halves a group: bounded by 3n calls.
  let budget = items.length * 3 + 1;
  while (pending.length) {
    const group = pending.pop()!;
    if (!group.length) continue;
    if (budget-- <= 0) throw new RetryLater('The vendor kept refusing batches without naming an address.');
    const answer = await send(group);
    if (answer.ok) {
      accepted += group.length;
      continue;
    }
    if (answer.culprit && group.includes(answer.culprit)) {
      refused.set(answer.culprit, answer.reason);
      pending.push(group.filter((item) => item !== answer.culprit));
    } else if (group.length === 1) {
      refused.set(group[0]!, answer.reason);
    } else {
      const half = Math.ceil(group.length / 2);
      pending.push(group.slice(half), group.slice(0, half));
    }
    if (items.length > 1 && accepted === 0 && refused.size >= Math.min(3, items.length)) {
      throw new Error(`The vendor refused every address it was sent (${answer.reason}); is the integration configured as its page says?`);
    }
  }
  return refused;
}
