import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  TrimmedDataAccessException,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { lambdaContext } from './lambda-context.js';

/**
 * What Lambda's DynamoDB event source mapping does, on one machine: read each shard in order,
 * hand the handler batches of the same shape, and honour partial batch failures by resuming at
 * the first failed record. After `maxRetries` failed attempts a record's location goes to the
 * on-failure queue (as Lambda's on-failure destination does) and the shard moves on.
 */

export type StreamFunction = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse | void>;

export interface StreamPollerOptions {
  streams: DynamoDBStreamsClient;
  streamArn: string;
  handler: StreamFunction;
  functionName: string;
  region: string;
  batchSize?: number;
  maxRetries?: number;
  /** Where records that exhausted their retries are described. */
  onFailure?: { sqs: SQSClient; queueUrl: string };
  idleDelayMs?: number;
  log?: (message: string) => void;
}

export interface StreamPoller {
  stop(): Promise<void>;
}

interface ShardCursor {
  shardId: string;
  iterator?: string;
  /** Resume point after a failure: the sequence number of the first record to redeliver. */
  retryFrom?: string;
  /** The last record the handler accepted: where reading resumes if an iterator goes stale. */
  checkpoint?: string;
  attempts: number;
}

function toLambdaRecord(record: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const change = record.dynamodb!;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: change.ApproximateCreationDateTime
        ? Math.floor(change.ApproximateCreationDateTime.getTime() / 1000)
        : undefined,
      Keys: change.Keys as never,
      NewImage: change.NewImage as never,
      OldImage: change.OldImage as never,
      SequenceNumber: change.SequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType as never,
    },
  };
}

export function startStreamPoller(options: StreamPollerOptions): StreamPoller {
  const batchSize = options.batchSize ?? 100;
  const maxRetries = options.maxRetries ?? 10;
  const idleDelayMs = options.idleDelayMs ?? 100;
  const log = options.log ?? (() => undefined);
  const cursors = new Map<string, ShardCursor>();
  const finished = new Set<string>();
  let running = true;

  async function discoverShards(): Promise<void> {
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await options.streams.send(
        new DescribeStreamCommand({ StreamArn: options.streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        const shardId = shard.ShardId!;
        // A child shard is read only once its parent is drained, keeping per-key order.
        if (cursors.has(shardId) || finished.has(shardId)) continue;
        if (shard.ParentShardId && !finished.has(shard.ParentShardId) && cursors.has(shard.ParentShardId)) continue;
        const { ShardIterator } = await options.streams.send(
          new GetShardIteratorCommand({ StreamArn: options.streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
        );
        cursors.set(shardId, { shardId, iterator: ShardIterator, attempts: 0 });
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
  }

  async function reportFailure(records: DynamoDBRecord[], shardId: string, reason: string): Promise<void> {
    const first = records[0]?.dynamodb?.SequenceNumber;
    const last = records[records.length - 1]?.dynamodb?.SequenceNumber;
    log(`fan-out gave up on ${records.length} record(s) in shard ${shardId} after ${maxRetries} attempts: ${reason}`);
    if (!options.onFailure) return;
    await options.onFailure.sqs.send(
      new SendMessageCommand({
        QueueUrl: options.onFailure.queueUrl,
        MessageBody: JSON.stringify({
          requestContext: { condition: 'RetryAttemptsExhausted', functionArn: options.functionName, approximateInvokeCount: maxRetries + 1 },
          DDBStreamBatchInfo: {
            shardId,
            startSequenceNumber: first,
            endSequenceNumber: last,
            batchSize: records.length,
            streamArn: options.streamArn,
          },
          reason,
        }),
      }),
    );
  }

  async function iteratorAfter(cursor: ShardCursor): Promise<string | undefined> {
    const { ShardIterator } = await options.streams.send(
      new GetShardIteratorCommand({
        StreamArn: options.streamArn,
        ShardId: cursor.shardId,
        ...(cursor.checkpoint
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: cursor.checkpoint }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return ShardIterator;
  }

  async function pollShard(cursor: ShardCursor): Promise<boolean> {
    if (cursor.retryFrom) {
      const { ShardIterator } = await options.streams.send(
        new GetShardIteratorCommand({
          StreamArn: options.streamArn,
          ShardId: cursor.shardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          SequenceNumber: cursor.retryFrom,
        }),
      );
      cursor.iterator = ShardIterator;
      cursor.retryFrom = undefined;
    }
    if (!cursor.iterator) {
      cursors.delete(cursor.shardId);
      finished.add(cursor.shardId);
      return false;
    }
    let page;
    try {
      page = await options.streams.send(new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: batchSize }));
    } catch (error) {
      // DynamoDB Local sometimes invalidates a long chain of empty-read iterators; like the
      // Lambda poller, start again from the checkpoint instead of skipping anything.
      if (!(error instanceof TrimmedDataAccessException || error instanceof ExpiredIteratorException)) throw error;
      cursor.iterator = await iteratorAfter(cursor);
      return true;
    }
    const { Records = [], NextShardIterator } = page;
    if (Records.length === 0) {
      cursor.iterator = NextShardIterator;
      return false;
    }
    const records = Records.map((record) => toLambdaRecord(record, options.streamArn, options.region));
    let failedFrom: number | undefined;
    let reason = '';
    try {
      const response = await options.handler({ Records: records }, lambdaContext(options.functionName, 60_000));
      const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      const index = records.findIndex((record) => failed.has(record.dynamodb!.SequenceNumber!));
      if (index >= 0) {
        failedFrom = index;
        reason = 'the handler reported the record as failed';
      }
    } catch (error) {
      failedFrom = 0;
      reason = describe(error);
    }
    if (failedFrom === undefined) {
      cursor.iterator = NextShardIterator;
      cursor.checkpoint = records[records.length - 1]!.dynamodb!.SequenceNumber;
      cursor.attempts = 0;
      return true;
    }
    if (failedFrom > 0) cursor.checkpoint = records[failedFrom - 1]!.dynamodb!.SequenceNumber;
    cursor.attempts += 1;
    log(`${options.functionName}: attempt ${cursor.attempts} failed for shard ${cursor.shardId}: ${reason}`);
    if (cursor.attempts > maxRetries) {
      // Give up on the failed record only; everything after it is delivered again.
      await reportFailure(records.slice(failedFrom, failedFrom + 1), cursor.shardId, reason);
      cursor.attempts = 0;
      const next = records[failedFrom + 1]?.dynamodb?.SequenceNumber;
      if (next) cursor.retryFrom = next;
      else cursor.iterator = NextShardIterator;
    } else {
      cursor.retryFrom = records[failedFrom]!.dynamodb!.SequenceNumber;
      await sleep(Math.min(2000, 50 * 2 ** cursor.attempts));
    }
    return true;
  }

  const loop = (async () => {
    let lastDiscovery = 0;
    while (running) {
      try {
        if (Date.now() - lastDiscovery > 1000 || cursors.size === 0) {
          await discoverShards();
          lastDiscovery = Date.now();
        }
        let busy = false;
        for (const cursor of [...cursors.values()]) {
          if (!running) break;
          busy = (await pollShard(cursor)) || busy;
        }
        if (!busy) await sleep(idleDelayMs);
      } catch (error) {
        if (!running) break;
        log(`stream poller: ${error instanceof Error ? error.message : String(error)}; retrying`)
        await sleep(1000);
      }
    }
  })();

  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** An error's message, with the first per-record cause of a whole-batch failure. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const causes = (error as Error & { recordErrors?: unknown[] }).recordErrors;
  const first = causes?.[0];
  return first instanceof Error ? `${error.message} First: ${first.message}` : error.message;
}
