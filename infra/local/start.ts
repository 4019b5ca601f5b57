import { channelQueues, routes } from '../../shared/platform/resources.js';
import { channels } from '../../shared/core/channels.js';
import { localPorts } from '../../shared/platform/local-defaults.js';
import { consoleDevSignIn } from '../../shared/platform/config.js';
import { localDefaults, startLocalRuntime, type LocalRuntime } from './runtime.js';
import { LocalServiceError } from './services.js';
import { readConfigurationFile } from '../config-file.js';

/** `npm start`: the whole system on this machine, until Ctrl-C. */

// Lambda runs Node 22; the SDK's notice about an older Node on a developer machine is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function portFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`${name} must be a port number (0-65535), not "${raw}".`);
    process.exit(1);
  }
  return port;
}

// The same settings file `cdk synth` reads; a variable set in the environment wins.
try {
  for (const [name, value] of Object.entries(
    readConfigurationFile(process.env.CONFIG_FILE ?? 'optout-hub.config.json', { required: Boolean(process.env.CONFIG_FILE) }) ?? {},
  )) {
    process.env[name] ??= value;
  }
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const dataDir = process.env.DATA_DIR ?? '.data/dynamodb';
let runtime: LocalRuntime | undefined;
let stopping = false;

async function shutdown(code: number, message?: string): Promise<never> {
  if (message) console.error(message);
  if (!stopping) {
    stopping = true;
    console.log('Stopping optout-hub…');
    await runtime?.stop();
  }
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  runtime = await startLocalRuntime({
    port: portFrom('PORT', localPorts.http),
    dynamodbPort: portFrom('DYNAMODB_PORT', localPorts.dynamodb),
    sqsPort: portFrom('SQS_PORT', localPorts.sqs),
    dataDir,
    onFatal: (message) => void shutdown(1, `${message} optout-hub cannot run without it and is stopping.`),
    log: (message) => console.error(message),
  });
} catch (error) {
  const message = error instanceof LocalServiceError ? error.message : `optout-hub could not start: ${(error as Error).message}`;
  await shutdown(1, message);
}

const { url, endpoints, integrations, resources } = runtime!;
const integrationLines = integrations.length
  ? integrations
      .map(
        (integration) =>
          `                    ${integration.name} (${integration.connector}, ${integration.channels.join('+')}${integration.purposes ? `, purposes ${integration.purposes.join('+')}` : ''}) → queue ${resources.integrations[integration.name]!.name}${integration.definition.runsFunction ? '' : ' (consumed by your code)'}`,
      )
      .join('\n')
  : '                    none (declare them in INTEGRATIONS: docs/connectors/README.md)';
const sample = encodeURIComponent('+14155550100');
console.log(`
optout-hub is running locally.

  HTTP API        ${url}
${routes
  .filter((route) => route.auth !== 'console-session')
  .map((route) => `                    ${route.method.padEnd(5)}${route.path}`)
  .join('\n')}
  Console         ${url}/console   (${consoleDevSignIn() ? 'development sign-in: any name, any role' : 'OIDC sign-in'}; docs/console.md)
  DynamoDB Local  ${endpoints.dynamodb}   (tables kept in ${dataDir})
  SQS/SNS (fauxqs) ${endpoints.sqs}   (topics and queues ${channels.map((c) => channelQueues[c].name).join(', ')}; in memory)
  Integrations
${integrationLines}
  API key         ${process.env.API_KEYS === `local:${localDefaults.API_KEY}:ingest+check+ack+admin` ? `${localDefaults.API_KEY} (local default)` : 'from API_KEYS'}

Send a signed sample STOP:   npm run demo
  an email unsubscribe:      npm run demo -- email you@example.com
  a call disposition:        npm run demo -- call +14155550100
Ask about a number:          curl -H 'x-api-key: ${localDefaults.API_KEY}' ${url}/v1/suppressions/sms/${sample}
Stop everything:             Ctrl-C
`);
