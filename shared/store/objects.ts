import { CopyObjectCommand, CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough } from 'node:stream';
import { DependencyError } from '../core/errors.js';
import { s3PathStyle } from '../platform/config.js';

/**
 * Objects written to a bucket a connector is given (the print vendor's suppression file): a file
 * streamed with a multipart upload, a server-side copy, and small JSON documents. Like
 * snapshots.ts, the only other S3 code of the system.
 */

export interface ObjectSink {
  write(text: string): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

export interface ObjectStore {
  /** Streams text to one object; nothing is visible under the key until close() succeeds. */
  stream(bucket: string, key: string, contentType: string): ObjectSink;
  copy(bucket: string, from: string, to: string): Promise<void>;
  putJson(bucket: string, key: string, value: unknown): Promise<void>;
  /** The JSON document at the key, or undefined when there is none. */
  getJson(bucket: string, key: string): Promise<unknown>;
  /** Creates the bucket where an emulator stands in for S3 (`npm start`); on AWS the bucket is yours and this does nothing. */
  prepareBucket(bucket: string): Promise<void>;
}

/** An object store on S3; `endpoint` (or AWS_ENDPOINT_URL_S3) for an emulator, addressed path-style. */
export function s3ObjectStore(options: { region?: string; endpoint?: string } = {}): ObjectStore {
  const emulated = Boolean(options.endpoint) || s3PathStyle();
  const s3 = new S3Client({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: emulated,
  });
  const failed = (what: string) => (error: unknown) => {
    throw new DependencyError(`${what} could not be written to S3.`, {}, error);
  };
  return {
    stream(bucket, key, contentType) {
      const body = new PassThrough({ highWaterMark: 1 << 20 });
      const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType } });
      const done = upload.done();
      // Surface a failed upload at the next write or at close, not as an unhandled rejection.
      done.catch(() => undefined);
      return {
        async write(text) {
          if (!body.write(text)) await new Promise<void>((resolve) => body.once('drain', resolve));
        },
        async close() {
          body.end();
          await done.then(() => undefined, failed('The file'));
        },
        async abort() {
          await upload.abort().catch(() => undefined);
          body.destroy();
        },
      };
    },
    async copy(bucket, from, to) {
      await s3
        .send(new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: `${bucket}/${from.split('/').map(encodeURIComponent).join('/')}` }))
        .then(() => undefined, failed('The copy'));
    },
    async putJson(bucket, key, value) {
      await s3
        .send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(value, null, 2), ContentType: 'application/json' }))
        .then(() => undefined, failed('The document'));
    },
    async prepareBucket(bucket) {
      if (!emulated) return;
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw new DependencyError('S3 did not answer.', {}, error);
      }
    },
    async getJson(bucket, key) {
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return JSON.parse((await object.Body?.transformToString('utf8')) ?? 'null') as unknown;
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
        throw new DependencyError('S3 did not answer.', {}, error);
      }
    },
  };
}
