import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { statusFor, type Suppression } from '../core/preferences.js';
import { exportSettleMs } from '../platform/config.js';
import { channelSuppressionPages } from '../store/channel-suppressions.js';
import { storeFromEnvironment, type StoreContext } from '../store/clients.js';
import { s3ObjectStore, type ObjectStore } from '../store/objects.js';
import type { ChangeOutcome, ConnectorContext, ConnectorDefinition } from './connector.js';

/**
 * `print-file`: the current mail suppression file for a print vendor, written as CSV to an S3
 * bucket every hour. docs/connectors/print-file.md.
 *
 * The file is rebuilt from the suppressions table (the mail channel's partition of the changes
 * index, the same source as the export) rather than patched change by change, so it is always
 * the whole current list and a lost message can never leave an address out of it. Each run
 * writes a dated file, copies it to `current.csv`, and only then writes `current.json`, the
 * manifest that says which changes the file covers.
 *
 * A change on the integration's queue is acked only once a written file covers it: that is what
 * "applied" means for a print vendor (the file they pick up holds it). Until then apply() answers
 * `retry` with the time of the next file, so the queue brings the change back after it.
 */

/** How often the file is rewritten (the EventBridge rule and the local timer read this). */
const RATE = 'rate(1 hour)';
const INTERVAL_MS = 3600_000;
/** How long after the next scheduled run a waiting change comes back: time for the run to finish. */
const RUN_MARGIN_MS = 10 * 60_000;

const settings = z
  .object({
    /** The bucket the print vendor reads. */
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
    /** Where under the bucket the files go; ends with `/` for a folder. */
    keyPrefix: z
      .string()
      .regex(/^(?!\/)[A-Za-z0-9!_.*'()/-]{0,200}$/, 'must be an S3 key prefix (no leading /)')
      .default('mail-suppressions/'),
    /** The bucket's Region; the function's own when omitted. */
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS Region such as us-east-1')
      .optional(),
    /** Another S3 endpoint (a test server); AWS_ENDPOINT_URL_S3 also works. */
    endpoint: z.string().url().optional(),
  })
  .strict();

export type PrintFileSettings = z.infer<typeof settings>;

/** What `current.json` says about the file last written. */
export interface PrintFileManifest {
  channel: 'mail';
  /** The dated file this run wrote, and the stable copy of it. */
  file: string;
  current: string;
  writtenAt: string;
  /** Every change recorded at or before this time is in the file (as it is, or as a later version). */
  coversChangesRecordedUpTo: string;
  rows: number;
  /** The integration's purpose filter; every purpose when null. */
  purposes: string[] | null;
}

export const PRINT_FILE_COLUMNS = ['address_key', 'street', 'city', 'state', 'postal_code', 'country', 'purposes', 'suppressed_since', 'version'] as const;

export function printFileKeys(keyPrefix: string, at: Date): { file: string; current: string; manifest: string } {
  const stamp = at.toISOString().replace(/[:.]/g, '-');
  return {
    file: `${keyPrefix}${at.toISOString().slice(0, 10)}/mail-suppressions-${stamp}.csv`,
    current: `${keyPrefix}current.csv`,
    manifest: `${keyPrefix}current.json`,
  };
}

/**
 * The file's row for an address, or undefined when the vendor may mail it: suppressed for any of
 * the integration's purposes (any purpose at all when it declares none).
 */
export function printFileRow(
  item: Pick<Suppression, 'address' | 'status' | 'purposes' | 'since' | 'version'>,
  purposes: readonly string[] | undefined,
): string[] | undefined {
  const suppressed = purposes?.length ? purposes.filter((purpose) => statusFor(item, purpose) === 'suppressed') : item.status === 'suppressed' ? ['*'] : [];
  if (!suppressed.length) return undefined;
  const named = Object.entries(item.purposes)
    .filter(([, status]) => status === 'suppressed')
    .map(([purpose]) => purpose);
  const [street = '', city = '', state = '', postalCode = '', country = ''] = item.address.split('|');
  return [item.address, street, city, state, postalCode, country, named.sort().join(';'), item.since, String(item.version)];
}

export interface PrintFilePorts {
  store: StoreContext;
  objects: ObjectStore;
  now: () => Date;
  settleMs: number;
}

/** The connector with its ports given (tests give the test stack's store and the emulator's S3). */
export function createPrintFile(
  { integration, settings: { bucket, keyPrefix } }: Pick<ConnectorContext<PrintFileSettings>, 'integration' | 'settings'>,
  ports: PrintFilePorts,
) {
  const purposes = integration.purposes?.length ? [...integration.purposes] : undefined;
  const manifestKey = printFileKeys(keyPrefix, new Date(0)).manifest;
  const readManifest = async () => (await ports.objects.getJson(bucket, manifestKey)) as PrintFileManifest | undefined;

  return {
    async apply(changes: readonly { recordedAt: string }[]): Promise<ChangeOutcome[]> {
      const manifest = await readManifest();
      const covered = manifest ? Date.parse(manifest.coversChangesRecordedUpTo) : Number.NEGATIVE_INFINITY;
      const now = ports.now().getTime();
      const nextFileAt = (manifest ? Date.parse(manifest.writtenAt) : now) + INTERVAL_MS;
      // Past the next run's time, the run is failing: the runtime's back-off then paces the wait.
      const untilNextFile = nextFileAt + RUN_MARGIN_MS - now;
      const waiting: ChangeOutcome = {
        outcome: 'retry',
        reason: 'Waiting for the next mail suppression file to include this change.',
        ...(untilNextFile > 0 ? { afterMs: untilNextFile } : {}),
      };
      return changes.map((change) => (Date.parse(change.recordedAt) <= covered ? { outcome: 'applied' } : waiting));
    },

    /** Writes the file of every address currently suppressed on the mail channel, then the manifest. */
    async scheduled(): Promise<PrintFileManifest> {
      await ports.objects.prepareBucket(bucket);
      const startedAt = ports.now();
      const keys = printFileKeys(keyPrefix, startedAt);
      const sink = ports.objects.stream(bucket, keys.file, 'text/csv; charset=utf-8');
      let rows = 0;
      try {
        await sink.write(stringify([[...PRINT_FILE_COLUMNS]]));
        for await (const page of channelSuppressionPages(ports.store, 'mail')) {
          const lines = page.map((item) => printFileRow(item, purposes)).filter((row): row is string[] => row !== undefined);
          rows += lines.length;
          if (lines.length) await sink.write(stringify(lines));
        }
      } catch (error) {
        await sink.abort();
        throw error;
      }
      await sink.close();
      const manifest: PrintFileManifest = {
        channel: 'mail',
        file: keys.file,
        current: keys.current,
        writtenAt: ports.now().toISOString(),
        coversChangesRecordedUpTo: new Date(startedAt.getTime() - ports.settleMs).toISOString(),
        rows,
        purposes: purposes ?? null,
      };
      // Two overlapping runs: the stable copy and the manifest never go back to an older file (its dated file stays).
      const previous = await readManifest();
      if (previous && previous.coversChangesRecordedUpTo > manifest.coversChangesRecordedUpTo) return previous;
      await ports.objects.copy(bucket, keys.file, keys.current);
      await ports.objects.putJson(bucket, keys.manifest, manifest);
      return manifest;
    },
  };
}

export const printFileConnector: ConnectorDefinition<PrintFileSettings> = {
  kind: 'print-file',
  channels: ['mail'],
  settings,
  // apply() only reads the manifest: one read per chunk of a queue batch.
  batchSize: 10,
  requestsPerSecond: 50,
  runsFunction: true,
  schedule: { rate: RATE },
  // The current file is rebuilt from the mail channel's changes (store/channel-suppressions.ts).
  queriesIndexes: { suppressions: ['changes'] },
  awsPermissions: ({ bucket, keyPrefix }) => [
    // The dated file, its copy and the manifest (a copy reads its source).
    { actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'], resources: [`arn:aws:s3:::${bucket}/${keyPrefix}*`] },
  ],
  create(context) {
    const { region, endpoint } = context.settings;
    const printFile = createPrintFile(context, {
      store: storeFromEnvironment(),
      objects: s3ObjectStore({ region, endpoint }),
      now: () => new Date(),
      settleMs: exportSettleMs(),
    });
    return {
      apply: printFile.apply,
      scheduled: async () => {
        await printFile.scheduled();
      },
    };
  },
};
