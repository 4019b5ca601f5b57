import { localSystemEndpoints } from '../shared/platform/config.js';
import { localAwsEnvironment } from '../shared/platform/local-defaults.js';
import { tables, type TableKey } from '../shared/platform/resources.js';

/**
 * Where a command finds optout-hub. With the tables named in the environment (as on AWS, or
 * exported from the stack's outputs), it uses those; otherwise the system `npm start` runs on
 * this machine (DYNAMODB_PORT, SQS_PORT as there).
 */
export function useLocalSystemUnlessConfigured(): 'aws' | 'local' {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  if (process.env[tables.preferences.env]) return 'aws';
  const endpoints = localSystemEndpoints();
  const defaults: Record<string, string> = {
    ...localAwsEnvironment,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    // fauxqs serves SNS on the same endpoint: replay-dlq publishes fan-out failures to the channel topics.
    AWS_ENDPOINT_URL_SNS: endpoints.sqs,
    [tables.preferences.env]: tables.preferences.name,
    [tables.suppressions.env]: tables.suppressions.name,
    [tables.registries.env]: tables.registries.name,
    [tables.reassignedAnswers.env]: tables.reassignedAnswers.name,
  };
  for (const [name, value] of Object.entries(defaults)) process.env[name] ??= value;
  return 'local';
}

const errorText = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  // Node reports a refused connection as an AggregateError with no message; its code says it.
  const code = (error as { code?: string }).code;
  return [code, error.message].filter(Boolean).join(' ') || error.name;
};

/**
 * Resolves when `table` answers; otherwise one sentence naming the endpoint and what to set. A
 * command calls it before any work, so an unreachable store is a quick clear error rather than
 * every row retried and refused. Call after useLocalSystemUnlessConfigured (its result is `where`).
 */
export async function assertStoreAnswers(where: 'aws' | 'local', table: TableKey = 'preferences'): Promise<void> {
  const [{ dynamodb, tableAnswers }, { tableName }] = await Promise.all([import('../shared/store/clients.js'), import('../shared/platform/config.js')]);
  const name = tableName(table);
  // The region as the SDK resolves it (environment or profile), so the message names the endpoint actually tried.
  const region = await dynamodb.config.region().catch(() => undefined);
  const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? (region ? `https://dynamodb.${region}.amazonaws.com` : 'DynamoDB (no region configured)');
  try {
    await tableAnswers(name, AbortSignal.timeout(10_000));
  } catch (error) {
    const missing = error instanceof Error && error.name === 'ResourceNotFoundException';
    if (where === 'local') {
      const found = missing ? `has no table "${name}"` : `does not answer (${errorText(error)})`;
      throw new Error(
        `The store at ${endpoint} ${found}. Start the system with \`npm start\`; if it runs on other ports, give this command the same DYNAMODB_PORT and SQS_PORT (e.g. DYNAMODB_PORT=8001 SQS_PORT=4567 npx optout-hub …). To work against AWS, export the stack's outputs (README, Deploy).`,
      );
    }
    const found = missing ? 'does not exist there' : `cannot be read there (${errorText(error)})`;
    throw new Error(
      `The table ${name} (${tables[table].env}) at ${endpoint} ${found}. Check AWS_REGION, your credentials (AWS_PROFILE) and the variables exported from the stack's outputs, or unset ${tables.preferences.env} to use the system \`npm start\` runs.`,
    );
  }
}
