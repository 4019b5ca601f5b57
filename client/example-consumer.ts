import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createClient } from './index.js';
import { consumeQueue, memoryVersions } from './queue-consumer.js';

/**
 * A runnable example integration: reads one suppression queue, applies each change by version to
 * a list kept in memory, acks through POST /v1/acks, and prints one line per change. Ctrl-C stops it.
 *
 *   npx tsx client/example-consumer.ts        against `npm start`: the suppressions-sms queue, key local-dev-key
 *
 * Variables: QUEUE_URL (else the local queue suppressions-$CHANNEL on fauxqs at SQS_PORT),
 * CHANNEL (sms), OPTOUT_HUB_URL (http://localhost:$PORT), OPTOUT_HUB_API_KEY (local-dev-key,
 * needs the `ack` scope), INTEGRATION (example-integration).
 */

const env = process.env;
const local = !env.QUEUE_URL;
const sqs = local
  ? new SQSClient({
      endpoint: `http://127.0.0.1:${env.SQS_PORT ?? '4566'}`,
      region: 'us-east-1',
      // fauxqs checks no credentials.
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    })
  : new SQSClient({});
const queueUrl = env.QUEUE_URL ?? (await sqs.send(new GetQueueUrlCommand({ QueueName: `suppressions-${env.CHANNEL ?? 'sms'}` }))).QueueUrl!;
const client = createClient({
  baseUrl: env.OPTOUT_HUB_URL ?? `http://localhost:${env.PORT ?? '3000'}`,
  apiKey: env.OPTOUT_HUB_API_KEY ?? 'local-dev-key',
});
const integration = env.INTEGRATION ?? 'example-integration';

// Stands in for the integration's own system: a dialer's do-not-call list, an ESP's suppression list.
const doNotContact = new Map<string, boolean>();
// Keep these with that system's data in production, so a restart still knows what it holds.
const versions = memoryVersions();

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());
console.log(`consuming ${queueUrl} as ${integration}; Ctrl-C stops`);

await consumeQueue({
  sqs,
  queueUrl,
  client,
  integration,
  versions,
  waitTimeSeconds: 1,
  signal: controller.signal,
  apply: async (message) => {
    doNotContact.set(`${message.channel}#${message.address}`, message.suppressed);
  },
  onBatch: (report) => {
    for (const message of report.applied) console.log(`applied ${message.channel} ${message.address} v${message.version} ${message.status}`);
    for (const { message, reason } of report.dropped) console.log(`dropped ${message.channel} ${message.address} v${message.version} (${reason})`);
    for (const result of report.acks?.results ?? []) console.log(`ack ${result.channel} ${result.address} v${result.version} ${result.status}`);
    if (report.unreadable) console.log(`${report.unreadable} unreadable message(s) left for the dead-letter queue`);
  },
});
sqs.destroy();
