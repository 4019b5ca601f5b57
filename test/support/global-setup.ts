import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, startQueueEmulator } from '../../infra/local/services.js';
import { isRunning } from './processes.js';

/** Starts DynamoDB Local and fauxqs once for all integration tests; each test file provisions its own tables and queues. */
export default async function setup(project: TestProject) {
  const dynamodb = await startDynamoDbLocal({ port: 0 });
  const queues = await startQueueEmulator({ port: 0 });
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  project.provide('sqsEndpoint', queues.endpoint);
  return async () => {
    await queues.stop();
    await dynamodb.stop();
    // A test run must leave no Java behind: fail it loudly if the JVM survived its stop.
    if (dynamodb.pid !== undefined && isRunning(dynamodb.pid)) {
      process.kill(dynamodb.pid, 'SIGKILL');
      throw new Error(`DynamoDB Local (pid ${dynamodb.pid}) was still running after it was stopped.`);
    }
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    sqsEndpoint: string;
  }
}
