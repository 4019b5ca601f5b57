import './environment.js';
import { DeleteMessageBatchCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import { localDefaults, startLocalRuntime } from '../infra/local/runtime.js';
import { benchKeywords } from './keywords.js';
import { benchProviders } from './providers.js';
import { localClientOptions } from '../infra/local/services.js';
import { channelQueues } from '../shared/platform/resources.js';
import { requestSchema, signalFromRequest } from '../shared/intake/requests/requests.js';
import { signalFromSms } from '../shared/intake/sms/inbound.js';
import { storeFromEnvironment } from '../shared/store/clients.js';
import { linkIdentity } from '../shared/record/people.js';
import { recordSignal, type RecordOutcome } from '../shared/record/record-signal.js';

/**
 * `npm run bench`: figures for the signal path on the local runtime (DynamoDB Local + fauxqs on
 * this machine). Printed, never asserted. Absolute numbers say more about the emulators than
 * about AWS; compare runs on the same machine.
 */

/** The environment as given: a local system rewrites process.env for its handlers. */
const givenEnvironment = { ...process.env };

const SIGNALS = Number(process.env.BENCH_SIGNALS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(label: string, values: number[], unit = 'ms'): string {
  return `${label.padEnd(34)} p50 ${percentile(values, 50).toFixed(1).padStart(7)} ${unit}   p99 ${percentile(values, 99).toFixed(1).padStart(7)} ${unit}   (n=${values.length})`;
}

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** DynamoDB write cost per signal, as the transaction reports it (ReturnConsumedCapacity). */
async function writeCost(): Promise<void> {
  const store = storeFromEnvironment();
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
  const sms = (from: string, minute: number) =>
    signalFromSms(
      { provider: 'twilio', messageId: `SM${randomBytes(16).toString('hex')}`, from, to: '+15017250604', text: 'STOP' },
      { receivedAt: new Date(at(minute)), defaultRegion: 'US', rawBody: '' },
    )!;
  const phones = ['+12025550101', '+12025550102', '+12025550103'];
  const newPerson = await recordSignal(store, sms(phones[0]!, 1));
  const knownPerson = await recordSignal(store, sms(phones[0]!, 2));
  for (const phone of phones.slice(1)) await linkIdentity(store, newPerson.personId, { type: 'phone', value: phone });
  const personWide = await recordSignal(
    store,
    signalFromRequest(
      requestSchema.parse({
        requestId: 'bench-person-wide',
        kind: 'opt-out',
        channels: ['voice'],
        scope: 'person',
        subject: { phone: phones[0] },
        occurredAt: at(3),
        source: 'mail',
      }),
      { receivedAt: new Date(at(4)), defaultRegion: 'US' },
    ),
  );
  const line = (label: string, outcome: RecordOutcome) =>
    `${label.padEnd(52)} ${String(outcome.cost?.items).padStart(2)} items  ${String(outcome.cost?.bytes).padStart(6)} bytes  ${String(outcome.cost?.writeCapacityUnits).padStart(3)} WCU   (${outcome.suppressions.length} suppression item(s))`;
  console.log('\nwrite cost per signal (one transaction; on DynamoDB each item costs 2 WCU per started KB)');
  console.log(line('address-scoped SMS STOP, new person', newPerson));
  console.log(line('address-scoped SMS STOP, known person', knownPerson));
  console.log(line('person-scoped voice opt-out, person with 3 phones', personWide));
}

for (const section of [benchKeywords, benchProviders]) {
  for (const line of await section()) console.log(line);
  console.log('');
}

const runtime = await startLocalRuntime({ port: 0, dynamodbPort: 0, sqsPort: 0, log: console.error, onFatal: console.error });
try {
  const webhookUrl = `${runtime.url}/webhooks/sms/twilio`;
  const sqs = new SQSClient(localClientOptions(runtime.endpoints.sqs));
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: channelQueues.sms.name }));

  const phones = Array.from({ length: SIGNALS }, (_, i) => `+1${String(2_125_550_000 + i)}`);
  const acknowledgedAt = new Map<string, number>();
  const webhookMs: number[] = [];
  const propagationMs: number[] = [];

  // Drain the queue concurrently, noting when each address's message arrives.
  let draining = true;
  const drain = (async () => {
    while (draining || propagationMs.length < acknowledgedAt.size) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const now = performance.now();
      for (const message of Messages) {
        const sent = acknowledgedAt.get(JSON.parse(message.Body!).address);
        if (sent !== undefined) propagationMs.push(now - sent);
      }
      if (Messages.length) {
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
      }
      if (!draining && Messages.length === 0 && propagationMs.length < acknowledgedAt.size) break;
    }
  })();
  drain.catch(() => undefined); // a failure elsewhere stops the runtime under it; that one is reported

  const started = performance.now();
  await inParallel(phones, CONCURRENCY, async (phone) => {
    const params = { MessageSid: `SM${randomBytes(16).toString('hex')}`, From: phone, To: '+15017250604', Body: 'STOP' };
    const signature = twilioWebhooks.getExpectedTwilioSignature(localDefaults.TWILIO_AUTH_TOKEN, webhookUrl, params);
    const begin = performance.now();
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    await response.text();
    const end = performance.now();
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
    webhookMs.push(end - begin);
    acknowledgedAt.set(phone, end);
  });
  const elapsed = (performance.now() - started) / 1000;
  draining = false;

  const checkMs: number[] = [];
  await inParallel(phones, CONCURRENCY, async (phone) => {
    const begin = performance.now();
    const response = await fetch(`${runtime.url}/v1/suppressions/sms/${encodeURIComponent(phone)}`, {
      headers: { 'x-api-key': localDefaults.API_KEY },
    });
    const body = (await response.json()) as { suppressed: boolean };
    checkMs.push(performance.now() - begin);
    if (!body.suppressed) throw new Error('a number acknowledged as suppressed was not');
  });
  await drain;

  console.log(`optout-hub bench: ${SIGNALS} signed Twilio STOPs, concurrency ${CONCURRENCY}, local runtime\n`);
  console.log(summary('webhook → 200 (durable write)', webhookMs));
  console.log(`${'webhook throughput'.padEnd(34)} ${(SIGNALS / elapsed).toFixed(0)} signals/s`);
  console.log(summary('check API (consistent read)', checkMs));
  console.log(summary('200 → message on suppressions-sms', propagationMs));
  console.log(`${'messages received'.padEnd(34)} ${propagationMs.length} of ${SIGNALS}`);
  sqs.destroy();

  await writeCost();
} finally {
  await runtime.stop();
}

// Each of these starts its own local system, in a process of its own (see bench/section.ts).
for (const section of ['enforcement', 'import', 'registries', 'connectors']) {
  console.log('');
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.resolve('tsx/cli')), 'bench/section.ts', section], {
    stdio: 'inherit',
    env: givenEnvironment,
  });
  if (run.status !== 0) console.log(`(the ${section} section failed with exit code ${run.status})`);
}
