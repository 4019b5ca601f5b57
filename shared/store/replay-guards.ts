import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../platform/config.js';
import { documents } from './clients.js';
import { guard } from './dynamo.js';

/**
 * The replay-guards table: one item per single-use webhook token, with `expiresAt` (Unix
 * seconds), on which DynamoDB's TTL deletes it. Nothing else lives there, so no expiry can ever
 * touch an event or a record in the preferences table.
 */

export interface ReplayGuardStore {
  documents: DynamoDBDocumentClient;
  table: string;
}

/** The table named by REPLAY_GUARDS_TABLE, read on use (only email-inbound is given it). */
export function replayGuardsFromEnvironment(): ReplayGuardStore {
  return {
    documents,
    get table() {
      return tableName('replayGuards');
    },
  };
}

export interface ReplayClaim {
  /** Records that the request was fully processed: from then on the token is refused even with its own body. */
  markUsed(): Promise<void>;
}

/**
 * Claims `key` for the request whose body hashes to `bodySha256`, until `expiresAt`. Resolves
 * to undefined (a replay) when the key was claimed with another body, or already marked used.
 * The same body before it was marked used is the sender retrying a request we failed, and
 * goes through again.
 */
export async function claimOnce(
  store: ReplayGuardStore,
  claim: { key: { pk: string }; bodySha256: string; expiresAt: number },
): Promise<ReplayClaim | undefined> {
  try {
    await guard(() =>
      store.documents.send(
        new PutCommand({
          TableName: store.table,
          Item: { ...claim.key, bodySha256: claim.bodySha256, expiresAt: claim.expiresAt },
          ConditionExpression: 'attribute_not_exists(pk) OR (bodySha256 = :body AND attribute_not_exists(usedAt))',
          ExpressionAttributeValues: { ':body': claim.bodySha256 },
        }),
      ),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
  return {
    async markUsed() {
      await guard(() =>
        store.documents.send(
          new UpdateCommand({
            TableName: store.table,
            Key: claim.key,
            // expiresAt again: an update never leaves an item that TTL would not delete.
            UpdateExpression: 'SET usedAt = :now, expiresAt = :expiresAt',
            ExpressionAttributeValues: { ':now': new Date().toISOString(), ':expiresAt': claim.expiresAt },
          }),
        ),
      );
    },
  };
}
