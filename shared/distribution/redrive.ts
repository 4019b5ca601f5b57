import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GetTopicAttributesCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { channels, isChannel, type Channel } from '../core/channels.js';
import type { StoreContext } from '../store/clients.js';
import { keysOfStreamFailure } from '../store/stream-records.js';
import { readSuppressionByKey } from '../store/suppressions.js';
import { assertSuppression, channelTopicPorts, distribute, suppressionMessage, type FanoutPorts, type SuppressionMessage } from './fanout.js';

/**
 * Putting dead-lettered suppression changes back through: the core of `optout-hub replay-dlq` and
 * of the scheduled `redrive` function. Whatever a dead letter says, what is re-published is the
 * CURRENT item of each affected (channel, address), read from the suppressions table: a later
 * version supersedes the lost one, and its message id is stable, so a consumer that already has
 * it sees only a duplicate. A dead letter is deleted only after every change it names is back on
 * its channel queue.
 *
 * Two kinds of dead letters:
 * - fan-out failures (the stream's on-failure destination): Lambda sends only the location
 *   (shard, first and last sequence number); the keys are read back from the stream (24 h
 *   retention). The local runtime also puts the keys in the message, which is used when present.
 * - channel DLQs: messages a consumer could not process `maxReceiveCount` times; each names its
 *   (channel, address).
 */

export interface DeadLetterQueue {
  /** `channel` and `integration` letters are messages a subscriber lost: each names its (channel, address). */
  kind: 'fanout-failures' | 'channel' | 'integration';
  name: string;
  url: string;
  /** Where this queue's letters go back to (the subscriber that lost them); the run's ports when absent. */
  ports?: FanoutPorts;
}

export interface ReplayOptions {
  sqs: SQSClient;
  streams: DynamoDBStreamsClient;
  store: StoreContext;
  ports: FanoutPorts;
  queues: DeadLetterQueue[];
  /**
   * Channels whose queue does not answer: a letter naming one of them is kept untouched (nothing
   * of it is sent), since sending would fail part-way and only produce duplicates of the rest.
   */
  unavailable?: ReadonlySet<Channel>;
  /** Called after each dead letter: replayed (deleted) or kept, with why. */
  onLetter?: (outcome: LetterOutcome) => void;
  /** How long a received dead letter stays invisible to others while it is replayed. */
  visibilityTimeoutSeconds?: number;
  /** Asked before each receive: true stops the run (a function nearing its timeout); the rest waits for the next run. */
  shouldStop?: () => boolean;
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

/** The channel of a suppressions-table key (`channel#address`). */
const channelOfKey = (pk: string) => pk.slice(0, pk.indexOf('#'));

function assertAvailable(options: ReplayOptions, channelsNamed: Iterable<string>): void {
  const silent = [...new Set(channelsNamed)].filter((channel) => options.unavailable?.has(channel as Channel));
  if (silent.length) throw new Error(`The ${silent.join(', ')} topic or queue does not answer; the letter waits for the next run.`);
}

async function republish(store: StoreContext, ports: FanoutPorts, pk: string, fallback?: SuppressionMessage): Promise<number> {
  const current = await readSuppressionByKey(store, pk);
  if (current) {
    await distribute({ message: suppressionMessage(assertSuppression(current)) }, ports);
    return 1;
  }
  // Suppression items are never deleted; if one is gone, the dead-lettered message is all there is.
  if (fallback) {
    await distribute({ message: fallback }, ports);
    return 1;
  }
  return 0;
}

async function replayLetter(options: ReplayOptions, queue: DeadLetterQueue, message: Message): Promise<number> {
  const body = JSON.parse(message.Body ?? '') as Record<string, unknown>;
  const ports = queue.ports ?? options.ports;
  if (queue.kind !== 'fanout-failures') {
    const dead = body as unknown as SuppressionMessage;
    if (!isChannel(String(dead.channel)) || typeof dead.address !== 'string') throw new Error('The dead letter is not a suppression message.');
    assertAvailable(options, [dead.channel]);
    return republish(options.store, ports, `${dead.channel}#${dead.address}`, dead);
  }
  const keys = await keysOfStreamFailure(options.streams, body);
  assertAvailable(options, keys.map(channelOfKey));
  let published = 0;
  for (const pk of keys) published += await republish(options.store, ports, pk);
  return published;
}

/** Drains each dead-letter queue once; a letter that cannot be replayed stays for the next run. */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplaySummary> {
  const summary: ReplaySummary = { letters: 0, replayed: 0, kept: 0, published: 0, errors: [] };
  for (const queue of options.queues) {
    const seen = new Set<string>();
    for (let empty = 0; empty < 2 && !options.shouldStop?.(); ) {
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

/** The channels whose queue does not answer GetQueueAttributes (deleted, unreachable, not permitted), with why. */
export async function silentChannelQueues(sqs: SQSClient, queueUrl: (channel: Channel) => string): Promise<Map<Channel, string>> {
  return silentChannels(async (channel) => {
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl(channel), AttributeNames: ['QueueArn'] }));
  });
}

/** The channels whose topic does not answer GetTopicAttributes, with why. */
export async function silentChannelTopics(sns: SNSClient, topicArn: (channel: Channel) => string): Promise<Map<Channel, string>> {
  return silentChannels(async (channel) => {
    await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn(channel) }));
  });
}

async function silentChannels(probe: (channel: Channel) => Promise<void>): Promise<Map<Channel, string>> {
  const silent = new Map<Channel, string>();
  await Promise.all(
    channels.map(async (channel) => {
      try {
        await probe(channel);
      } catch (error) {
        silent.set(channel, error instanceof Error ? error.message : String(error));
      }
    }),
  );
  return silent;
}

export interface RedriveOptions {
  sqs: SQSClient;
  sns: SNSClient;
  streams: DynamoDBStreamsClient;
  store: StoreContext;
  failureQueue: { name: string; url: string };
  topicArn: (channel: Channel) => string;
  /** The channel topics and delivery records; by default the real ones behind `topicArn`. */
  ports?: FanoutPorts;
  visibilityTimeoutSeconds?: number;
  shouldStop?: () => boolean;
}

export interface RedriveSummary extends ReplaySummary {
  /** Channels whose topic did not answer: their letters were left where they were. */
  silent: Channel[];
}

/**
 * One automatic redrive of the fan-out failure queue: changes parked while a channel topic was
 * unavailable go out once it answers again. Each channel topic is probed first, and a letter that
 * names a channel whose topic is still silent is left for the next run untouched.
 */
export async function redriveFanoutFailures(options: RedriveOptions): Promise<RedriveSummary> {
  const silent = await silentChannelTopics(options.sns, options.topicArn);
  const summary = await replayDeadLetters({
    sqs: options.sqs,
    streams: options.streams,
    store: options.store,
    ports: options.ports ?? channelTopicPorts({ sns: options.sns, store: options.store, topicArn: options.topicArn }),
    queues: [{ kind: 'fanout-failures', ...options.failureQueue }],
    unavailable: new Set(silent.keys()),
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    shouldStop: options.shouldStop,
  });
  return { ...summary, silent: [...silent.keys()] };
}
