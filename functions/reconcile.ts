import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { channelSlas, expectedIntegrations, snapshotBucket } from '../shared/platform/config.js';
import { logger } from '../shared/platform/logger.js';
import { reconcileChannel, type ChannelReport } from '../shared/audit/reconcile.js';
import { METRICS_NAMESPACE, reconcileMetrics } from '../shared/platform/resources.js';
import { s3Snapshot, snapshotClient, writeReport } from '../shared/store/snapshots.js';
import { channels, isChannel, type Channel } from '../shared/core/channels.js';
import { storeFromEnvironment } from '../shared/store/clients.js';

const store = storeFromEnvironment();
const s3 = snapshotClient();

const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'optout-hub' });

/**
 * Scheduled reconciliation (EventBridge on AWS, a timer in the local runtime): for each channel
 * in the event (all by default), a JSON-lines snapshot and a report in S3, the counts as
 * CloudWatch metrics (EMF), and a log line without addresses.
 */
export async function handler(event: { channels?: string[] } = {}): Promise<{ reports: Omit<ChannelReport, 'findings'>[] }> {
  const wanted: Channel[] = (event.channels ?? [...channels]).filter(isChannel);
  const bucket = snapshotBucket();
  const policy = channelSlas();
  const reports: Omit<ChannelReport, 'findings'>[] = [];
  for (const channel of wanted) {
    const report = await reconcileChannel(store, channel, { policy, expected: expectedIntegrations, snapshot: s3Snapshot(s3, bucket) });
    const reportKey = await writeReport(s3, bucket, report);
    metrics.addDimension('channel', channel);
    metrics.addMetric('SnapshotItems', MetricUnit.Count, report.items);
    for (const [name, kind] of Object.entries(reconcileMetrics)) metrics.addMetric(name, MetricUnit.Count, report.counts[kind]);
    metrics.publishStoredMetrics();
    const { findings: _findings, ...summary } = report;
    logger.info('reconciled', { channel, items: report.items, counts: report.counts, snapshot: report.snapshot?.key, report: reportKey });
    reports.push(summary);
  }
  return { reports };
}
