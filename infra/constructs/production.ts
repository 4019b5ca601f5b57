import type { Stack } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Node } from 'constructs';
import { tables, type TableDeclaration } from '../../shared/platform/resources.js';
import { EvidenceBackup } from './backup.js';
import { Edge, type RouteFamily, type Throttle } from './edge.js';
import { Front } from './front.js';
import type { HandlerFunction } from './handler-function.js';
import { Monitoring } from './monitoring.js';

/**
 * What running optout-hub in production adds to the stack, each part from a context value
 * (README, "Deploy"; docs/operations.md). Everything has a default that deploys to a fresh account.
 */
export interface ProductionOptions {
  /** Email addresses and https:// endpoints the alarm topic notifies (`alarmSubscriptions`). */
  readonly alarmSubscriptions?: readonly string[];
  /** The runbook URL alarm descriptions link to (`runbookUrl`). */
  readonly runbookUrl?: string;
  /** Oldest-message age on a queue that pages (`queueAgeAlarmMinutes`, default 60). */
  readonly queueAgeAlarmMinutes?: number;
  /** Authorizer cache TTL per API key and route (`authorizerCacheSeconds`, default 0: off). */
  readonly authorizerCacheSeconds?: number;
  /** Per-family route throttles (`routeThrottles`, e.g. {"check": "2000/4000"}). */
  readonly routeThrottles?: Partial<Record<RouteFamily, Throttle>>;
  /** Reserved concurrency (`reservedConcurrency`: true for the defaults, or a JSON map). */
  readonly reservedConcurrency?: boolean | Partial<Record<string, number>>;
  /** AWS Backup of the evidence tables (`backup`, default on; `backup=false` turns it off). */
  readonly backup?: boolean;
  readonly backupRetentionDays?: number;
  readonly backupVaultLock?: 'governance' | 'compliance' | 'none';
  readonly backupCopyToVaultArn?: string;
  /** CloudFront with a WAF web ACL and the custom domain in front of the API (`frontDomainName`, `frontCertificateArn`, `webAclArn`). */
  readonly front?: { readonly domainName: string; readonly certificateArn: string; readonly webAclArn: string };
}

/** The parts of the optout-hub stack production options act on. */
export interface ProductionTarget extends Stack {
  readonly alarmTopic: sns.Topic;
  readonly handlers: Record<string, HandlerFunction>;
  readonly api: HttpApi;
  readonly apiStage: HttpStage;
  readonly tables: Record<string, dynamodb.Table>;
  readonly buckets: Record<string, s3.Bucket>;
  readonly fanoutFailureQueue: sqs.Queue;
  readonly channelQueues: Record<string, { readonly queue: sqs.Queue; readonly deadLetterQueue: sqs.Queue }>;
}

export interface ProductionConstructs {
  readonly monitoring: Monitoring;
  readonly edge: Edge;
  readonly backup?: EvidenceBackup;
  readonly front?: Front;
}

/** Adds monitoring, edge protection and backups to the stack; call it once everything else exists. */
export function applyProductionOptions(stack: ProductionTarget, options: ProductionOptions = {}): ProductionConstructs {
  const edge = new Edge(stack, 'Edge', {
    api: stack.api,
    stage: stack.apiStage,
    handlers: stack.handlers,
    ...(options.routeThrottles ? { routeThrottles: options.routeThrottles } : {}),
    ...(options.authorizerCacheSeconds !== undefined ? { authorizerCacheSeconds: options.authorizerCacheSeconds } : {}),
    ...(options.reservedConcurrency !== undefined ? { reservedConcurrency: options.reservedConcurrency } : {}),
  });
  const evidence =
    options.backup === false
      ? undefined
      : new EvidenceBackup(stack, 'EvidenceBackup', {
          // The record tables and the key registry; never a table of expendable, TTL-expired items.
          tables: Object.entries(stack.tables)
            .filter(([key]) => !(tables[key as keyof typeof tables] as TableDeclaration | undefined)?.timeToLiveAttribute)
            .map(([, table]) => table),
          buckets: Object.values(stack.buckets),
          ...(options.backupRetentionDays !== undefined ? { retentionDays: options.backupRetentionDays } : {}),
          ...(options.backupVaultLock ? { vaultLock: options.backupVaultLock } : {}),
          ...(options.backupCopyToVaultArn ? { copyToVaultArn: options.backupCopyToVaultArn } : {}),
        });
  const front = options.front ? new Front(stack, 'Front', { api: stack.api, ...options.front }) : undefined;
  // Last, so its alarms and dashboard cover everything above.
  const monitoring = new Monitoring(stack, 'Monitoring', {
    topic: stack.alarmTopic,
    handlers: stack.handlers,
    api: stack.api,
    tables: stack.tables,
    queuesWatchedElsewhere: [stack.fanoutFailureQueue, ...Object.values(stack.channelQueues).map((channel) => channel.deadLetterQueue)],
    ...(options.alarmSubscriptions ? { subscriptions: options.alarmSubscriptions } : {}),
    ...(options.runbookUrl ? { runbookUrl: options.runbookUrl } : {}),
    ...(options.queueAgeAlarmMinutes !== undefined ? { queueAgeAlarmMinutes: options.queueAgeAlarmMinutes } : {}),
  });
  return { monitoring, edge, ...(evidence ? { backup: evidence } : {}), ...(front ? { front } : {}) };
}

/**
 * The options from `-c key=value` context values (or cdk.json's "context"): strings as the CLI
 * passes them, or JSON values from cdk.json.
 */
export function productionOptionsFromContext(node: Node): ProductionOptions {
  const raw = (key: string): unknown => {
    const value: unknown = node.tryGetContext(key);
    return value === '' ? undefined : value;
  };
  const text = (key: string) => (raw(key) === undefined ? undefined : String(raw(key)));
  const whole = (key: string): number | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    const number = Number(value);
    if (!Number.isInteger(number) || number < 0) throw new Error(`Context value ${key} "${value}" is not a whole number.`);
    return number;
  };
  const flag = (key: string): boolean | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') throw new Error(`Context value ${key} "${value}" is not true or false.`);
    return value === 'true';
  };
  const json = (key: string): unknown => {
    const value = raw(key);
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      throw new Error(`Context value ${key} is not JSON: ${value}`);
    }
  };

  const subscriptions = text('alarmSubscriptions')
    ?.split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const throttles = json('routeThrottles') as Record<string, unknown> | undefined;
  const reserved = text('reservedConcurrency');
  const lock = text('backupVaultLock');
  if (lock !== undefined && !['governance', 'compliance', 'none'].includes(lock))
    throw new Error(`backupVaultLock "${lock}" is not governance, compliance or none.`);

  const frontParts = { domainName: text('frontDomainName'), certificateArn: text('frontCertificateArn'), webAclArn: text('webAclArn') };
  const frontGiven = Object.values(frontParts).filter(Boolean).length;
  if (frontGiven !== 0 && frontGiven !== 3) throw new Error('The CloudFront front needs frontDomainName, frontCertificateArn and webAclArn together.');

  const options: ProductionOptions = {
    ...(subscriptions?.length ? { alarmSubscriptions: subscriptions } : {}),
    ...(text('runbookUrl') ? { runbookUrl: text('runbookUrl')! } : {}),
    ...(whole('queueAgeAlarmMinutes') !== undefined ? { queueAgeAlarmMinutes: whole('queueAgeAlarmMinutes')! } : {}),
    ...(whole('authorizerCacheSeconds') !== undefined ? { authorizerCacheSeconds: whole('authorizerCacheSeconds')! } : {}),
    ...(throttles ? { routeThrottles: parseThrottles(throttles) } : {}),
    ...(reserved === undefined
      ? {}
      : { reservedConcurrency: reserved === 'true' || reserved === 'false' ? reserved === 'true' : (json('reservedConcurrency') as Record<string, number>) }),
    ...(flag('backup') !== undefined ? { backup: flag('backup')! } : {}),
    ...(whole('backupRetentionDays') !== undefined ? { backupRetentionDays: whole('backupRetentionDays')! } : {}),
    ...(lock ? { backupVaultLock: lock as 'governance' | 'compliance' | 'none' } : {}),
    ...(text('backupCopyToVaultArn') ? { backupCopyToVaultArn: text('backupCopyToVaultArn')! } : {}),
    ...(frontGiven ? { front: frontParts as Required<ProductionOptions>['front'] } : {}),
  };
  return options;
}

/** `{"check": "2000/4000"}`: requests per second / burst, per route family. */
function parseThrottles(value: Record<string, unknown>): Partial<Record<RouteFamily, Throttle>> {
  return Object.fromEntries(
    Object.entries(value).map(([family, limits]) => {
      const match = /^(\d+)\/(\d+)$/.exec(String(limits));
      if (!match) throw new Error(`routeThrottles.${family} "${String(limits)}" is not rate/burst, e.g. "200/400".`);
      return [family, { rate: Number(match[1]), burst: Number(match[2]) }];
    }),
  ) as Partial<Record<RouteFamily, Throttle>>;
}

/**
 * Providers sign the URL they call, and the handlers verify it against PUBLIC_BASE_URL: behind the
 * front that URL is the custom domain, so a deploy with a front and any other base URL is refused.
 */
export function assertFrontMatchesPublicBaseUrl(options: ProductionOptions, publicBaseUrl: string | undefined): void {
  if (!options.front) return;
  const expected = `https://${options.front.domainName}`;
  if (publicBaseUrl !== expected) throw new Error(`With the CloudFront front, publicBaseUrl must be ${expected} (what providers call and sign).`);
}
