import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, TrimmedDataAccessException } from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Suppression } from '../core/preferences.js';
import { dynamoDbStreamsEndpoint, storeClientOptions } from '../platform/config.js';

/**
 * Reading back the suppressions-table stream records a failed fan-out batch names: Lambda's
 * on-failure destination carries only their location (shard and sequence numbers), and the
 * suppression items a stream record carries, in DynamoDB's attribute-value form.
 */

/**
 * A stream client for the configured endpoint (dynamoDbStreamsEndpoint: DynamoDB Local's own when
 * it stands in), with the store's timeouts and tries (storeClientOptions), so a stream that stops
 * answering fails the redrive quickly instead of holding it.
 */
export function streamsClient(): DynamoDBStreamsClient {
  const endpoint = dynamoDbStreamsEndpoint();
  return new DynamoDBStreamsClient({ ...storeClientOptions(), ...(endpoint ? { endpoint } : {}) });
}

/** A suppression item from a stream record image, as the write path stored it. */
export function suppressionImage(value: Record<string, unknown> | undefined): Suppression | undefined {
  if (!value) return undefined;
  return unmarshall(value as Record<string, AttributeValue>) as Suppression;
}

/** The suppressions-table keys (pk) a fan-out failure names, from the message or the stream. */
export async function keysOfStreamFailure(streams: DynamoDBStreamsClient, body: Record<string, unknown>): Promise<string[]> {
  const listed = body.records as { keys?: { pk?: unknown } }[] | undefined;
  if (Array.isArray(listed) && listed.every((record) => typeof record.keys?.pk === 'string')) {
    return listed.map((record) => String(record.keys!.pk));
  }
  const info = body.DDBStreamBatchInfo as { shardId: string; startSequenceNumber: string; endSequenceNumber: string; streamArn: string } | undefined;
  if (!info?.shardId || !info.startSequenceNumber || !info.endSequenceNumber || !info.streamArn) {
    throw new Error('The dead letter names no stream records.');
  }
  const end = BigInt(info.endSequenceNumber);
  const keys: string[] = [];
  try {
    let { ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: info.streamArn,
        ShardId: info.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: info.startSequenceNumber,
      }),
    );
    for (let reads = 0; iterator && reads < 1000; reads++) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      for (const record of page.Records ?? []) {
        if (BigInt(record.dynamodb!.SequenceNumber!) > end) return [...new Set(keys)];
        keys.push(String(unmarshall(record.dynamodb!.Keys as never).pk));
      }
      if (!page.Records?.length && keys.length) break;
      iterator = page.NextShardIterator;
    }
  } catch (error) {
    if (error instanceof TrimmedDataAccessException) {
      throw new Error('The stream no longer holds these records (24 h retention): reconcile the channel from GET /v1/suppressions/{channel} instead.');
    }
    throw error;
  }
  return [...new Set(keys)];
}
