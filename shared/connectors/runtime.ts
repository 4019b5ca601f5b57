import { z } from 'zod';
import { channels } from '../core/channels.js';
import { recordAcks, type AckTarget } from '../audit/acks.js';
import type { SuppressionMessage } from '../distribution/fanout.js';
import type { StoreContext } from '../store/clients.js';
import { appliedVersions, markApplied } from '../store/applied.js';
import { RetryLater, type ChangeOutcome, type Connector } from './connector.js';

/**
 * The connector runtime: what every integration's function does with a batch from its queue,
 * whatever the vendor.
 *
 * 1. Per (channel, address) only the highest version in the batch is applied; older ones are
 *    covered by it (an ack of N acks every older version, audit/acks.ts).
 * 2. A version at or below the one this integration already applied is a duplicate: done.
 * 3. The rest go to the vendor in chunks of its batch limit, no faster than its rate limit.
 *    A "not now" with a short Retry-After is waited out in place; a longer one, or any other
 *    failure, sends the message back to the queue after that delay (or an exponential back-off),
 *    reported as a partial batch failure. After the queue's maxReceiveCount it is parked on the
 *    integration's DLQ, for `optout-hub replay-dlq --integration NAME`.
 * 4. Applied and refused changes are acked for the integration (a refusal is recorded as such,
 *    and never retried); only then is the applied version raised. A crash in between therefore
 *    re-applies (vendors' suppressions are idempotent) and never skips.
 */

export interface QueueRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** How many times the queue has handed this message out, this time included. */
  receiveCount: number;
}

export interface RuntimePorts {
  store: StoreContext;
  /** Makes a message that failed visible again after `seconds` (ChangeMessageVisibility). */
  retryAfter(record: QueueRecord, seconds: number): Promise<void>;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

export interface RuntimeLimits {
  batchSize: number;
  requestsPerSecond: number;
  /** A Retry-After up to this long is waited out in the function rather than by the queue. */
  maxInlineWaitMs?: number;
}

export interface BatchResult {
  /** Queue message ids to report as batch item failures. */
  failed: string[];
  applied: number;
  refused: number;
  duplicates: number;
  retried: number;
  poison: number;
}

const messageSchema = z
  .object({
    messageId: z.string().min(1),
    channel: z.enum(channels),
    address: z.string().min(1),
    version: z.number().int().positive(),
    status: z.enum(['suppressed', 'allowed']),
    purposes: z.record(z.string(), z.enum(['suppressed', 'allowed'])),
  })
  .passthrough();

/** Back-off when the vendor gave no Retry-After: 30 s doubling per receive, at most 2 hours (10 receives ≈ 4 hours). */
export function backoffSeconds(receiveCount: number): number {
  return Math.min(30 * 2 ** Math.max(0, receiveCount - 1), 7200);
}

/** SQS allows a visibility timeout up to 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;
/** Fan-out records the delivery just after publishing; a connector faster than that waits this long. */
const NOT_ENQUEUED_RETRY_SECONDS = 2;

function parse(record: QueueRecord): SuppressionMessage | undefined {
  try {
    const parsed = messageSchema.safeParse(JSON.parse(record.body));
    return parsed.success ? (parsed.data as unknown as SuppressionMessage) : undefined;
  } catch {
    return undefined;
  }
}

export async function applyBatch(
  integration: { name: string; channels: readonly string[] },
  connector: Connector,
  records: readonly QueueRecord[],
  ports: RuntimePorts,
  limits: RuntimeLimits,
): Promise<BatchResult> {
  const now = ports.now ?? (() => new Date());
  const sleep = ports.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const result: BatchResult = { failed: [], applied: 0, refused: 0, duplicates: 0, retried: 0, poison: 0 };
  const fail = async (record: QueueRecord, seconds: number) => {
    result.failed.push(record.messageId);
    await ports.retryAfter(record, Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(seconds)))).catch(() => undefined);
  };

  // The highest version per address; every record naming that address rides on it.
  const latest = new Map<string, { message: SuppressionMessage; records: QueueRecord[] }>();
  for (const record of records) {
    const message = parse(record);
    if (!message || !integration.channels.includes(message.channel)) {
      // Not a change this integration can apply: back to the queue at once, so it reaches the DLQ quickly.
      result.poison++;
      await fail(record, 0);
      continue;
    }
    const key = `${message.channel}#${message.address}`;
    const entry = latest.get(key);
    if (!entry) latest.set(key, { message, records: [record] });
    else {
      entry.records.push(record);
      if (message.version > entry.message.version) entry.message = message;
    }
  }

  const applied = await appliedVersions(
    ports.store,
    integration.name,
    [...latest.values()].map(({ message }) => message),
  );
  const fresh = [...latest.entries()].filter(([key, { message, records: held }]) => {
    const done = (applied.get(key) ?? 0) >= message.version;
    if (done) result.duplicates += held.length;
    return !done;
  });

  let nextCallAt = 0;
  const interval = 1000 / limits.requestsPerSecond;
  const maxInlineWaitMs = limits.maxInlineWaitMs ?? 5000;
  for (let start = 0; start < fresh.length; start += limits.batchSize) {
    const chunk = fresh.slice(start, start + limits.batchSize);
    const messages = chunk.map(([, { message }]) => message);
    let outcomes: ChangeOutcome[] | undefined;
    for (let attempt = 0; !outcomes; attempt++) {
      const wait = nextCallAt - now().getTime();
      if (wait > 0) await sleep(wait);
      nextCallAt = now().getTime() + interval;
      try {
        outcomes = await connector.apply(messages);
        if (outcomes.length !== messages.length) throw new Error(`The connector answered ${outcomes.length} outcomes for ${messages.length} changes.`);
      } catch (error) {
        const afterMs = error instanceof RetryLater ? error.afterMs : undefined;
        if (afterMs !== undefined && afterMs <= maxInlineWaitMs && attempt < 2) {
          nextCallAt = now().getTime() + afterMs;
          continue;
        }
        const reason = error instanceof Error ? error.message : String(error);
        outcomes = messages.map(() => ({ outcome: 'retry', reason, ...(afterMs !== undefined ? { afterMs } : {}) }));
      }
    }

    const answered: AckTarget[] = [];
    chunk.forEach(([, entry], index) => {
      const outcome = outcomes[index]!;
      if (outcome.outcome === 'retry') return;
      answered.push({
        channel: entry.message.channel,
        address: entry.message.address,
        version: entry.message.version,
        ...(outcome.outcome === 'refused' ? { refused: outcome.reason } : {}),
      });
    });
    const acks = answered.length ? await recordAcks(ports.store, integration.name, answered, now) : [];
    const ackOf = new Map(acks.map((ack) => [`${ack.channel}#${ack.address}`, ack]));

    for (const [index, [key, entry]] of chunk.entries()) {
      const outcome = outcomes[index]!;
      if (outcome.outcome === 'retry') {
        result.retried += entry.records.length;
        for (const record of entry.records) {
          await fail(record, outcome.afterMs !== undefined ? outcome.afterMs / 1000 : backoffSeconds(record.receiveCount));
        }
        continue;
      }
      if (ackOf.get(key)?.status === 'not-enqueued-yet') {
        // Applied at the vendor, but fan-out has not recorded the delivery the ack belongs to yet.
        for (const record of entry.records) await fail(record, NOT_ENQUEUED_RETRY_SECONDS);
        continue;
      }
      await markApplied(
        ports.store,
        integration.name,
        { channel: entry.message.channel, address: entry.message.address, version: entry.message.version, outcome: outcome.outcome },
        now(),
      );
      if (outcome.outcome === 'applied') result.applied += entry.records.length;
      else result.refused += entry.records.length;
    }
  }
  return result;
}
