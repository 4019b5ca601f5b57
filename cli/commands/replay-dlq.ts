import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DeleteMessageCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import cliProgress from 'cli-progress';
import { UsageError, parseOptions, type Command } from '../command.js';
import { assertStoreAnswers, useLocalSystemUnlessConfigured } from '../environment.js';
import { assertSuppression, distribute, suppressionMessage, type FanoutPorts, type SuppressionMessage } from '../../shared/distribution/fanout.js';
import { channelQueues, dlqName, fanoutFailureQueue } from '../../shared/platform/resources.js';
import { channels, isChannel, type Channel } from '../../shared/core/channels.js';
import type { StoreContext } from '../../shared/store/clients.js';
import { keysOfStreamFailure } from '../../shared/store/stream-records.js';
import { readSuppressionByKey } from '../../shared/store/suppressions.js';

/**
 * `optout-hub replay-dlq`: puts dead-lettered suppression changes back through. Whatever a dead
 * letter says, what is re-published is the CURRENT item of each affected (channel, address), read
 * from the suppressions table: a later version supersedes the lost one, and its message id is
 * stable, so a consumer that already has it sees only a duplicate. A dead letter is deleted only
 * after every change it names is back on its channel queue.
 *
 * Two kinds of dead letters:
 * - fan-out failures (the stream's on-failure destination): Lambda sends only the location
 *   (shard, first and last sequence number); the keys are read back from the stream (24 h
 *   retention). The local runtime also puts the keys in the message, which is used when present.
 * - channel DLQs: messages a consumer could not process `maxReceiveCount` times; each names its
 *   (channel, address).
 */

export interface DeadLetterQueue {
  kind: 'fanout-failures' | 'channel';
  name: string;
  url: string;
}

export interface ReplayOptions {
  sqs: SQSClient;
  streams: DynamoDBStreamsClient;
  store: StoreContext;
  ports: FanoutPorts;
  queues: DeadLetterQueue[];
  /** Called after each dead letter: replayed (deleted) or kept, with why. */
  onLetter?: (outcome: LetterOutcome) => void;
  /** How long a received dead letter stays invisible to others while it is replayed. */
  visibilityTimeoutSeconds?: number;
}

export interface LetterOutcome {
  queue: string;
  messageId: string;
  replayed: boolean;
  /** Messages re-published for this letter. */
  published: number;
  error?: string;
}

export interface ReplaySummary {
  letters: number;
  replayed: number;
  kept: number;
  published: number;
  errors: string[];
}

async function republish(store: StoreContext, ports: FanoutPorts, pk: string, fallback?: SuppressionMessage): Promise<number> {
  const current = await readSuppressionByKey(store, pk);
  if (current) {
    await distribute(suppressionMessage(assertSuppression(current)), ports);
    return 1;
  }
  // Suppression items are never deleted; if one is gone, the dead-lettered message is all there is.
  if (fallback) {
    await distribute(fallback, ports);
    return 1;
  }
  return 0;
}

async function replayLetter(options: ReplayOptions, queue: DeadLetterQueue, message: Message): Promise<number> {
  const body = JSON.parse(message.Body ?? '') as Record<string, unknown>;
  if (queue.kind === 'channel') {
    const dead = body as unknown as SuppressionMessage;
    if (!isChannel(String(dead.channel)) || typeof dead.address !== 'string') throw new Error('The dead letter is not a suppression message.');
    return republish(options.store, options.ports, `${dead.channel}#${dead.address}`, dead);
  }
  let published = 0;
  for (const pk of await keysOfStreamFailure(options.streams, body)) published += await republish(options.store, options.ports, pk);
  return published;
}

/** Drains each dead-letter queue once; a letter that cannot be replayed stays for the next run. */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplaySummary> {
  const summary: ReplaySummary = { letters: 0, replayed: 0, kept: 0, published: 0, errors: [] };
  for (const queue of options.queues) {
    const seen = new Set<string>();
    for (let empty = 0; empty < 2; ) {
      const { Messages = [] } = await options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: options.visibilityTimeoutSeconds ?? 120,
        }),
      );
      const fresh = Messages.filter((message) => !seen.has(message.MessageId!));
      if (fresh.length === 0) {
        empty++;
        continue;
      }
      empty = 0;
      for (const message of fresh) {
        seen.add(message.MessageId!);
        summary.letters++;
        const outcome: LetterOutcome = { queue: queue.name, messageId: message.MessageId!, replayed: false, published: 0 };
        try {
          outcome.published = await replayLetter(options, queue, message);
          await options.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }));
          outcome.replayed = true;
          summary.replayed++;
          summary.published += outcome.published;
        } catch (error) {
          outcome.error = error instanceof Error ? error.message : String(error);
          summary.kept++;
          summary.errors.push(`${queue.name} ${message.MessageId}: ${outcome.error}`);
        }
        options.onLetter?.(outcome);
      }
    }
  }
  return summary;
}

async function approximateCount(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
}

/** A queue's URL from its environment variable, or (locally) from its declared name. */
async function queueUrlOf(sqs: SQSClient, env: string, name: string): Promise<string> {
  const { queueUrlFrom } = await import('../../shared/platform/config.js');
  const configured = queueUrlFrom(env);
  if (configured) return configured;
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    return QueueUrl!;
  } catch (error) {
    throw new Error(`Queue ${name} not found (set ${env}): ${error instanceof Error ? error.message : String(error)}`);
  }
}

export const channelDlqEnv = (channel: Channel) => channelQueues[channel].dlqEnv;

const usage = `usage: optout-hub replay-dlq [--only fanout|CHANNEL[,…]]

Re-publishes every dead-lettered suppression change: the fan-out failure queue (records the
stream could not deliver) and each channel's DLQ (messages a consumer could not process). For each
affected (channel, address) the CURRENT item is read from the suppressions table and put on the
channel queue (with its DELIVERY# record); the dead letter is deleted only after that succeeded.
A letter that cannot be replayed stays, and the command exits 1.

  --only   replay only these queues: fanout and/or channel names (default: all)

Queues: FANOUT_FAILURE_QUEUE_URL, SUPPRESSIONS_<CHANNEL>_QUEUE_URL and SUPPRESSIONS_<CHANNEL>_DLQ_URL
when set (on AWS), otherwise the local system's queues by name. The stream is read (for fan-out
failures that carry only a location) through the endpoint AWS_ENDPOINT_URL_DYNAMODB names.`;

export const replayDlq: Command = {
  summary: 'put dead-lettered suppression changes back onto the channel queues',
  usage,
  async run(args) {
    const parsed = parseOptions({ args, options: { only: { type: 'string' } } });
    const only = parsed.values.only
      ?.split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    for (const name of only ?? []) if (name !== 'fanout' && !isChannel(name)) throw new UsageError(`--only: unknown queue "${name}".`);

    await assertStoreAnswers(useLocalSystemUnlessConfigured(), 'suppressions');
    const [{ SQSClient }, { streamsClient }, clients, config, fanout] = await Promise.all([
      import('@aws-sdk/client-sqs'),
      import('../../shared/store/stream-records.js'),
      import('../../shared/store/clients.js'),
      import('../../shared/platform/config.js'),
      import('../../shared/distribution/fanout.js'),
    ]);
    const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    const streams = streamsClient();
    const store = clients.storeFromEnvironment();
    try {
      const queueUrls = new Map<Channel, string>();
      for (const channel of channels) queueUrls.set(channel, await queueUrlOf(sqs, channelQueues[channel].env, channelQueues[channel].name));
      const queues: DeadLetterQueue[] = [];
      if (!only || only.includes('fanout')) {
        queues.push({ kind: 'fanout-failures', name: fanoutFailureQueue.name, url: await queueUrlOf(sqs, fanoutFailureQueue.env, fanoutFailureQueue.name) });
      }
      for (const channel of channels) {
        if (only && !only.includes(channel)) continue;
        const name = dlqName(channelQueues[channel].name);
        queues.push({ kind: 'channel', name, url: await queueUrlOf(sqs, channelDlqEnv(channel), name) });
      }
      let total = 0;
      for (const queue of queues) total += await approximateCount(sqs, queue.url);
      console.log(`${total} dead letter(s) in ${queues.map((queue) => queue.name).join(', ')}`);
      const bar = new cliProgress.SingleBar(
        { format: 'replay [{bar}] {value}/{total} letters | {published} re-published | {kept} kept' },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(total, 1), 0, { published: 0, kept: 0 });
      let done = 0;
      let published = 0;
      let kept = 0;
      const summary = await replayDeadLetters({
        sqs,
        streams,
        store,
        queues,
        ports: fanout.channelQueuePorts({ sqs, store, queueUrl: (channel) => queueUrls.get(channel) ?? config.queueUrl(channel) }),
        onLetter: (outcome) => {
          done++;
          published += outcome.published;
          if (!outcome.replayed) kept++;
          if (done > total) bar.setTotal(done);
          bar.update(done, { published, kept });
        },
      });
      bar.stop();
      console.log(`${summary.letters} dead letter(s): ${summary.replayed} replayed (${summary.published} message(s) re-published), ${summary.kept} kept`);
      for (const error of summary.errors) console.log(`  kept ${error}`);
      return summary.kept > 0 ? 1 : 0;
    } finally {
      sqs.destroy();
      streams.destroy();
    }
  },
};
