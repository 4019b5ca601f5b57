import cliProgress from 'cli-progress';
import { UsageError, parseOptions, type Command } from '../command.js';
import { assertStoreAnswers, useLocalSystemUnlessConfigured } from '../environment.js';
import { buckets } from '../../shared/platform/resources.js';
import { channels, isChannel, type Channel } from '../../shared/core/channels.js';
import type { ChannelReport, Finding } from '../../shared/audit/reconcile.js';

/**
 * `optout-hub sla`: runs the reconciliation checks now and prints what the scheduled run would
 * report as metrics: per channel, changes not applied within target, approaching or past their
 * deadline, and drift. Locally this is how the SLA is read; on AWS the same counts are CloudWatch
 * metrics with alarms.
 */

const kinds: [keyof ChannelReport['counts'], string][] = [
  ['past-target', 'past target'],
  ['approaching-deadline', 'approaching deadline'],
  ['past-deadline', 'past deadline'],
  ['state-differs', 'drift: differs from record'],
  ['person-missing', 'drift: person missing'],
  ['delivery-missing', 'drift: never enqueued'],
  ['item-missing', 'drift: suppression missing'],
];

function findingLine(finding: Finding): string {
  const parts = [
    `${finding.kind.padEnd(20)} ${finding.channel} ${finding.address} ${finding.version ? `v${finding.version}` : 'no item'} (${finding.status}, recorded ${finding.recordedAt})`,
  ];
  if (finding.deadlineAt) {
    parts.push(
      `deadline ${finding.deadlineAt} (received ${finding.startedAt}; ${Math.round((finding.deadlineElapsed ?? 0) * 100)}% elapsed${finding.recordedLate ? '; LATE: recorded after its deadline' : ''})`,
    );
  }
  if (finding.awaiting?.length) parts.push(`awaiting ${finding.awaiting.join(', ')}`);
  if (finding.detail) parts.push(finding.detail);
  return `  ${parts.join('; ')}`;
}

export const slaCommand: Command = {
  summary: 'changes each channel has not applied within target or deadline, and drift (what reconciliation reports)',
  usage: [
    'usage: optout-hub sla [--channel CHANNEL]... [--list N] [--snapshot] [--json]',
    '',
    '  --channel   only this channel (repeatable; default every channel)',
    '  --list N    findings listed per kind (default 20; counts are always complete)',
    '  --snapshot  also write the JSON-lines snapshot and the report to the snapshot bucket',
    '  --json      print the reports as JSON',
  ].join('\n'),
  async run(args) {
    const parsed = parseOptions({
      args,
      options: {
        channel: { type: 'string', multiple: true },
        list: { type: 'string', default: '20' },
        snapshot: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
    const wanted = parsed.values.channel ?? [...channels];
    const unknown = wanted.filter((channel) => !isChannel(channel));
    if (unknown.length) throw new UsageError(`Unknown channel ${unknown.join(', ')}: use ${channels.join(', ')}.`);
    const list = Number(parsed.values.list);
    if (!Number.isInteger(list) || list < 0) throw new UsageError('--list must be a whole number.');

    const where = useLocalSystemUnlessConfigured();
    await assertStoreAnswers(where);
    if (where === 'local') {
      // fauxqs serves S3 on the same endpoint as SQS.
      process.env.AWS_ENDPOINT_URL_S3 ??= process.env.AWS_ENDPOINT_URL_SQS;
      process.env[buckets.snapshots.env] ??= buckets.snapshots.name;
    }
    const { storeFromEnvironment } = await import('../../shared/store/clients.js');
    const { channelSlas, expectedIntegrations, s3PathStyle, snapshotBucket } = await import('../../shared/platform/config.js');
    const { reconcileChannel } = await import('../../shared/audit/reconcile.js');
    const { s3Snapshot, snapshotClient, writeReport, ensureBucket } = await import('../../shared/store/snapshots.js');
    const store = storeFromEnvironment();
    const s3 = parsed.values.snapshot ? snapshotClient() : undefined;
    if (s3 && s3PathStyle()) await ensureBucket(s3, snapshotBucket());

    const bar =
      process.stderr.isTTY && !parsed.values.json
        ? new cliProgress.SingleBar({ format: '{channel} {value} suppressions checked', stream: process.stderr }, cliProgress.Presets.shades_classic)
        : undefined;
    const reports: ChannelReport[] = [];
    for (const channel of wanted as Channel[]) {
      bar?.start(0, 0, { channel });
      const report = await reconcileChannel(store, channel, {
        policy: channelSlas(),
        expected: expectedIntegrations,
        exampleLimit: list,
        progress: (items) => bar?.update(items, { channel }),
        ...(s3 ? { snapshot: s3Snapshot(s3, snapshotBucket()) } : {}),
      });
      bar?.stop();
      if (s3) await writeReport(s3, snapshotBucket(), report);
      reports.push(report);
    }

    if (parsed.values.json) {
      console.log(JSON.stringify(reports, null, 2));
      return 0;
    }
    for (const report of reports) {
      console.log(
        `${report.channel}: ${report.items} suppression items (${report.suppressed} suppressed)${report.snapshot ? `, snapshot s3://${report.snapshot.bucket}/${report.snapshot.key}` : ''}`,
      );
      console.log(`  ${'person records checked'.padEnd(28)} ${report.people}`);
      for (const [kind, label] of kinds) console.log(`  ${label.padEnd(28)} ${report.counts[kind]}`);
      for (const finding of report.findings) console.log(findingLine(finding));
      if (report.truncated) console.log(`  … more findings than --list ${list} shows`);
      console.log('');
    }
    return 0;
  },
};
