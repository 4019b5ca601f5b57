import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { localDefaults, startLocalRuntime } from '../infra/local/runtime.js';
import type { Channel } from '../shared/core/channels.js';
import { connectors } from '../shared/connectors/registry.js';
import { queueBatchSize } from '../shared/connectors/connector.js';
import { applyBatch, type QueueRecord } from '../shared/connectors/runtime.js';
import { deliveryRecordOf, suppressionMessage } from '../shared/distribution/fanout.js';
import { storeFromEnvironment } from '../shared/store/clients.js';
import { recordDelivery } from '../shared/store/deliveries.js';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { twilioSms } from '../test/support/provider-signing.js';

/**
 * Connectors: changes per second through the connector runtime against each connector's contract
 * server, with the vendor's documented rate limit configured, printed beside that limit; and, on
 * the local runtime, STOP (answered 200) → the vendor's endpoint called, p50 and p99.
 */

export interface ConnectorBenchCase {
  kind: string;
  /** Starts the contract server; returns the integration's settings and secret pointing at it. */
  start(): Promise<{ settings: Record<string, unknown>; secret?: string; channel: Channel; close(): Promise<void> }>;
}

const CHANGES = Number(process.env.BENCH_CONNECTOR_CHANGES ?? 300);
const STOPS = Number(process.env.BENCH_CONNECTOR_STOPS ?? 100);

async function benchCases(): Promise<ConnectorBenchCase[]> {
  const folder = fileURLToPath(new URL('./connectors/', import.meta.url));
  const files = readdirSync(folder).filter((file) => file.endsWith('.ts'));
  const cases: ConnectorBenchCase[] = [];
  for (const file of files.sort())
    cases.push(((await import(new URL(`./connectors/${file}`, import.meta.url).href)) as { benchCase: ConnectorBenchCase }).benchCase);
  return cases;
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)] ?? NaN;

/**
 * The store's side of one applied change, done raw: the runtime writes the integration's ack on
 * the delivery item and raises its applied version, two conditional UpdateItems, 16 changes at a
 * time (its ack concurrency). Changes/s cannot exceed this on the same store. Measured after one
 * unmeasured pass, so the emulator is as warm as it is for the connectors after it.
 */
async function rawStoreChangesPerSecond(): Promise<number> {
  await rawStorePass();
  return rawStorePass();
}

async function rawStorePass(): Promise<number> {
  const store = storeFromEnvironment();
  const run = randomBytes(3).toString('hex');
  const started = performance.now();
  for (let start = 0; start < CHANGES; start += 16) {
    await Promise.all(
      Array.from({ length: Math.min(16, CHANGES - start) }, async (_, offset) => {
        const key = `RAW#${run}#${start + offset}`;
        for (const sk of ['DELIVERY', 'APPLIED']) {
          await store.documents.send(
            new UpdateCommand({
              TableName: store.tables.preferences,
              Key: { pk: key, sk },
              UpdateExpression: 'SET #version = :version, #at = :at',
              ConditionExpression: 'attribute_not_exists(#version) OR #version < :version',
              ExpressionAttributeNames: { '#version': 'version', '#at': 'at' },
              ExpressionAttributeValues: { ':version': 1, ':at': new Date().toISOString() },
            }),
          );
        }
      }),
    );
  }
  return CHANGES / ((performance.now() - started) / 1000);
}

const figure = (value: number) => (value >= 100 ? value.toFixed(0) : value.toPrecision(2));

async function throughput(benchCase: ConnectorBenchCase, storeLimit: number): Promise<string> {
  const definition = connectors[benchCase.kind];
  if (!definition) return `${benchCase.kind.padEnd(24)} (not a registered connector)`;
  const server = await benchCase.start();
  try {
    const integration = { name: `bench-${benchCase.kind}`, connector: benchCase.kind, channels: [server.channel], settings: server.settings };
    const settings = definition.settings.parse(server.settings) as { requestsPerSecond?: number };
    const connector = definition.create({ integration, settings, secret: server.secret, fetch });
    const store = storeFromEnvironment();
    const run = randomBytes(3).toString('hex');
    const messages = Array.from({ length: CHANGES }, (_, index) => {
      const address = server.channel === 'email' ? `bench-${run}-${index}@example.com` : `+1628${String(5_000_000 + index).slice(0, 7)}`;
      return suppressionMessage({
        channel: server.channel,
        address,
        personId: `p-${run}-${index}`,
        status: 'suppressed',
        purposes: { all: 'suppressed' },
        version: 1 + (Number.parseInt(run, 16) % 1000),
        eventId: `evt-${run}-${index}`,
        since: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
      });
    });
    for (const message of messages) await recordDelivery(store, deliveryRecordOf({ message }));
    const rate = settings.requestsPerSecond ?? definition.requestsPerSecond;
    const records: QueueRecord[] = messages.map((message, index) => ({
      messageId: `m${index}`,
      receiptHandle: `r${index}`,
      body: JSON.stringify(message),
      receiveCount: 1,
    }));
    const started = performance.now();
    let applied = 0;
    // The event source hands out 10 messages a batch (more with a batching window): the same here.
    const size = queueBatchSize(definition);
    for (let start = 0; start < records.length; start += size) {
      const result = await applyBatch(
        integration,
        connector,
        records.slice(start, start + size),
        { store, retryAfter: async () => undefined },
        { batchSize: definition.batchSize, requestsPerSecond: rate },
      );
      applied += result.applied;
    }
    const seconds = (performance.now() - started) / 1000;
    const perSecond = applied / seconds;
    const vendorLimit = rate * definition.batchSize;
    const limit = Math.min(vendorLimit, storeLimit);
    return `${benchCase.kind.padEnd(24)} ${perSecond.toFixed(0).padStart(6)} changes/s   vendor ${figure(rate).padStart(5)} calls/s × ${String(definition.batchSize).padStart(5)} = ${figure(vendorLimit).padStart(6)}/s   limit ${figure(limit).padStart(5)}/s (${limit === vendorLimit ? 'vendor' : 'store'})   ratio ${(perSecond / limit).toFixed(2)}   (${applied}/${CHANGES} applied)`;
  } finally {
    await server.close();
  }
}

/** A receiver for the end-to-end figure: when each address first reached the vendor. */
async function startArrivals(secret: string) {
  const verifier = new Webhook(secret);
  const arrivals = new Map<string, number>();
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = verifier.verify(Buffer.concat(chunks).toString('utf8'), request.headers as Record<string, string>) as { address: string };
      if (!arrivals.has(body.address)) arrivals.set(body.address, performance.now());
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as { port: number };
  return {
    arrivals,
    url: `http://127.0.0.1:${port}/hook`,
    close: () => {
      receiver.close();
      receiver.closeAllConnections();
    },
  };
}

/** STOP answered → the webhook integration's endpoint called, on the local runtime. */
async function endToEnd(runtimeUrl: string, arrivals: Map<string, number>): Promise<string[]> {
  const answered = new Map<string, number>();
  const base = 5_000_000 + (randomBytes(2).readUInt16BE() % 1000) * 1000;
  for (let index = 0; index < STOPS; index++) {
    const from = `+1628${String(base + index).slice(0, 7)}`;
    const { url, init } = twilioSms(localDefaults.TWILIO_AUTH_TOKEN, runtimeUrl, from, 'STOP');
    const response = await fetch(url, init);
    await response.arrayBuffer();
    if (response.ok) answered.set(from, performance.now());
  }
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline && [...answered.keys()].some((address) => !arrivals.has(address)))
    await new Promise((resolve) => setTimeout(resolve, 100));
  const latencies = [...answered].filter(([address]) => arrivals.has(address)).map(([address, at]) => arrivals.get(address)! - at);
  return [
    `STOP → webhook integration called (local runtime, ${STOPS} signed Twilio STOPs one at a time)`,
    `  p50 ${percentile(latencies, 50).toFixed(0)} ms   p99 ${percentile(latencies, 99).toFixed(0)} ms   (${latencies.length}/${answered.size} arrived)`,
  ];
}

export async function benchConnectors(): Promise<string[]> {
  const lines = [`optout-hub bench: connectors (${CHANGES} changes each, through the connector runtime, against each contract server)`];
  // One system for both figures: its webhook integration for the end-to-end one, its store for the acks of the others.
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const receiver = await startArrivals(secret);
  process.env.INTEGRATIONS = JSON.stringify([{ name: 'bench-webhook', connector: 'webhook', channels: ['sms'], settings: { url: receiver.url } }]);
  process.env.INTEGRATION_SECRETS = `bench-webhook:${secret}`;
  const runtime = await startLocalRuntime({ port: 0, dynamodbPort: 0, sqsPort: 0, log: () => undefined, onFatal: console.error });
  try {
    const storeLimit = await rawStoreChangesPerSecond();
    lines.push(`raw store, the writes of one applied change (2 conditional UpdateItems, 16 at a time): ${storeLimit.toFixed(0)} changes/s`);
    for (const benchCase of await benchCases()) {
      try {
        lines.push(await throughput(benchCase, storeLimit));
      } catch (error) {
        lines.push(`${benchCase.kind.padEnd(24)} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    lines.push('', ...(await endToEnd(runtime.url, receiver.arrivals)));
  } finally {
    await runtime.stop();
    receiver.close();
  }
  return lines;
}
