import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { storeClientOptions, tableName } from '../platform/config.js';

/**
 * AWS clients, created once per process. Endpoints follow the SDK's own variables
 * (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SQS), which the local runtime sets. Every call
 * is bounded (storeClientOptions: STORE_* timeouts and tries), so a store that stops answering
 * becomes a quick DependencyError (503) rather than a request that hangs.
 */
export const dynamodb = new DynamoDBClient(storeClientOptions());
export const documents = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});
// Send to the configured endpoint, not the host inside the queue URL: on AWS they agree, and
// an emulator's queue URLs may name a host that does not resolve.
export const sqs = new SQSClient({ ...storeClientOptions(), useQueueUrlAsEndpoint: false });
/** The channel topics (AWS_ENDPOINT_URL_SNS locally). */
export const sns = new SNSClient(storeClientOptions());

export interface StoreContext {
  documents: DynamoDBDocumentClient;
  tables: { preferences: string; suppressions: string };
}

/**
 * The store as configured by the environment; tests build their own context instead. Table
 * names are read on use, so a function is only given the tables its declaration grants.
 */
export function storeFromEnvironment(): StoreContext {
  return {
    documents,
    tables: {
      get preferences() {
        return tableName('preferences');
      },
      get suppressions() {
        return tableName('suppressions');
      },
    },
  };
}

/** Resolves when the table answers a DescribeTable (the health check's probe). */
export async function tableAnswers(table: string, abortSignal: AbortSignal): Promise<void> {
  await dynamodb.send(new DescribeTableCommand({ TableName: table }), { abortSignal });
}
