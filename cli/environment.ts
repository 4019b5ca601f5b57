import { localSystemEndpoints } from '../shared/platform/config.js';
import { localAwsEnvironment } from '../shared/platform/local-defaults.js';
import { tables } from '../shared/platform/resources.js';

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
    [tables.preferences.env]: tables.preferences.name,
    [tables.suppressions.env]: tables.suppressions.name,
  };
  for (const [name, value] of Object.entries(defaults)) process.env[name] ??= value;
  return 'local';
}
