import type { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import cliProgress from 'cli-progress';
import { UsageError, parseOptions, type Command } from '../command.js';
import { assertStoreAnswers, useLocalSystemUnlessConfigured } from '../environment.js';
import { replayDeadLetters, silentChannelQueues, type DeadLetterQueue } from '../../shared/distribution/redrive.js';
import { channelQueues, channelTopics, dlqName, fanoutFailureQueue, integrationQueue } from '../../shared/platform/resources.js';
import { channels, isChannel, type Channel } from '../../shared/core/channels.js';

/**
 * `optout-hub replay-dlq`: puts dead-lettered suppression changes back through, with the core the
 * scheduled `redrive` function uses (shared/distribution/redrive.ts). The fan-out failure queue is
 * redriven automatically; the channel DLQs only by this command, once their consumer is fixed.
 */

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

/** A topic's ARN from its environment variable, or (locally) found by its declared name. */
async function topicArnOf(sns: SNSClient, env: string, name: string): Promise<string> {
  const { queueUrlFrom } = await import('../../shared/platform/config.js');
  const configured = queueUrlFrom(env);
  if (configured) return configured;
  const { ListTopicsCommand } = await import('@aws-sdk/client-sns');
  for (let token: string | undefined, first = true; first || token; first = false) {
    const page = await sns.send(new ListTopicsCommand({ NextToken: token }));
    const found = page.Topics?.find((topic) => topic.TopicArn?.endsWith(`:${name}`));
    if (found?.TopicArn) return found.TopicArn;
    token = page.NextToken;
  }
  throw new Error(`Topic ${name} not found (set ${env}).`);
}

export const channelDlqEnv = (channel: Channel) => channelQueues[channel].dlqEnv;

const usage = `usage: optout-hub replay-dlq [--only fanout|CHANNEL[,…]] [--integration NAME[,…]]

Re-publishes every dead-lettered suppression change: the fan-out failure queue (records the
stream could not deliver: published again to the channel topic, so every subscriber gets them)
and each channel's DLQ (messages a consumer could not process: put back on that channel queue).
For each affected (channel, address) the CURRENT item is read from the suppressions table and
sent (with its DELIVERY# record); the dead letter is deleted only after that succeeded. A letter
that cannot be replayed stays, and the command exits 1.

  --only          replay only these queues: fanout and/or channel names (default: all)
  --integration   replay only these integrations' DLQs, back onto each integration's own queue
                  (INTEGRATIONS names them); with --only, both are replayed

Queues: FANOUT_FAILURE_QUEUE_URL, SUPPRESSIONS_<CHANNEL>_QUEUE_URL, SUPPRESSIONS_<CHANNEL>_DLQ_URL,
SUPPRESSIONS_<CHANNEL>_TOPIC_ARN, INTEGRATION_<NAME>_QUEUE_URL and INTEGRATION_<NAME>_DLQ_URL
when set (on AWS: the stack's CliEnvironment output), otherwise the local system's by name. The stream is read (for fan-out
failures that carry only a location) through the endpoint AWS_ENDPOINT_URL_DYNAMODB names.`;

export const replayDlq: Command = {
  summary: 'put dead-lettered suppression changes back onto the channel queues',
  usage,
  async run(args) {
    const parsed = parseOptions({ args, options: { only: { type: 'string' }, integration: { type: 'string' } } });
    const list = (value: string | undefined) =>
      value
        ?.split(',')
        .map((name) => name.trim())
        .filter(Boolean);
    const integrationNames = list(parsed.values.integration);
    // --integration alone replays only those integrations; --only adds the queues it names.
    const only = list(parsed.values.only) ?? (integrationNames ? [] : undefined);
    for (const name of only ?? []) if (name !== 'fanout' && !isChannel(name)) throw new UsageError(`--only: unknown queue "${name}".`);
    if (integrationNames) {
      const { integrations } = await import('../../shared/platform/config.js');
      const declared = new Set(integrations().map((integration) => integration.name));
      const unknown = integrationNames.filter((name) => !declared.has(name));
      if (unknown.length) {
        throw new UsageError(
          `--integration: ${unknown.map((name) => `"${name}"`).join(', ')} is not declared in INTEGRATIONS (declared: ${[...declared].join(', ') || 'none'}).`,
        );
      }
    }

    await assertStoreAnswers(useLocalSystemUnlessConfigured(), 'suppressions');
    const [{ SQSClient }, { SNSClient }, { streamsClient }, clients, config, fanout] = await Promise.all([
      import('@aws-sdk/client-sqs'),
      import('@aws-sdk/client-sns'),
      import('../../shared/store/stream-records.js'),
      import('../../shared/store/clients.js'),
      import('../../shared/platform/config.js'),
      import('../../shared/distribution/fanout.js'),
    ]);
    // The store's timeouts and tries (STORE_*): a queue or topic that stops answering fails the command, not hangs it.
    const sqs = new SQSClient({ ...config.storeClientOptions(), useQueueUrlAsEndpoint: false });
    const sns = new SNSClient(config.storeClientOptions());
    const streams = streamsClient();
    const store = clients.storeFromEnvironment();
    try {
      const queueUrls = new Map<Channel, string>();
      for (const channel of channels) queueUrls.set(channel, await queueUrlOf(sqs, channelQueues[channel].env, channelQueues[channel].name));
      const queues: DeadLetterQueue[] = [];
      if (!only || only.includes('fanout')) {
        const topicArns = new Map<Channel, string>();
        for (const channel of channels) topicArns.set(channel, await topicArnOf(sns, channelTopics[channel].env, channelTopics[channel].name));
        queues.push({
          kind: 'fanout-failures',
          name: fanoutFailureQueue.name,
          url: await queueUrlOf(sqs, fanoutFailureQueue.env, fanoutFailureQueue.name),
          ports: fanout.channelTopicPorts({ sns, store, topicArn: (channel) => topicArns.get(channel)! }),
        });
      }
      for (const channel of channels) {
        if (only && !only.includes(channel)) continue;
        const name = dlqName(channelQueues[channel].name);
        queues.push({ kind: 'channel', name, url: await queueUrlOf(sqs, channelDlqEnv(channel), name) });
      }
      for (const name of integrationNames ?? []) {
        const declaration = integrationQueue(name);
        const url = await queueUrlOf(sqs, declaration.env, declaration.name);
        queues.push({
          kind: 'integration',
          name: dlqName(declaration.name),
          url: await queueUrlOf(sqs, declaration.dlqEnv, dlqName(declaration.name)),
          ports: fanout.channelQueuePorts({ sqs, store, queueUrl: () => url }),
        });
      }
      const silent = await silentChannelQueues(sqs, (channel) => queueUrls.get(channel)!);
      for (const [channel, why] of silent) console.log(`${channelQueues[channel].name} does not answer (${why}): its letters stay`);
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
        unavailable: new Set(silent.keys()),
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
      sns.destroy();
      streams.destroy();
    }
  },
};
