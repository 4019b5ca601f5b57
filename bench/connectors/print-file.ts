import { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { localAwsEnvironment, localClientOptions, startQueueEmulator } from '../../infra/local/services.js';
import { printFileConnector, printFileKeys, type PrintFileManifest } from '../../shared/connectors/print-file.js';
import { s3ObjectStore } from '../../shared/store/objects.js';
import { ensureBucket } from '../../shared/store/snapshots.js';
import type { ConnectorBenchCase } from '../connectors.js';

/**
 * `print-file` on fauxqs's S3. Its apply() calls no vendor: it reads the manifest of the last
 * file and acks the changes that file covers. The case writes a manifest of a file covering
 * every change the bench will make (as the hourly run would once it has passed), so the figure
 * is the cost of acking from the manifest; the file itself is timed by the scheduled run.
 */
export const benchCase: ConnectorBenchCase = {
  kind: printFileConnector.kind,
  async start() {
    for (const [name, value] of Object.entries(localAwsEnvironment)) process.env[name] ??= value;
    const s3Emulator = await startQueueEmulator({ port: 0 });
    const bucket = `bench-print-${randomBytes(4).toString('hex')}`;
    const s3 = new S3Client({ ...localClientOptions(s3Emulator.endpoint), forcePathStyle: true });
    await ensureBucket(s3, bucket);
    s3.destroy();
    const keyPrefix = 'vendor/';
    const at = new Date();
    const keys = printFileKeys(keyPrefix, at);
    const manifest: PrintFileManifest = {
      channel: 'mail',
      file: keys.file,
      current: keys.current,
      writtenAt: at.toISOString(),
      coversChangesRecordedUpTo: new Date(at.getTime() + 24 * 3600_000).toISOString(),
      rows: 0,
      purposes: null,
    };
    await s3ObjectStore({ endpoint: s3Emulator.endpoint }).putJson(bucket, keys.manifest, manifest);
    return {
      settings: { bucket, keyPrefix, endpoint: s3Emulator.endpoint },
      secret: undefined,
      channel: 'mail',
      close: () => s3Emulator.stop(),
    };
  },
};
