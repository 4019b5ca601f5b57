import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough } from 'node:stream';
import type { Channel } from '../core/channels.js';
import { DependencyError } from '../core/errors.js';
import { s3PathStyle, storeClientOptions } from '../platform/config.js';

/**
 * The snapshots bucket: reconciliation streams each channel's snapshot there and leaves its
 * report beside it. The only S3 code of the system.
 */

/** Where a snapshot's lines go. */
export interface SnapshotSink {
  write(line: string): Promise<void>;
  close(): Promise<{ bucket: string; key: string }>;
  abort(): Promise<void>;
}

/**
 * An S3 client for the configured endpoint; path-style when an emulator (fauxqs) stands in for S3.
 * Each call (a part of an upload is one) has the store's timeouts and tries (storeClientOptions).
 */
export function snapshotClient(): S3Client {
  return new S3Client({ ...storeClientOptions(), forcePathStyle: s3PathStyle() });
}

const stamp = (at: Date) => at.toISOString().replace(/[:.]/g, '-');

export function snapshotKey(channel: Channel, at: Date): string {
  return `snapshots/${channel}/${at.toISOString().slice(0, 10)}/${stamp(at)}.jsonl`;
}

export function reportKey(channel: Channel, at: Date): string {
  return `reports/${channel}/${at.toISOString().slice(0, 10)}/${stamp(at)}.json`;
}

/**
 * Streams JSON lines to one S3 object with a multipart upload, so a snapshot of millions of
 * items never sits in memory; `write` waits whenever the upload falls behind.
 */
export function s3Snapshot(s3: S3Client, bucket: string): (channel: Channel, at: Date) => SnapshotSink {
  return (channel, at) => {
    const key = snapshotKey(channel, at);
    const body = new PassThrough({ highWaterMark: 1 << 20 });
    const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: body, ContentType: 'application/x-ndjson' } });
    const done = upload.done();
    // Surface a failed upload at the next write or at close, not as an unhandled rejection.
    done.catch(() => undefined);
    return {
      async write(line) {
        if (!body.write(line)) await new Promise<void>((resolve) => body.once('drain', resolve));
      },
      async close() {
        body.end();
        try {
          await done;
        } catch (error) {
          throw new DependencyError('The snapshot could not be written to S3.', {}, error);
        }
        return { bucket, key };
      },
      async abort() {
        await upload.abort();
        body.destroy();
      },
    };
  };
}

export async function writeReport(s3: S3Client, bucket: string, report: { channel: Channel; startedAt: string }): Promise<string> {
  const key = reportKey(report.channel, new Date(report.startedAt));
  await s3
    .send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(report, null, 2), ContentType: 'application/json' }))
    .catch((error: unknown) => {
      throw new DependencyError('The reconciliation report could not be written to S3.', {}, error);
    });
  return key;
}

/** Creates the bucket where only an emulator runs (on AWS the stack owns it). */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
}
