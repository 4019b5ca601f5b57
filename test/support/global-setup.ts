import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, startQueueEmulator } from '../../infra/local/services.js';

/** Starts DynamoDB Local and fauxqs once for all integration tests; each test file provisions its own tables and queues. */
export default async function setup(project: TestProject) {
  const dynamodb = await startDynamoDbLocal({ port: 0 });
  const queues = await startQueueEmulator({ port: 0 });
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  project.provide('sqsEndpoint', queues.endpoint);
  return async () => {
    await queues.stop();
    await dynamodb.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    sqsEndpoint: string;
  }
}
