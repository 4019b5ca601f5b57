import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Server } from 'node:http';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { functions, routes, streamConsumers, type FunctionName } from '../../shared/platform/resources.js';
import { localDevUnsubscribeKeys } from '../../shared/intake/email/tokens.js';
import { buckets, schedules } from '../../shared/platform/resources.js';
import { localDialerWebhookSecret, localSendgridPublicKey, localSesTopicArn, localSnsSigningCertificatePem, localTelnyxPublicKey } from './dev-keys.js';
import { createGateway, type HttpFunction } from './gateway.js';
import { provision, provisionTables, resourceEnvironment, type LocalResources } from './provision.js';
import { startQueuePoller } from './queue-poller.js';
import type { CheckedIntegration } from '../../shared/connectors/registry.js';
import { queueBatchSize } from '../../shared/connectors/connector.js';
import { claimPort, localAwsEnvironment, localClientOptions, startDynamoDbLocal, startQueueEmulator, type RunningService } from './services.js';
import { startStreamPoller, type StreamFunction, type StreamPoller } from './stream-poller.js';

/**
 * The whole system on one machine: emulators, the declared tables and queues, an HTTP server
 * serving the declared routes with the real handlers, and the suppressions stream feeding
 * fan-out. `npm start` and the end-to-end tests both run this.
 */

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// Every dialer that signs the Standard Webhooks way, with the one local secret.
const localDialerWebhookSecrets = ['generic', 'genesys', 'connect', 'five9'].map((dialer) => `${dialer}:${localDialerWebhookSecret}`).join(',');

/** Development-only secrets, used when the environment does not provide them. */
export const localDefaults = {
  TWILIO_AUTH_TOKEN: 'local-twilio-auth-token',
  VONAGE_SIGNATURE_SECRET: 'local-vonage-signature-secret',
  PLIVO_AUTH_TOKEN: 'local-plivo-auth-token',
  BANDWIDTH_USERNAME: 'local-bandwidth',
  BANDWIDTH_PASSWORD: 'local-bandwidth-password',
  SINCH_WEBHOOK_SECRET: 'local-sinch-webhook-secret',
  UNSUBSCRIBE_TOKEN_KEYS: localDevUnsubscribeKeys,
  MAILGUN_WEBHOOK_SIGNING_KEY: 'local-mailgun-signing-key',
  POSTMARK_WEBHOOK_USERNAME: 'local-postmark',
  POSTMARK_WEBHOOK_PASSWORD: 'local-postmark-password',
  // Public halves of the committed local key pairs (dev-keys.ts); the demo signs with the private halves.
  TELNYX_PUBLIC_KEY: localTelnyxPublicKey,
  SENDGRID_WEBHOOK_PUBLIC_KEY: localSendgridPublicKey,
  DIALER_WEBHOOK_SECRETS: localDialerWebhookSecrets,
  // SES notifications: the local topic, and the committed certificate in place of SNS's (dev-keys.ts).
  SES_SNS_TOPIC_ARNS: localSesTopicArn,
  SNS_SIGNING_CERTIFICATE_PEM: localSnsSigningCertificatePem,
  API_KEY: 'local-dev-key',
  // The console's clearly marked development sign-in, and a session key that is public (docs/console.md).
  CONSOLE_DEV_SIGN_IN: 'true',
  CONSOLE_SESSION_KEY: 'optout-hub local console sessions: not a secret',
  DEFAULT_PHONE_REGION: 'US',
  // An emulator on a developer's machine (a JVM warming up, a busy laptop) answers far slower than
  // DynamoDB: a limit meant to turn a frozen store into a quick 503 would refuse healthy calls here.
  STORE_REQUEST_TIMEOUT_MS: '15000',
  STORE_MAX_ATTEMPTS: '3',
} as const;

export interface LocalRuntimeOptions {
  port: number;
  dynamodbPort: number;
  sqsPort: number;
  /** Where DynamoDB Local keeps its tables; in memory when absent. */
  dataDir?: string;
  /** Called when an emulator dies underneath the running system. */
  onFatal?: (message: string) => void;
  log?: (message: string) => void;
}

export interface LocalRuntime {
  url: string;
  port: number;
  endpoints: { dynamodb: string; sqs: string };
  resources: LocalResources;
  /** The declared integrations (INTEGRATIONS), checked, each with its queue in `resources.integrations`. */
  integrations: CheckedIntegration[];
  stop(): Promise<void>;
}

function applyEnvironment(values: Record<string, string>, options: { override: boolean }): void {
  for (const [name, value] of Object.entries(values)) {
    if (options.override || !process.env[name]) process.env[name] = value;
  }
}

async function loadHandler<T>(name: FunctionName): Promise<T> {
  const module = (await import(pathToFileURL(resolve(repositoryRoot, functions[name].entry)).href)) as { handler: T };
  return module.handler;
}

/** An EventBridge `rate(N unit)` expression in milliseconds. */
export function rateMilliseconds(rate: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(rate);
  if (!match) throw new Error(`Schedule rate "${rate}" is not rate(N minutes|hours|days).`);
  const unit = match[2]!.startsWith('minute') ? 60_000 : match[2]!.startsWith('hour') ? 3_600_000 : 86_400_000;
  return Number(match[1]) * unit;
}

const RESTART_ATTEMPTS = 5;

/**
 * DynamoDB Local, started again (same port, same data directory) whenever its JVM dies under the
 * running system, rather than the whole system stopping: providers then get 503 problem+json from
 * the handlers while it is down, and retry, instead of connection refused until someone notices.
 * Only when it cannot be started again does `onFatal` stop everything.
 */
async function startRestartingDynamoDb(
  options: LocalRuntimeOptions,
  log: (message: string) => void,
  clients: () => { dynamodb: DynamoDBClient } | undefined,
): Promise<RunningService> {
  let stopped = false;
  let current: RunningService | undefined;
  // The port asked for may be 0 (any free port): a restart takes the one the first start got.
  let port = options.dynamodbPort;
  const start = () => startDynamoDbLocal({ port, dataDir: options.dataDir, onExit: (message) => void restart(message) });
  const restart = async (message: string) => {
    if (stopped) return;
    log(
      `${message} Restarting it on port ${port}${options.dataDir ? ` with the tables in ${options.dataDir}` : ''}; requests are answered 503 until it is back.`,
    );
    for (let attempt = 1; !stopped; attempt++) {
      try {
        const next = await start();
        if (stopped) return void (await next.stop());
        current = next;
        // Tables kept in memory went with the JVM; with a data directory this finds them all in place.
        const connected = clients();
        if (connected) await provisionTables(connected.dynamodb);
        log(`DynamoDB Local is back on port ${port} (pid ${next.pid ?? 'unknown'}).`);
        return;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (attempt >= RESTART_ATTEMPTS) {
          options.onFatal?.(`DynamoDB Local stopped unexpectedly and could not be restarted (${reason}).`);
          return;
        }
        log(`DynamoDB Local restart attempt ${attempt} failed (${reason}); trying again.`);
        await sleep(1000 * attempt);
      }
    }
  };
  const first = await start();
  current = first;
  port = first.port;
  return {
    endpoint: first.endpoint,
    port: first.port,
    get pid() {
      return current?.pid;
    },
    async stop() {
      stopped = true;
      await current?.stop();
    },
  };
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const service of started.reverse()) await service.stop().catch(() => undefined);
    started.length = 0;
  };
  let clients: { dynamodb: DynamoDBClient; sqs: SQSClient; sns: SNSClient; streams: DynamoDBStreamsClient } | undefined;
  try {
    const port = await claimPort(options.port, 'the HTTP API', 'PORT');
    const dynamodb = await startRestartingDynamoDb(options, log, () => clients);
    started.push(dynamodb);
    const queues = await startQueueEmulator({ port: options.sqsPort });
    started.push(queues);

    clients = {
      dynamodb: new DynamoDBClient(localClientOptions(dynamodb.endpoint)),
      sqs: new SQSClient(localClientOptions(queues.endpoint)),
      sns: new SNSClient(localClientOptions(queues.endpoint)),
      streams: new DynamoDBStreamsClient(localClientOptions(dynamodb.endpoint)),
    };
    // Stopped in reverse order: pollers and the server go before the clients they use.
    started.push({
      stop: async () => {
        for (const client of Object.values(clients ?? {})) client.destroy();
      },
    });
    // Checked before anything is created: a wrong INTEGRATIONS is one clear error, not a half-started system.
    const [{ checkIntegrations }, { integrations: declaredIntegrations }] = await Promise.all([
      import('../../shared/connectors/registry.js'),
      import('../../shared/platform/config.js'),
    ]);
    const integrations = checkIntegrations(declaredIntegrations());
    const resources = await provision(clients, '', integrations);

    // Handlers create their AWS clients when imported, so the environment is set first.
    const url = `http://localhost:${port}`;
    applyEnvironment(
      {
        ...localAwsEnvironment,
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
        AWS_ENDPOINT_URL_SQS: queues.endpoint,
        AWS_ENDPOINT_URL_SNS: queues.endpoint,
        ...resourceEnvironment(resources),
        // fauxqs serves S3 on the same endpoint: the reconciliation snapshot bucket lives there.
        AWS_ENDPOINT_URL_S3: queues.endpoint,
        [buckets.snapshots.env]: buckets.snapshots.name,
      },
      { override: true },
    );
    applyEnvironment(
      {
        ...Object.fromEntries(Object.entries(localDefaults).filter(([name]) => name !== 'API_KEY')),
        API_KEYS: `local:${localDefaults.API_KEY}:ingest+check+ack+admin`,
        PUBLIC_BASE_URL: url,
      },
      { override: false },
    );

    const httpHandlers = new Map<FunctionName, HttpFunction>();
    for (const route of routes) {
      if (!httpHandlers.has(route.function)) httpHandlers.set(route.function, await loadHandler<HttpFunction>(route.function));
    }
    const server: Server = createGateway(routes, (route) => httpHandlers.get(route.function)!);
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(port, resolveListen);
    });
    started.push({
      stop: () =>
        new Promise<void>((resolveClose) => {
          server.close(() => resolveClose());
          server.closeAllConnections();
        }),
    });

    for (const consumer of streamConsumers) {
      const streamArn = resources.tables[consumer.table].streamArn;
      if (!streamArn) throw new Error(`The ${consumer.table} table has no stream.`);
      const poller: StreamPoller = startStreamPoller({
        streams: clients.streams,
        streamArn,
        handler: await loadHandler<StreamFunction>(consumer.function),
        functionName: consumer.function,
        region: localAwsEnvironment.AWS_REGION,
        onFailure: { sqs: clients.sqs, queueUrl: resources.fanoutFailureQueueUrl },
        log,
      });
      started.push(poller);
    }

    // Each integration's connector on its own queue, as its Lambda's SQS event source would run it.
    const { connectorHandler } = (await import(
      pathToFileURL(resolve(repositoryRoot, 'functions/connector.ts')).href
    )) as typeof import('../../functions/connector.js');
    for (const integration of integrations) {
      if (!integration.definition.runsFunction) continue;
      const connector = connectorHandler(integration.name);
      const schedule = integration.definition.schedule;
      if (schedule) {
        const timer = setInterval(() => {
          connector({ scheduled: true }).catch((error: unknown) =>
            log(`${integration.name} schedule failed: ${error instanceof Error ? error.message : String(error)}`),
          );
        }, rateMilliseconds(schedule.rate));
        timer.unref();
        started.push({ stop: async () => clearInterval(timer) });
      }
      started.push(
        startQueuePoller({
          sqs: clients.sqs,
          queueUrl: resources.integrations[integration.name]!.url,
          handler: connector,
          batchSize: queueBatchSize(integration.definition),
          region: localAwsEnvironment.AWS_REGION,
          log: (message) => log(`${integration.name}: ${message}`),
        }),
      );
    }

    // The declared schedules on timers, as EventBridge would run them (reconciliation: daily).
    const { ensureBucket, snapshotClient } = await import('../../shared/store/snapshots.js');
    const s3 = snapshotClient();
    await ensureBucket(s3, buckets.snapshots.name);
    s3.destroy();
    for (const schedule of schedules) {
      const run = await loadHandler<(event: Record<string, unknown>) => Promise<unknown>>(schedule.function);
      const timer = setInterval(() => {
        run(schedule.input).catch((error: unknown) => log(`${schedule.function} failed: ${error instanceof Error ? error.message : String(error)}`));
      }, rateMilliseconds(schedule.rate));
      timer.unref();
      started.push({ stop: async () => clearInterval(timer) });
    }
    return {
      url,
      port,
      endpoints: { dynamodb: dynamodb.endpoint, sqs: queues.endpoint },
      resources,
      integrations,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
