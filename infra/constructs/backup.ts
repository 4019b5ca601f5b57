import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * Opt-out evidence must outlive PITR's 35 days: a do-not-call request is honoured for five years
 * (47 CFR 64.1200(d)(6)), and the proof of it is needed as long. Five years, leap days included.
 */
export const DEFAULT_BACKUP_RETENTION_DAYS = 5 * 365 + 2;

/** Objects in the snapshot bucket move to Glacier Instant Retrieval after this: read rarely, still in milliseconds. */
const SNAPSHOT_ARCHIVE_AFTER = Duration.days(90);

export interface EvidenceBackupProps {
  /** The tables whose items are evidence (the record tables, not expendable replay guards). */
  readonly tables: readonly dynamodb.Table[];
  /** Buckets of evidence (reconciliation snapshots): lifecycle to an archive class, never expiry. */
  readonly buckets: readonly s3.Bucket[];
  /** How long each daily recovery point is kept. */
  readonly retentionDays?: number;
  /**
   * 'governance' (default): the vault refuses backups kept less than the retention, and only an
   * administrator with backup:DeleteBackupVaultLockConfiguration can lift the lock. 'compliance':
   * after 3 days nobody can, not even the account's root user. 'none': no lock.
   */
  readonly vaultLock?: 'governance' | 'compliance' | 'none';
  /** ARN of a backup vault in another region or account that every recovery point is copied to. */
  readonly copyToVaultArn?: string;
}

/**
 * AWS Backup of the evidence tables: one daily recovery point kept `retentionDays`, in a vault of
 * its own that is retained with the stack and locked against shorter retention, optionally copied
 * to a vault elsewhere. Plus lifecycle rules for the evidence buckets.
 */
export class EvidenceBackup extends Construct {
  readonly vault: backup.BackupVault;
  readonly plan: backup.BackupPlan;

  constructor(scope: Construct, id: string, props: EvidenceBackupProps) {
    super(scope, id);
    const retention = Duration.days(props.retentionDays ?? DEFAULT_BACKUP_RETENTION_DAYS);
    if (!Number.isInteger(retention.toDays()) || retention.toDays() < 1) throw new Error('backupRetentionDays must be a whole number of days from 1.');
    const lock = props.vaultLock ?? 'governance';

    this.vault = new backup.BackupVault(this, 'Vault', {
      removalPolicy: RemovalPolicy.RETAIN,
      ...(lock === 'none' ? {} : { lockConfiguration: { minRetention: retention, ...(lock === 'compliance' ? { changeableFor: Duration.days(3) } : {}) } }),
    });
    this.plan = new backup.BackupPlan(this, 'Plan', { backupVault: this.vault });
    this.plan.addRule(
      new backup.BackupPlanRule({
        ruleName: 'daily-evidence',
        // Daily at 05:00 UTC, after the reconciliation runs have written their snapshots.
        scheduleExpression: events.Schedule.cron({ minute: '0', hour: '5' }),
        startWindow: Duration.hours(1),
        completionWindow: Duration.hours(8),
        deleteAfter: retention,
        ...(props.copyToVaultArn
          ? {
              copyActions: [{ destinationBackupVault: backup.BackupVault.fromBackupVaultArn(this, 'CopyVault', props.copyToVaultArn), deleteAfter: retention }],
            }
          : {}),
      }),
    );
    const selection = this.plan.addSelection('EvidenceTables', {
      resources: props.tables.map((table) => backup.BackupResource.fromDynamoDbTable(table)),
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'The role AWS Backup assumes to take the backups: its AWS-maintained service policy follows the service as it adds backup features (DynamoDB advanced backup); no function can assume it.',
    });

    for (const bucket of props.buckets) {
      bucket.addLifecycleRule({
        id: 'archive-evidence',
        transitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: SNAPSHOT_ARCHIVE_AFTER }],
        noncurrentVersionTransitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: SNAPSHOT_ARCHIVE_AFTER }],
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      });
    }
  }
}
