import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { localAwsEnvironment, localClientOptions } from '../../../infra/local/services.js';
import { createPrintFile, printFileConnector, printFileRow, type PrintFileManifest } from '../../../shared/connectors/print-file.js';
import { suppressionMessage, type SuppressionMessage } from '../../../shared/distribution/fanout.js';
import { requestSchema, signalFromRequest } from '../../../shared/intake/requests/requests.js';
import type { IntegrationDeclaration } from '../../../shared/platform/integrations.js';
import { recordSignal } from '../../../shared/record/record-signal.js';
import { s3ObjectStore } from '../../../shared/store/objects.js';
import { ensureBucket } from '../../../shared/store/snapshots.js';
import { ackOf, deliver, run as runThrough } from '../../support/connector-harness.js';
import { createTestStack, type TestStack } from '../../support/local-stack.js';

/**
 * The `print-file` connector against DynamoDB Local and fauxqs's S3: the scheduled run writes the
 * current mail suppression file as CSV, and a change is acked only once a written file covers it.
 */

let stack: TestStack;
let s3: S3Client;
const bucket = `print-${randomBytes(4).toString('hex')}`;
const keyPrefix = 'vendor/acme/';
const integration: IntegrationDeclaration = { name: `print-${randomBytes(3).toString('hex')}`, connector: 'print-file', channels: ['mail'], settings: {} };
/** The scheduled run happens later than the changes it must cover: the clock the connector reads runs ahead. */
let clockAhead = 60_000;
let connector: ReturnType<typeof createPrintFile>;
const limits = { batchSize: printFileConnector.batchSize, requestsPerSecond: printFileConnector.requestsPerSecond };

beforeAll(async () => {
  for (const [name, value] of Object.entries(localAwsEnvironment)) process.env[name] = value;
  stack = await createTestStack();
  s3 = new S3Client({ ...localClientOptions(inject('sqsEndpoint')), forcePathStyle: true });
  await ensureBucket(s3, bucket);
  const settings = printFileConnector.settings.parse({ bucket, keyPrefix, endpoint: inject('sqsEndpoint') });
  connector = createPrintFile(
    { integration, settings },
    { store: stack.store, objects: s3ObjectStore({ endpoint: inject('sqsEndpoint') }), now: () => new Date(Date.now() + clockAhead), settleMs: 15_000 },
  );
});

let streetNumber = Math.floor(Math.random() * 9000);
const postal = () => ({ line1: `${++streetNumber} Elm St`, city: 'Springfield', state: 'IL', postalCode: '62701', country: 'US' });

async function mailRequest(kind: 'opt-out' | 'opt-in', address: ReturnType<typeof postal>, purpose?: string, recordedAt?: Date): Promise<SuppressionMessage> {
  const request = requestSchema.parse({
    requestId: `mail-${randomBytes(6).toString('hex')}`,
    kind,
    channels: ['mail'],
    ...(purpose ? { purpose } : {}),
    subject: { postal: address },
    occurredAt: new Date().toISOString(),
    source: 'mail',
    evidence: { collectedBy: 'mailroom', method: 'letter' },
  });
  const outcome = await recordSignal(
    stack.store,
    signalFromRequest(request, { receivedAt: new Date(), defaultRegion: 'US' }),
    recordedAt ? { now: () => recordedAt } : {},
  );
  return suppressionMessage(outcome.suppressions.find((item) => item.channel === 'mail')!);
}

async function currentFile(): Promise<Record<string, string>[]> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${keyPrefix}current.csv` }));
  return parse(await object.Body!.transformToString('utf8'), { columns: true }) as Record<string, string>[];
}

async function manifest(): Promise<PrintFileManifest> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${keyPrefix}current.json` }));
  return JSON.parse(await object.Body!.transformToString('utf8')) as PrintFileManifest;
}

/** As fan-out leaves them: the DELIVERY items recorded, the messages on the queue. */
async function enqueue(messages: SuppressionMessage[]): Promise<SuppressionMessage[]> {
  await deliver(stack.store, messages);
  return messages;
}

async function run(messages: readonly SuppressionMessage[], receiveCount = 1) {
  const { result, retryAfter } = await runThrough(stack.store, integration, connector, messages, limits, receiveCount);
  return { ...result, retryAfter };
}

describe('print-file connector', () => {
  it('acks a change only once a written file holds it; the file is every address suppressed now', async () => {
    const everything = await mailRequest('opt-out', postal());
    const marketing = await mailRequest('opt-out', postal(), 'marketing');
    const returning = postal();
    await mailRequest('opt-out', returning);
    const optIn = await mailRequest('opt-in', returning);
    const messages = [everything, marketing, optIn];
    const records = await enqueue(messages);

    // No file yet: every change waits for the next one, an hour (and the run's margin) away.
    const before = await run(records);
    expect(before).toMatchObject({ applied: 0, retried: 3 });
    expect([...before.retryAfter.values()]).toEqual([4200, 4200, 4200]);
    for (const message of messages) expect(await ackOf(stack.store, message, integration.name)).toBeUndefined();

    const written = await connector.scheduled();

    const rows = await currentFile();
    const byKey = new Map(rows.map((row) => [row.address_key, row]));
    expect(byKey.get(everything.address)).toMatchObject({
      street: everything.address.split('|')[0],
      city: 'SPRINGFIELD',
      state: 'IL',
      postal_code: '62701',
      country: 'US',
      purposes: 'all',
      version: String(everything.version),
    });
    expect(byKey.get(marketing.address)?.purposes).toBe('marketing');
    expect(byKey.has(optIn.address)).toBe(false);
    expect(written.rows).toBe(rows.length);
    expect(await manifest()).toEqual(written);
    // The dated file is kept beside the stable copy.
    expect(written.file).toMatch(new RegExp(`^${keyPrefix}\\d{4}-\\d{2}-\\d{2}/mail-suppressions-.*\\.csv$`));
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: written.file }));

    const after = await run(records, 2);
    expect(after).toMatchObject({ applied: 3, failed: [] });
    for (const message of messages) expect((await ackOf(stack.store, message, integration.name))?.version).toBe(message.version);
  });

  it('a change recorded after the last file waits for the next run, then is acked and in the file', async () => {
    // Recorded after the last file was started (ten minutes from now; that file ran a minute ahead).
    const late = await mailRequest('opt-out', postal(), undefined, new Date(Date.now() + 10 * 60_000));
    const records = await enqueue([late]);

    const waiting = await run(records);
    expect(waiting).toMatchObject({ applied: 0, retried: 1 });
    expect((await currentFile()).some((row) => row.address_key === late.address)).toBe(false);

    clockAhead = 11 * 60_000;
    await connector.scheduled();
    expect((await currentFile()).some((row) => row.address_key === late.address)).toBe(true);
    expect(await run(records)).toMatchObject({ applied: 1 });
  });

  it('a version already acked is not processed again', async () => {
    const message = await mailRequest('opt-out', postal());
    const records = await enqueue([message]);
    await connector.scheduled();
    expect(await run(records)).toMatchObject({ applied: 1 });
    expect(await run(records)).toMatchObject({ duplicates: 1, applied: 0 });
  });

  it('a run that started before the last file was written never replaces it', async () => {
    const newest = await manifest();
    const rowsBefore = await currentFile();
    const saved = clockAhead;
    clockAhead = 0;
    await connector.scheduled();
    clockAhead = saved;
    expect(await manifest()).toEqual(newest);
    expect(await currentFile()).toEqual(rowsBefore);
  });

  it('on an S3 emulator, creates the bucket it is given (as under npm start)', async () => {
    const fresh = `print-new-${randomBytes(4).toString('hex')}`;
    const local = createPrintFile(
      { integration, settings: printFileConnector.settings.parse({ bucket: fresh, endpoint: inject('sqsEndpoint') }) },
      { store: stack.store, objects: s3ObjectStore({ endpoint: inject('sqsEndpoint') }), now: () => new Date(), settleMs: 15_000 },
    );
    const written = await local.scheduled();
    const object = await s3.send(new GetObjectCommand({ Bucket: fresh, Key: 'mail-suppressions/current.json' }));
    expect(JSON.parse(await object.Body!.transformToString('utf8'))).toEqual(written);
  });

  it('with a purpose filter, the file holds the addresses suppressed for those purposes only', () => {
    const item = { address: '1 ELM ST|SPRINGFIELD|IL|62701|US', since: '2026-01-01T00:00:00.000Z', version: 2 };
    const accountOnly = { ...item, status: 'suppressed' as const, purposes: { all: 'allowed' as const, account: 'suppressed' as const } };
    expect(printFileRow(accountOnly, ['marketing'])).toBeUndefined();
    expect(printFileRow(accountOnly, undefined)?.[6]).toBe('account');
    const all = { ...item, status: 'suppressed' as const, purposes: { all: 'suppressed' as const } };
    expect(printFileRow(all, ['marketing'])).toEqual([
      '1 ELM ST|SPRINGFIELD|IL|62701|US',
      '1 ELM ST',
      'SPRINGFIELD',
      'IL',
      '62701',
      'US',
      'all',
      item.since,
      '2',
    ]);
  });

  it('asks only to write and read objects under its prefix, and runs hourly', () => {
    expect(printFileConnector.schedule).toEqual({ rate: 'rate(1 hour)' });
    expect(printFileConnector.awsPermissions!(printFileConnector.settings.parse({ bucket: 'acme-print', keyPrefix: 'optout/' }))).toEqual([
      { actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'], resources: ['arn:aws:s3:::acme-print/optout/*'] },
    ]);
  });
});
