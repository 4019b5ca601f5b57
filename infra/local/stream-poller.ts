import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  TrimmedDataAccessException,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { lambdaContext } from './lambda-context.js';

/**
 * What Lambda's DynamoDB event source mapping does, on one machine, with the settings the CDK
 * stack gives fan-out (ReportBatchItemFailures, BisectBatchOnFunctionError, bounded retries,
 * MaximumRecordAgeInSeconds, an SQS on-failure destination):
 *
 * - each shard is read in order, one batch at a time, in the same event shape Lambda sends;
 * - a partial batch failure checkpoints just before the first failed record (everything before it
 *   is done) and redelivers from that record;
 * - a failing batch of more than one record is split in halves, first half first, until the
 *   failing record stands alone (bisect), so a poison record cannot hold its neighbours back;
 * - a record failing alone is retried with backoff `maxRetries` times, then its location (shard,
 *   sequence numbers, and, as a local extension, the item's key for replay) goes to the on-failure
 *   queue and the shard moves on; so does a record older than `maxRecordAgeMs`.
 */

export type StreamFunction = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse | undefined>;

export interface StreamPollerOptions {
  streams: DynamoDBStreamsClient;
  streamArn: string;
  handler: StreamFunction;
  functionName: string;
  region: string;
  batchSize?: number;
  /** Retries of a record failing on its own before it is parked (Lambda's MaximumRetryAttempts). */
  maxRetries?: number;
  /** Split failing batches to isolate the failing record (Lambda's BisectBatchOnFunctionError). */
  bisectOnError?: boolean;
  /** Records older than this are parked instead of (re)tried (Lambda's MaximumRecordAgeInSeconds). */
  maxRecordAgeMs?: number;
  /** First retry delay; doubles with each retry of the same record, up to 2 s. */
  retryDelayMs?: number;
  /** Where records that exhausted their retries are described. */
  onFailure?: { sqs: SQSClient; queueUrl: string };
  idleDelayMs?: number;
  log?: (message: string) => void;
  /** The current time; a seam for record-age tests. */
  now?: () => number;
}

export interface StreamPoller {
  stop(): Promise<void>;
}

/** What goes on the on-failure queue: Lambda's documented shape, plus the records' keys. */
export interface StreamFailureMessage {
  requestContext: { condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded'; functionArn: string; approximateInvokeCount: number };
  responseContext?: { functionError: string };
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord?: string;
    approximateArrivalOfLastRecord?: string;
    batchSize: number;
    streamArn: string;
  };
  /** Local extension (Lambda sends only the location): each record's key, so replay needs no stream read. */
  records?: { sequenceNumber: string; eventName?: string; keys: Record<string, unknown> }[];
}

interface ShardCursor {
  shardId: string;
  iterator?: string;
  /** The last record done with (handled or parked): where reading resumes if an iterator goes stale. */
  checkpoint?: string;
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
      ApproximateCreationDateTime: change.ApproximateCreationDateTime ? Math.floor(change.ApproximateCreationDateTime.getTime() / 1000) : undefined,
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
  const bisectOnError = options.bisectOnError ?? true;
  const maxRecordAgeMs = options.maxRecordAgeMs ?? 6 * 60 * 60 * 1000;
  const retryDelayMs = options.retryDelayMs ?? 50;
  const idleDelayMs = options.idleDelayMs ?? 100;
  const now = options.now ?? Date.now;
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
        cursors.set(shardId, { shardId, iterator: ShardIterator });
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
  }

  const sequenceOf = (record: DynamoDBRecord) => record.dynamodb!.SequenceNumber!;
  const arrival = (record: DynamoDBRecord | undefined) => {
    const seconds = record?.dynamodb?.ApproximateCreationDateTime;
    return seconds === undefined ? undefined : new Date(seconds * 1000).toISOString();
  };

  /** Parks records on the on-failure queue; retried until it works, so nothing is dropped. */
  async function park(
    records: DynamoDBRecord[],
    shardId: string,
    condition: StreamFailureMessage['requestContext']['condition'],
    invokeCount: number,
    reason: string,
  ): Promise<void> {
    log(`${options.functionName}: parked ${records.length} record(s) of shard ${shardId} (${condition}): ${reason}`);
    if (!options.onFailure) return;
    const message: StreamFailureMessage = {
      requestContext: { condition, functionArn: options.functionName, approximateInvokeCount: invokeCount },
      ...(condition === 'RetryAttemptsExhausted' ? { responseContext: { functionError: reason } } : {}),
      timestamp: new Date(now()).toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: sequenceOf(records[0]!),
        endSequenceNumber: sequenceOf(records[records.length - 1]!),
        approximateArrivalOfFirstRecord: arrival(records[0]),
        approximateArrivalOfLastRecord: arrival(records[records.length - 1]),
        batchSize: records.length,
        streamArn: options.streamArn,
      },
      records: records.map((record) => ({
        sequenceNumber: sequenceOf(record),
        eventName: record.eventName,
        keys: unmarshall((record.dynamodb?.Keys ?? {}) as Record<string, AttributeValue>),
      })),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await options.onFailure.sqs.send(new SendMessageCommand({ QueueUrl: options.onFailure.queueUrl, MessageBody: JSON.stringify(message) }));
        return;
      } catch (error) {
        if (!running) throw error;
        log(`${options.functionName}: could not park records on the on-failure queue (${describe(error)}); retrying`);
        await sleep(Math.min(2000, 100 * attempt));
      }
    }
  }

  /** Runs the handler on one batch: the index of the first failed record, or undefined. */
  async function invoke(batch: DynamoDBRecord[]): Promise<{ failedFrom?: number; reason: string }> {
    try {
      const response = await options.handler({ Records: batch }, lambdaContext(options.functionName, 60_000));
      const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      if (failed.size === 0) return { reason: '' };
      // An identifier that names no record of the batch fails the whole batch, as on Lambda.
      const index = batch.findIndex((record) => failed.has(sequenceOf(record)));
      return { failedFrom: Math.max(index, 0), reason: 'the handler reported the record as failed' };
    } catch (error) {
      return { failedFrom: 0, reason: describe(error) };
    }
  }

  /**
   * Delivers one batch read from the shard: every record ends handled or parked, in shard order,
   * before the next batch is read.
   */
  async function deliver(cursor: ShardCursor, records: DynamoDBRecord[]): Promise<void> {
    const pending: DynamoDBRecord[][] = [records];
    const attempts = new Map<string, number>();
    while (pending.length > 0) {
      if (!running) throw new Error('stopped');
      let batch = pending.shift()!;
      const expired = batch.filter((record) => {
        const seconds = record.dynamodb?.ApproximateCreationDateTime;
        return seconds !== undefined && now() - seconds * 1000 > maxRecordAgeMs;
      });
      if (expired.length > 0) {
        await park(expired, cursor.shardId, 'RecordAgeExceeded', attempts.get(sequenceOf(expired[0]!)) ?? 0, 'older than the maximum record age');
        batch = batch.filter((record) => !expired.includes(record));
        if (batch.length === 0) {
          cursor.checkpoint = sequenceOf(expired[expired.length - 1]!);
          continue;
        }
      }
      const { failedFrom, reason } = await invoke(batch);
      if (failedFrom === undefined) {
        cursor.checkpoint = sequenceOf(batch[batch.length - 1]!);
        continue;
      }
      // Everything before the first failed record is done: the checkpoint moves up to it.
      if (failedFrom > 0) cursor.checkpoint = sequenceOf(batch[failedFrom - 1]!);
      const failing = batch.slice(failedFrom);
      if (bisectOnError && failing.length > 1) {
        const half = Math.ceil(failing.length / 2);
        log(`${options.functionName}: batch of ${failing.length} failed in shard ${cursor.shardId} (${reason}); bisecting`);
        pending.unshift(failing.slice(0, half), failing.slice(half));
        continue;
      }
      const first = sequenceOf(failing[0]!);
      const attempt = (attempts.get(first) ?? 0) + 1;
      attempts.set(first, attempt);
      if (attempt > maxRetries) {
        await park(failing, cursor.shardId, 'RetryAttemptsExhausted', attempt, reason);
        cursor.checkpoint = sequenceOf(failing[failing.length - 1]!);
        continue;
      }
      log(`${options.functionName}: attempt ${attempt} failed for ${failing.length} record(s) in shard ${cursor.shardId}: ${reason}`);
      await sleep(Math.min(2000, retryDelayMs * 2 ** (attempt - 1)));
      pending.unshift(failing);
    }
  }

  async function iteratorAfter(cursor: ShardCursor): Promise<string | undefined> {
    const { ShardIterator } = await options.streams.send(
      new GetShardIteratorCommand({
        StreamArn: options.streamArn,
        ShardId: cursor.shardId,
        ...(cursor.checkpoint ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: cursor.checkpoint } : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return ShardIterator;
  }

  async function pollShard(cursor: ShardCursor): Promise<boolean> {
    if (!cursor.iterator) {
      cursors.delete(cursor.shardId);
      finished.add(cursor.shardId);
      return false;
    }
    let page: GetRecordsCommandOutput;
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
    await deliver(
      cursor,
      Records.map((record) => toLambdaRecord(record, options.streamArn, options.region)),
    );
    cursor.iterator = NextShardIterator;
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
        log(`stream poller: ${error instanceof Error ? error.message : String(error)}; retrying`);
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
