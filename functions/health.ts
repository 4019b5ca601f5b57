import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { HealthAnswer } from '../shared/api/schemas.js';
import { queueUrl, tableName } from '../shared/platform/config.js';
import { httpHandler } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { tables, type TableKey } from '../shared/platform/resources.js';
import { channels } from '../shared/core/channels.js';
import { sqs, tableAnswers } from '../shared/store/clients.js';

/** A dependency that does not answer within this long counts as down. */
const CHECK_TIMEOUT_MS = 2000;

type Check = 'ok' | 'unavailable';

async function probe(operation: (abortSignal: AbortSignal) => Promise<unknown>): Promise<Check> {
  try {
    await operation(AbortSignal.timeout(CHECK_TIMEOUT_MS));
    return 'ok';
  } catch {
    return 'unavailable';
  }
}

/** GET /v1/health: 200 when every table and queue answers, 503 otherwise. */
export const handler = httpHandler(async () => {
  const tableKeys = Object.keys(tables) as TableKey[];
  const [tableChecks, queueChecks] = await Promise.all([
    Promise.all(tableKeys.map((key) => probe((abortSignal) => tableAnswers(tableName(key), abortSignal)))),
    Promise.all(
      channels.map((channel) =>
        probe((abortSignal) => sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl(channel), AttributeNames: ['QueueArn'] }), { abortSignal })),
      ),
    ),
  ]);
  const store = Object.fromEntries(tableKeys.map((key, i) => [key, tableChecks[i]]));
  const queues = Object.fromEntries(channels.map((channel, i) => [channel, queueChecks[i]]));
  const healthy = [...tableChecks, ...queueChecks].every((check) => check === 'ok');
  return jsonResponse(healthy ? 200 : 503, { status: healthy ? 'ok' : 'degraded', store, queues } satisfies HealthAnswer);
});
