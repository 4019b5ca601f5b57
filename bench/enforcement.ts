import './environment.js';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import { scrubCsv } from '../cli/commands/scrub.js';
import { localDefaults, startLocalRuntime } from '../infra/local/runtime.js';
import { localClientOptions } from '../infra/local/services.js';
import { channelQueues } from '../shared/platform/resources.js';

/**
 * Enforcement figures on the local runtime (DynamoDB Local + fauxqs), printed, never asserted:
 * - propagation: webhook 200 → message on suppressions-sms, at a steady rate of signed STOPs;
 * - scrub throughput (addresses/s through the batch check and two CSV files) beside raw
 *   BatchGetItem throughput on the same keys against the same DynamoDB Local, and their ratio.
 */

const RATE = Number(process.env.BENCH_PROPAGATION_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_PROPAGATION_SECONDS ?? 20);
const SCRUB_ROWS = Number(process.env.BENCH_SCRUB_ROWS ?? 20_000);
/** In-flight BatchGetItem calls: the scrub's 4 batches × 4 lookups, matched by the raw reads. */
const READ_CONCURRENCY = 16;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export async function benchEnforcement(): Promise<string[]> {
  const lines: string[] = [];
  const runtime = await startLocalRuntime({ port: 0, dynamodbPort: 0, sqsPort: 0, onFatal: console.error });
  const sqs = new SQSClient(localClientOptions(runtime.endpoints.sqs));
  const dynamodb = new DynamoDBClient(localClientOptions(runtime.endpoints.dynamodb));
  const dir = mkdtempSync(join(tmpdir(), 'optout-bench-'));
  try {
    // 1. Propagation at a steady rate: one signed STOP every 1/RATE s, whatever the answers take.
    const webhookUrl = `${runtime.url}/webhooks/sms/twilio`;
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: channelQueues.sms.name }));
    const total = RATE * SECONDS;
    const phones = Array.from({ length: total }, (_, i) => `+1${String(3_125_550_000 + i)}`);
    const acknowledgedAt = new Map<string, number>();
    const propagationMs: number[] = [];
    let sending = true;
    const drain = (async () => {
      let idle = 0;
      while (sending || (propagationMs.length < acknowledgedAt.size && idle < 10)) {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        const now = performance.now();
        idle = Messages.length ? 0 : idle + 1;
        for (const message of Messages) {
          const sent = acknowledgedAt.get(JSON.parse(message.Body!).address);
          if (sent !== undefined) propagationMs.push(now - sent);
        }
        if (Messages.length) {
          await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
        }
      }
    })();
    const started = performance.now();
    const requests: Promise<void>[] = [];
    let failed = 0;
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const phone = phones[i]!;
      requests.push(
        (async () => {
          const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, From: phone, To: '+15017250604', Body: 'STOP' };
          const signature = twilioWebhooks.getExpectedTwilioSignature(localDefaults.TWILIO_AUTH_TOKEN, webhookUrl, params);
          const response = await fetch(webhookUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
            body: new URLSearchParams(params).toString(),
          });
          await response.text();
          if (response.status === 200) acknowledgedAt.set(phone, performance.now());
          else failed++;
        })(),
      );
    }
    await Promise.all(requests);
    const offered = total / ((performance.now() - started) / 1000);
    sending = false;
    await drain;
    lines.push(`enforcement bench: ${total} signed Twilio STOPs at a steady ${RATE}/s (${offered.toFixed(1)}/s achieved), local runtime`);
    lines.push(
      `${'200 → message on suppressions-sms'.padEnd(34)} p50 ${percentile(propagationMs, 50).toFixed(1).padStart(7)} ms   p99 ${percentile(propagationMs, 99).toFixed(1).padStart(7)} ms   (n=${propagationMs.length} of ${acknowledgedAt.size} acknowledged, ${failed} not 200)`,
    );

    // 2. Scrub vs raw BatchGetItem on the same keys: the suppressed numbers above plus unknown ones.
    const { storeFromEnvironment } = await import('../shared/store/clients.js');
    const addresses = Array.from({ length: SCRUB_ROWS }, (_, i) => (i < phones.length ? phones[i]! : `+1${String(4_125_550_000 + i)}`));
    const input = join(dir, 'campaign.csv');
    writeFileSync(input, `customer_id,address\n${addresses.map((address, i) => `C${i},${address}`).join('\n')}\n`);
    const scrubStart = performance.now();
    const summary = await scrubCsv({ input, channel: 'sms', purpose: 'marketing', columns: ['address'], store: storeFromEnvironment(), region: 'US' });
    const scrubRate = summary.rows / ((performance.now() - scrubStart) / 1000);

    const table = runtime.resources.tables.suppressions.name;
    const chunks: string[][] = [];
    for (let i = 0; i < addresses.length; i += 100) chunks.push(addresses.slice(i, i + 100));
    let next = 0;
    let read = 0;
    const rawStart = performance.now();
    await Promise.all(
      Array.from({ length: READ_CONCURRENCY }, async () => {
        while (next < chunks.length) {
          let keys = chunks[next++]!.map((address) => ({ pk: { S: `sms#${address}` } }));
          while (keys.length) {
            const result = await dynamodb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }));
            read += keys.length - (result.UnprocessedKeys?.[table]?.Keys?.length ?? 0);
            keys = (result.UnprocessedKeys?.[table]?.Keys ?? []) as typeof keys;
          }
        }
      }),
    );
    const rawRate = read / ((performance.now() - rawStart) / 1000);
    lines.push(
      `${'scrub (CSV → batch check → 2 CSVs)'.padEnd(34)} ${scrubRate.toFixed(0).padStart(7)} addresses/s   (${summary.rows} rows, ${summary.suppressed} suppressed, ${summary.failed} failed)`,
    );
    lines.push(`${'raw BatchGetItem, same keys'.padEnd(34)} ${rawRate.toFixed(0).padStart(7)} keys/s        (${READ_CONCURRENCY} calls in flight)`);
    lines.push(`${'scrub / raw'.padEnd(34)} ${(scrubRate / rawRate).toFixed(2).padStart(7)}`);
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    sqs.destroy();
    dynamodb.destroy();
    await runtime.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of await benchEnforcement()) console.log(line);
}
