import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { tableName } from '../config.js';

/**
 * AWS clients, created once per process. Endpoints follow the SDK's own variables
 * (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SQS), which the local runtime sets.
 */
export const dynamodb = new DynamoDBClient({});
export const documents = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});
export const sqs = new SQSClient({});

export interface StoreContext {
  documents: DynamoDBDocumentClient;
  tables: { preferences: string; suppressions: string };
}

/** The store as configured by the environment; tests build their own context instead. */
export function storeFromEnvironment(): StoreContext {
  return {
    documents,
    tables: { preferences: tableName('preferences'), suppressions: tableName('suppressions') },
  };
}
