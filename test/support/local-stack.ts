import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { provision, resourceEnvironment, type LocalResources } from '../../infra/local/provision.js';
import { localAwsEnvironment, localClientOptions } from '../../infra/local/services.js';
import { localDefaults } from '../../infra/local/runtime.js';
import type { StoreContext } from '../../shared/store/clients.js';

/**
 * A private copy of the declared tables and queues on the shared emulators, so test files can
 * run in parallel without seeing each other's items or messages.
 */
export interface TestStack {
  resources: LocalResources;
  store: StoreContext;
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  sqs: SQSClient;
  sns: SNSClient;
  /** What a deployed function's environment would hold, pointed at this copy. */
  environment: Record<string, string>;
}

export async function createTestStack(): Promise<TestStack> {
  const dynamodbEndpoint = inject('dynamodbEndpoint');
  const sqsEndpoint = inject('sqsEndpoint');
  const dynamodb = new DynamoDBClient(localClientOptions(dynamodbEndpoint));
  const sqs = new SQSClient(localClientOptions(sqsEndpoint));
  const streams = new DynamoDBStreamsClient(localClientOptions(dynamodbEndpoint));
  const prefix = `t${randomBytes(4).toString('hex')}-`;
  const sns = new SNSClient(localClientOptions(sqsEndpoint));
  const resources = await provision({ dynamodb, sqs, sns }, prefix);
  const store: StoreContext = {
    documents: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    tables: { preferences: resources.tables.preferences.name, suppressions: resources.tables.suppressions.name },
  };
  const environment = {
    ...localAwsEnvironment,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    AWS_ENDPOINT_URL_SNS: sqsEndpoint,
    // As `npm start` does: DynamoDB Local on a loaded machine is slower than the AWS default allows.
    STORE_REQUEST_TIMEOUT_MS: localDefaults.STORE_REQUEST_TIMEOUT_MS,
    STORE_MAX_ATTEMPTS: localDefaults.STORE_MAX_ATTEMPTS,
    ...resourceEnvironment(resources),
  };
  return { resources, store, dynamodb, streams, sqs, sns, environment };
}

/**
 * Receives (and deletes) messages from a queue until `count` of them are about `address`, or
 * `attempts` polls have passed; returns the parsed bodies of those about `address`.
 */
export async function receiveMessagesFor<T extends { address: string }>(
  sqs: SQSClient,
  queueUrl: string,
  address: string,
  count: number,
  attempts = 20,
): Promise<(T & { attributes: Message['MessageAttributes'] })[]> {
  const received: (T & { attributes: Message['MessageAttributes'] })[] = [];
  for (let attempt = 0; attempt < attempts && received.length < count; attempt++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
    );
    for (const message of Messages) {
      const body = JSON.parse(message.Body!) as T;
      if (body.address === address) received.push({ ...body, attributes: message.MessageAttributes });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
    if (Messages.length === 0) await sleep(100);
  }
  return received;
}
