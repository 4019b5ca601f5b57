import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { AckAnswer, OptoutHubClient } from './index.js';
import type { SuppressionMessageBody } from '../shared/api/schemas.js';

/**
 * An example consumer of a suppression queue, for an integration (a dialer, an ESP sync, a print
 * vendor) to copy: receive, apply by version, ack through POST /v1/acks, and only then delete.
 *
 * - Apply by version: each message carries the whole state of one (channel, address) and a
 *   version. Keep the highest version applied per address; a message with a lower version is
 *   older than what is held (queues do not keep order) and one with the same version is a
 *   duplicate (delivery is at least once): both are dropped, never applied.
 * - Ack: the version now held for each address, which also acks the older ones it replaced.
 * - Delete a message only once its address is applied and acked. A failed apply or ack leaves
 *   it on the queue; it comes back after the visibility timeout, and applying it again is a
 *   duplicate (by version) that is acked again. A message that cannot be read is never deleted,
 *   so it ends on the queue's dead-letter queue after the queue's receive count.
 *
 * It takes the URL of the queue to read, so it works on whichever queue an integration is given.
 */

export type SuppressionMessage = SuppressionMessageBody;

/** The version of each (channel, address) an integration holds. Keep it with what it applies. */
export interface AppliedVersions {
  get(key: string): Promise<number | undefined>;
  set(key: string, version: number): Promise<void>;
}

/** Versions kept in memory: for a test or a demo; a real integration keeps them with its data. */
export function memoryVersions(): AppliedVersions & { entries: Map<string, number> } {
  const entries = new Map<string, number>();
  return {
    entries,
    get: async (key) => entries.get(key),
    set: async (key, version) => void entries.set(key, version),
  };
}

export const addressKey = (message: Pick<SuppressionMessage, 'channel' | 'address'>) => `${message.channel}#${message.address}`;

export type Decision = 'apply' | 'duplicate' | 'stale';

/** Apply only what is newer than what is held. */
export function decide(held: number | undefined, version: number): Decision {
  if (held === undefined || version > held) return 'apply';
  return version === held ? 'duplicate' : 'stale';
}

/** A queue message body, if it is a suppression change this consumer understands. */
export function readSuppressionMessage(body: string | undefined): SuppressionMessage | undefined {
  let parsed: Partial<SuppressionMessage>;
  try {
    parsed = JSON.parse(body ?? '') as Partial<SuppressionMessage>;
  } catch {
    return undefined;
  }
  const readable =
    parsed.type === 'suppression.changed' &&
    parsed.schemaVersion === 1 &&
    typeof parsed.channel === 'string' &&
    typeof parsed.address === 'string' &&
    Number.isInteger(parsed.version) &&
    (parsed.status === 'suppressed' || parsed.status === 'allowed');
  return readable ? (parsed as SuppressionMessage) : undefined;
}

export interface ConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  client: OptoutHubClient;
  /** The name this integration acks as (`dialer-east`, `esp-sync`). */
  integration: string;
  /** Puts one change into the integration's own system (a do-not-call list, an ESP suppression list). */
  apply(message: SuppressionMessage): Promise<void>;
  versions: AppliedVersions;
  /** Messages per receive, 1 to 10 (default 10). */
  maxMessages?: number;
  /** Long polling, 0 to 20 seconds (default 20). */
  waitTimeSeconds?: number;
}

export interface BatchReport {
  received: number;
  applied: SuppressionMessage[];
  /** Older than, or the same version as, what is held: not applied. */
  dropped: { message: SuppressionMessage; reason: Exclude<Decision, 'apply'> }[];
  /** Not a suppression change this consumer reads: left for the dead-letter queue. */
  unreadable: number;
  /** Addresses whose apply failed, with why: their messages stay on the queue. */
  failed: { key: string; error: unknown }[];
  /** The answer of POST /v1/acks, when acks were sent and answered. */
  acks?: AckAnswer;
  deleted: number;
  /** Left on the queue, to come back after the visibility timeout. */
  kept: number;
}

/** One receive: apply by version, ack, delete what is done. */
export async function consumeBatch(options: ConsumerOptions): Promise<BatchReport> {
  const { Messages = [] } = await options.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: options.queueUrl, MaxNumberOfMessages: options.maxMessages ?? 10, WaitTimeSeconds: options.waitTimeSeconds ?? 20 }),
  );
  const report: BatchReport = { received: Messages.length, applied: [], dropped: [], unreadable: 0, failed: [], deleted: 0, kept: 0 };
  const byAddress = new Map<string, { message: SuppressionMessage; raw: Message }[]>();
  for (const raw of Messages) {
    const message = readSuppressionMessage(raw.Body);
    if (!message) {
      report.unreadable++;
      continue;
    }
    byAddress.set(addressKey(message), [...(byAddress.get(addressKey(message)) ?? []), { message, raw }]);
  }

  // Newest first per address: only the newest can be applied; the rest of the batch is dropped.
  const done: string[] = [];
  for (const [key, received] of byAddress) {
    received.sort((a, b) => b.message.version - a.message.version);
    try {
      for (const { message } of received) {
        const decision = decide(await options.versions.get(key), message.version);
        if (decision !== 'apply') {
          report.dropped.push({ message, reason: decision });
          continue;
        }
        await options.apply(message);
        await options.versions.set(key, message.version);
        report.applied.push(message);
      }
      done.push(key);
    } catch (error) {
      report.failed.push({ key, error });
    }
  }

  // Ack what is held now for every address handled; acking a version acks the older ones too.
  const deletable = new Set<string>();
  const applied = [];
  for (const key of done) {
    const { channel, address } = byAddress.get(key)![0]!.message;
    applied.push({ channel, address, version: (await options.versions.get(key))! });
  }
  if (applied.length) {
    try {
      report.acks = await options.client.ack({ integration: options.integration, applied });
      for (const [i, result] of report.acks.results.entries()) {
        // Not enqueued yet: fan-out has not recorded the delivery; the message comes back and is acked then.
        if (result.status !== 'not-enqueued-yet') deletable.add(done[i]!);
      }
    } catch {
      // Nothing acked: every message comes back, is a duplicate by version, and is acked then.
    }
  }

  const toDelete = [...deletable].flatMap((key) => byAddress.get(key)!.map(({ raw }) => raw));
  for (let start = 0; start < toDelete.length; start += 10) {
    const chunk = toDelete.slice(start, start + 10);
    const result = await options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: chunk.map((raw, i) => ({ Id: String(i), ReceiptHandle: raw.ReceiptHandle })),
      }),
    );
    report.deleted += result.Successful?.length ?? 0;
  }
  report.kept = report.received - report.deleted;
  return report;
}

/** Receives until `signal` aborts, handing each batch's report to `onBatch`. */
export async function consumeQueue(options: ConsumerOptions & { signal: AbortSignal; onBatch?: (report: BatchReport) => void }): Promise<void> {
  while (!options.signal.aborted) {
    const report = await consumeBatch(options);
    options.onBatch?.(report);
  }
}
