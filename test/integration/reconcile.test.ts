import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { recordAcks } from '../../shared/audit/acks.js';
import { reconcileChannel } from '../../shared/audit/reconcile.js';
import { ensureBucket, s3Snapshot, writeReport } from '../../shared/store/snapshots.js';
import { slaPolicy } from '../../shared/core/sla.js';
import { signalFromSms } from '../../shared/intake/sms/inbound.js';
import { recordDelivery } from '../../shared/store/deliveries.js';
import { keys } from '../../shared/store/keys.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { localClientOptions } from '../../infra/local/services.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';
import { phoneNumbers } from '../support/phones.js';

/** Reconciliation against DynamoDB Local and fauxqs's S3: the snapshot, drift and SLA flags. */

let stack: TestStack;
let s3: S3Client;
const bucket = `snapshots-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  stack = await createTestStack();
  s3 = new S3Client({ ...localClientOptions(inject('sqsEndpoint')), forcePathStyle: true });
  await ensureBucket(s3, bucket);
});

const phone = phoneNumbers('212');

function stop(from: string, at: string) {
  const messageId = `SM${randomBytes(16).toString('hex')}`;
  return signalFromSms(
    { provider: 'twilio', messageId, from, to: '+15017250604', text: 'STOP' },
    { receivedAt: new Date(at), defaultRegion: 'US', rawBody: messageId },
  )!;
}

async function stopped(address: string, at: string, options: { enqueued?: boolean; ackedAt?: string } = {}) {
  const outcome = await recordSignal(stack.store, stop(address, at), { now: () => new Date(at) });
  const item = outcome.suppressions[0]!;
  if (options.enqueued ?? true) {
    await recordDelivery(
      stack.store,
      { channel: 'sms', address, version: item.version, eventId: item.eventId, messageId: `sms:${address}:v${item.version}`, personId: item.personId },
      new Date(at),
    );
  }
  if (options.ackedAt) await recordAcks(stack.store, 'sms-sync', [{ channel: 'sms', address, version: item.version }], () => new Date(options.ackedAt!));
  return item;
}

describe('reconciliation', () => {
  it('writes a full snapshot to S3, reports drift, and flags the channel that has not acked within target or near the deadline', async () => {
    // Monday 2026-05-04 10:00 UTC; the run is on Friday 2026-05-15 20:00,
    // 274 of the deadline's 336 hours later (it falls on Monday 2026-05-18 10:00).
    const recorded = '2026-05-04T10:00:00.000Z';
    const applied = phone();
    const unacked = phone();
    const neverEnqueued = phone();
    const drifted = phone();
    const fresh = phone();
    await stopped(applied, recorded, { ackedAt: '2026-05-04T10:03:00.000Z' });
    await stopped(unacked, recorded);
    await stopped(neverEnqueued, recorded, { enqueued: false });
    await stopped(drifted, recorded, { ackedAt: '2026-05-04T10:01:00.000Z' });
    await stopped(fresh, '2026-05-15T19:58:00.000Z', { enqueued: false });
    // Something outside the write path lifted a suppression the record still holds.
    await stack.store.documents.send(
      new UpdateCommand({
        TableName: stack.store.tables.suppressions,
        Key: keys.suppression('sms', drifted),
        UpdateExpression: 'SET #status = :allowed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':allowed': 'allowed' },
      }),
    );

    const now = new Date('2026-05-15T20:00:00.000Z');
    const report = await reconcileChannel(stack.store, 'sms', {
      policy: slaPolicy(),
      expected: () => [],
      now: () => now,
      snapshot: s3Snapshot(s3, bucket),
    });

    expect(report.items).toBe(5);
    expect(report.suppressed).toBe(4);
    const kindsOf = (address: string) =>
      report.findings
        .filter((finding) => finding.address === address)
        .map((finding) => finding.kind)
        .sort();
    expect(kindsOf(applied)).toEqual([]);
    expect(kindsOf(unacked)).toEqual(['approaching-deadline', 'past-target']);
    expect(kindsOf(neverEnqueued)).toEqual(['approaching-deadline', 'delivery-missing', 'past-target']);
    expect(kindsOf(drifted)).toEqual(['state-differs']);
    // Two minutes old: not yet expected on the queue, nor late.
    expect(kindsOf(fresh)).toEqual([]);
    expect(report.counts).toMatchObject({ 'past-target': 2, 'approaching-deadline': 2, 'past-deadline': 0, 'state-differs': 1, 'delivery-missing': 1 });
    expect(report.findings.find((finding) => finding.address === unacked && finding.kind === 'approaching-deadline')).toMatchObject({
      deadlineAt: '2026-05-18T10:00:00.000Z',
      deadlineElapsed: expect.closeTo(0.815, 2),
    });

    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: report.snapshot!.key }));
    const lines = (await object.Body!.transformToString())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { address: string; channel: string; version: number });
    expect(lines.map((line) => line.address).sort()).toEqual([applied, unacked, neverEnqueued, drifted, fresh].sort());
    expect(lines.every((line) => line.channel === 'sms' && line.version === 1)).toBe(true);

    const reportKey = await writeReport(s3, bucket, report);
    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: reportKey }));
    expect(JSON.parse(await stored.Body!.transformToString())).toMatchObject({ channel: 'sms', counts: report.counts });
  });

  it('reports a person whose record implies a suppression the table does not hold, and not a consistent one', async () => {
    const recorded = '2026-05-04T10:00:00.000Z';
    const lost = phone();
    const kept = phone();
    const lostItem = await stopped(lost, recorded, { ackedAt: '2026-05-04T10:01:00.000Z' });
    const keptItem = await stopped(kept, recorded, { ackedAt: '2026-05-04T10:01:00.000Z' });
    // Something outside the write path deleted the item the record still implies.
    await stack.store.documents.send(new DeleteCommand({ TableName: stack.store.tables.suppressions, Key: keys.suppression('sms', lost) }));

    const report = await reconcileChannel(stack.store, 'sms', { policy: slaPolicy(), expected: () => [], now: () => new Date('2026-05-04T12:00:00.000Z') });

    expect(report.people).toBeGreaterThanOrEqual(2);
    expect(report.findings.filter((finding) => finding.address === lost)).toEqual([
      expect.objectContaining({ kind: 'item-missing', channel: 'sms', personId: lostItem.personId, status: 'suppressed', version: 0 }),
    ]);
    expect(report.findings.filter((finding) => finding.address === kept || finding.personId === keptItem.personId)).toEqual([]);
    expect(report.counts['item-missing']).toBe(report.findings.filter((finding) => finding.kind === 'item-missing').length);
    expect(report.counts['item-missing']).toBeGreaterThanOrEqual(1);
  });

  it('flags a passed deadline, and counts a channel applied only once every expected integration acked', async () => {
    const address = phone();
    await stopped(address, '2026-05-04T10:00:00.000Z', { ackedAt: '2026-05-04T10:02:00.000Z' });
    const report = await reconcileChannel(stack.store, 'sms', {
      policy: slaPolicy(),
      expected: () => ['sms-sync', 'crm-sync'],
      now: () => new Date('2026-05-19T09:00:00.000Z'),
    });
    const mine = report.findings.filter((finding) => finding.address === address);
    expect(mine.map((finding) => finding.kind).sort()).toEqual(['past-deadline', 'past-target']);
    expect(mine[0]!.awaiting).toEqual(['crm-sync']);
    expect(report.snapshot).toBeUndefined();
  });
});
