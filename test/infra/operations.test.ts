import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RESERVED_CONCURRENCY, DEFAULT_ROUTE_THROTTLES, routeFamily } from '../../infra/constructs/edge.js';
import { repositoryRoot } from '../../infra/constructs/handler-function.js';
import { Monitoring } from '../../infra/constructs/monitoring.js';
import { assertFrontMatchesPublicBaseUrl, productionOptionsFromContext } from '../../infra/constructs/production.js';
import { OptoutHubStack } from '../../infra/stack.js';
import { channels } from '../../shared/core/channels.js';
import {
  functions,
  reconcileHeartbeatMetric,
  routes,
  schedules,
  secretEnv,
  streamConsumers,
  tables,
  type FunctionName,
  type TableKey,
} from '../../shared/platform/resources.js';

/**
 * Running optout-hub in production: alarms, dashboard, edge limits, reserved concurrency, backups,
 * secrets during a migration. Two stacks: the defaults, and every production option set. Resources
 * are found through what they watch or name (function descriptions, environment variables), never
 * through logical IDs.
 */

interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
}

const cdkContext = JSON.parse(readFileSync(join(repositoryRoot, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
const cacheDir = join(repositoryRoot, 'node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const outdir = mkdtempSync(join(cacheDir, 'optout-hub-operations-'));

const functionNames = Object.keys(functions) as FunctionName[];
const target = (value: any): string | undefined => value?.Ref ?? value?.['Fn::GetAtt']?.[0];
const LEGACY_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:optout-hub-config-AbCdEf';
const COPY_VAULT_ARN = 'arn:aws:backup:us-west-2:123456789012:backup-vault:optout-hub-copies';
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const WEB_ACL_ARN = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/optout-hub/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

let defaults: Template;
let configured: Template;
let configuredStack: OptoutHubStack;

const resourcesOf = (template: Template, type: string) => Object.entries(template.findResources(type)) as [string, Resource][];
const functionId = (template: Template, name: FunctionName): string => {
  const found = resourcesOf(template, 'AWS::Lambda::Function').filter(([, fn]) => fn.Properties.Description === functions[name].description);
  expect(found, name).toHaveLength(1);
  return found[0]![0];
};
const alarms = (template: Template) => resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
/** Alarms on one Lambda metric of one function. */
const functionAlarms = (template: Template, name: FunctionName, metricName: string) =>
  alarms(template).filter(
    (alarm) => alarm.Namespace === 'AWS/Lambda' && alarm.MetricName === metricName && target(alarm.Dimensions?.[0]?.Value) === functionId(template, name),
  );
const tableId = (template: Template, key: TableKey): string => {
  const ids = new Set(
    functionNames
      .map((name) =>
        target(
          resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id === functionId(template, name))![1].Properties.Environment?.Variables?.[
            tables[key].env
          ],
        ),
      )
      .filter(Boolean),
  );
  expect(ids.size, key).toBe(1);
  return [...ids][0]!;
};
/** The metrics of a metric-math alarm, by id. */
const mathMetrics = (alarm: Record<string, any>) =>
  Object.fromEntries((alarm.Metrics ?? []).filter((m: any) => m.MetricStat).map((m: any) => [m.Id, m.MetricStat.Metric]));
/** The sections of docs/runbook.md, as GitHub anchors them. */
const runbookAnchors = new Set(
  [...readFileSync(join(repositoryRoot, 'docs', 'runbook.md'), 'utf8').matchAll(/^## (.+)$/gm)].map((match) =>
    match[1]!
      .toLowerCase()
      .replace(/[^a-z0-9 -]/g, '')
      .replace(/ /g, '-'),
  ),
);

beforeAll(() => {
  const app = new App({ context: cdkContext, outdir });
  defaults = Template.fromStack(new OptoutHubStack(app, 'OptoutHub'));
  const configuredApp = new App({
    context: {
      ...cdkContext,
      alarmSubscriptions: 'ops@example.com, https://events.pagerduty.com/integration/abc123/enqueue',
      runbookUrl: 'https://github.com/example/optout-hub/blob/main/docs/runbook.md',
      queueAgeAlarmMinutes: '20',
      authorizerCacheSeconds: '60',
      routeThrottles: '{"check": "2000/4000"}',
      reservedConcurrency: 'true',
      backupRetentionDays: '2190',
      backupVaultLock: 'compliance',
      backupCopyToVaultArn: COPY_VAULT_ARN,
      frontDomainName: 'hooks.example.com',
      frontCertificateArn: CERTIFICATE_ARN,
      webAclArn: WEB_ACL_ARN,
    },
    outdir: join(outdir, 'configured'),
  });
  configuredStack = new OptoutHubStack(configuredApp, 'OptoutHub', {
    legacyConfigSecretArn: LEGACY_SECRET_ARN,
    production: productionOptionsFromContext(configuredApp.node),
  });
  configured = Template.fromStack(configuredStack);
  // Two stacks, each bundling every function: slow on a busy machine.
}, 600_000);

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

describe('alarms on the intake path', () => {
  const ownErrorAlarms = new Set<string>([...streamConsumers.map((consumer) => consumer.function), ...schedules.map((schedule) => schedule.function)]);

  it('alarms on errors of every function (webhooks, unsubscribe, authorizer, check…) and on throttles of every function', () => {
    for (const name of functionNames) {
      const throttles = functionAlarms(defaults, name, 'Throttles');
      expect(throttles, `${name} throttles`).toHaveLength(1);
      expect(throttles[0]).toMatchObject({ Statistic: 'Sum', Period: 300, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      // One errors alarm each: stream consumers and scheduled jobs keep the ones made for them.
      const errors = functionAlarms(defaults, name, 'Errors');
      expect(errors, `${name} errors`).toHaveLength(1);
      if (!ownErrorAlarms.has(name)) expect(errors[0]).toMatchObject({ Statistic: 'Sum', Period: 300, Threshold: 1 });
    }
    for (const name of ['sms-inbound', 'calls-inbound', 'email-inbound', 'unsubscribe', 'authorizer', 'check', 'check-batch', 'requests'] as const) {
      expect(functionAlarms(defaults, name, 'Errors')[0]?.AlarmActions, name).toHaveLength(1);
    }
  });

  it('alarms on API 5xx, on a 4xx share over 25% and on p99 latency over 2 s', () => {
    const [[apiId]] = resourcesOf(defaults, 'AWS::ApiGatewayV2::Api') as [[string, Resource]];
    defaults.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }],
      Statistic: 'Sum',
      Threshold: 1,
    });
    defaults.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Threshold: 2000,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const share = alarms(defaults).find((alarm) => JSON.stringify(alarm.Metrics ?? []).includes('clientErrors'));
    expect(share).toMatchObject({ Threshold: 25, EvaluationPeriods: 3, ComparisonOperator: 'GreaterThanThreshold' });
    const metrics = mathMetrics(share!);
    expect(metrics.clientErrors).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '4xx' });
    expect(metrics.requests).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: 'Count' });
  });

  it('alarms on read and write throttles of every table and of every index', () => {
    for (const key of Object.keys(tables) as TableKey[]) {
      const id = tableId(defaults, key);
      const onTable = alarms(defaults).filter((alarm) => {
        const metrics = Object.values(mathMetrics(alarm)) as any[];
        return (
          metrics.length === 2 &&
          metrics.every((m) => m.Namespace === 'AWS/DynamoDB' && target(m.Dimensions.find((d: any) => d.Name === 'TableName')?.Value) === id)
        );
      });
      const indexes = ((tables[key] as { indexes?: readonly { name: string }[] }).indexes ?? []).map((index) => index.name);
      const scopes = onTable.map(
        (alarm) => (Object.values(mathMetrics(alarm)) as any[])[0].Dimensions.find((d: any) => d.Name === 'GlobalSecondaryIndexName')?.Value ?? 'table',
      );
      expect(scopes.sort(), key).toEqual(['table', ...indexes].sort());
      for (const alarm of onTable) {
        expect(
          (Object.values(mathMetrics(alarm)) as any[]).map((m) => m.MetricName),
          key,
        ).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
      }
    }
  });

  it('alarms on the age of the oldest message of every queue and on the first message of every dead-letter queue, once each', () => {
    const queues = resourcesOf(defaults, 'AWS::SQS::Queue');
    const deadLetterIds = new Set(
      queues.flatMap(([, queue]) => (queue.Properties.RedrivePolicy ? [target(queue.Properties.RedrivePolicy.deadLetterTargetArn)] : [])),
    );
    const failureQueueId = target(resourcesOf(defaults, 'AWS::Lambda::EventSourceMapping')[0]![1].Properties.DestinationConfig.OnFailure.Destination);
    const on = (id: string, metricName: string) =>
      alarms(defaults).filter((alarm) => alarm.MetricName === metricName && target(alarm.Dimensions?.[0]?.Value) === id);
    for (const [id] of queues) {
      if (deadLetterIds.has(id) || id === failureQueueId) {
        expect(on(id, 'ApproximateNumberOfMessagesVisible'), id).toHaveLength(1);
      } else {
        expect(on(id, 'ApproximateAgeOfOldestMessage'), id).toEqual([
          expect.objectContaining({ Statistic: 'Maximum', Threshold: 3600, ComparisonOperator: 'GreaterThanThreshold' }),
        ]);
      }
    }
    expect(alarms(configured).filter((alarm) => alarm.MetricName === 'ApproximateAgeOfOldestMessage' && alarm.Threshold === 20 * 60)).toHaveLength(
      channels.length,
    );
  });

  it('alarms when a channel has not been reconciled for a day (missing heartbeat breaches)', () => {
    for (const channel of channels) {
      defaults.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'OptoutHub',
        MetricName: reconcileHeartbeatMetric,
        Dimensions: Match.arrayWith([{ Name: 'channel', Value: channel }]),
        Statistic: 'SampleCount',
        Period: 6 * 3600,
        EvaluationPeriods: 4,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
    }
  });

  it('routes every alarm to the one alarm topic, and links each to a section of docs/runbook.md that exists', () => {
    const [[topicId]] = resourcesOf(defaults, 'AWS::SNS::Topic') as [[string, Resource]];
    for (const alarm of alarms(defaults)) {
      expect(alarm.AlarmActions, alarm.AlarmDescription).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions, alarm.AlarmDescription).toEqual([{ Ref: topicId }]);
      const link = /Runbook: docs\/runbook\.md#([a-z0-9-]+)$/.exec(alarm.AlarmDescription);
      expect(link, alarm.AlarmDescription).not.toBeNull();
      expect(runbookAnchors, alarm.AlarmDescription).toContain(link![1]);
    }
    for (const alarm of alarms(configured))
      expect(alarm.AlarmDescription).toMatch(/Runbook: https:\/\/github\.com\/example\/optout-hub\/blob\/main\/docs\/runbook\.md#/);
  });

  it('subscribes the configured email addresses and https endpoints to the topic, and exports the topic', () => {
    configured.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    configured.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://events.pagerduty.com/integration/abc123/enqueue' });
    defaults.resourceCountIs('AWS::SNS::Subscription', 0);
    const [[topicId]] = resourcesOf(defaults, 'AWS::SNS::Topic') as [[string, Resource]];
    defaults.hasOutput('AlarmTopicArn', { Value: { Ref: topicId } });
    expect(
      () =>
        new OptoutHubStack(new App({ context: cdkContext }), 'BadSubscription', {
          production: { alarmSubscriptions: ['not-an-endpoint'] },
        }),
    ).toThrow(/neither an email address nor an https/);
  });

  it('covers queues the stack gains later: a new queue and its dead-letter queue get alarms without naming them', () => {
    const stack = new Stack(new App(), 'Generic');
    const deadLetterQueue = new sqs.Queue(stack, 'IntegrationDlq');
    new sqs.Queue(stack, 'IntegrationQueue', { deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 } });
    new Monitoring(stack, 'Monitoring', {
      topic: new sns.Topic(stack, 'Topic'),
      handlers: {},
      api: new HttpApi(stack, 'Api'),
      tables: { extra: new dynamodb.Table(stack, 'Extra', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } }) },
      queuesWatchedElsewhere: [],
    });
    const template = Template.fromStack(stack);
    const onQueue = (id: string) =>
      alarms(template)
        .filter((alarm) => target(alarm.Dimensions?.[0]?.Value)?.startsWith(id))
        .map((alarm) => alarm.MetricName);
    expect(onQueue('IntegrationQueue')).toEqual(['ApproximateAgeOfOldestMessage']);
    expect(onQueue('IntegrationDlq')).toEqual(['ApproximateNumberOfMessagesVisible']);
  });
});

describe('dashboard', () => {
  it('shows alarms, API answers and latency, check latency, throttles, queue ages, DLQ depths, propagation and reconciliation', () => {
    const dashboards = resourcesOf(defaults, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    // The body is a Fn::Join of JSON text around resource references; the text parts are enough here.
    const body = (dashboards[0]![1].Properties.DashboardBody['Fn::Join'][1] as unknown[]).filter((part) => typeof part === 'string').join('');
    for (const shown of [
      '"type":"alarm"',
      'AWS/ApiGateway',
      '"4xx"',
      '"5xx"',
      'Latency',
      'Check latency',
      'Throttles',
      'ReadThrottleEvents',
      'IteratorAge',
      'ApproximateAgeOfOldestMessage',
      'ApproximateNumberOfMessagesVisible',
      'SuppressionsPastTarget',
    ]) {
      expect(body, shown).toContain(shown);
    }
    defaults.hasOutput('DashboardName', Match.anyValue());
  });
});

describe('edge', () => {
  const stageOf = (template: Template) => resourcesOf(template, 'AWS::ApiGatewayV2::Stage')[0]![1];

  it('throttles every route by its family, so a flood on one family cannot take another’s share', () => {
    for (const [template, overrides] of [
      [defaults, {}],
      [configured, { check: { rate: 2000, burst: 4000 } }],
    ] as const) {
      const settings = stageOf(template).Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
      expect(Object.keys(settings).sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
      for (const route of routes) {
        const expected = { ...DEFAULT_ROUTE_THROTTLES, ...overrides }[routeFamily(route)];
        expect(settings[`${route.method} ${route.path}`], `${route.method} ${route.path}`).toEqual({
          ThrottlingRateLimit: expected.rate,
          ThrottlingBurstLimit: expected.burst,
        });
      }
    }
    expect(routeFamily({ path: '/webhooks/sms/{provider}', function: 'sms-inbound' })).not.toBe(
      routeFamily({ path: '/v1/suppressions/check', function: 'check-batch' }),
    );
    // The stage is deployed after the routes its settings name.
    expect(resourcesOf(defaults, 'AWS::ApiGatewayV2::Stage')[0]![1]).toMatchObject({ DependsOn: expect.any(Array) });
  });

  it('caches the authorizer per API key and route only when authorizerCacheSeconds is set', () => {
    defaults.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerResultTtlInSeconds: 0, IdentitySource: [] });
    configured.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerResultTtlInSeconds: 60,
      IdentitySource: ['$request.header.x-api-key', '$context.routeKey'],
    });
    expect(() => new OptoutHubStack(new App({ context: cdkContext }), 'TooLong', { production: { authorizerCacheSeconds: 3601 } })).toThrow(
      /authorizerCacheSeconds/,
    );
  });

  it('reserves concurrency for intake and fan-out and caps check and reconcile only when asked', () => {
    for (const name of functionNames) {
      const fn = resourcesOf(defaults, 'AWS::Lambda::Function').find(([id]) => id === functionId(defaults, name))![1];
      expect(fn.Properties.ReservedConcurrentExecutions, name).toBeUndefined();
      const reserved = resourcesOf(configured, 'AWS::Lambda::Function').find(([id]) => id === functionId(configured, name))![1];
      expect(reserved.Properties.ReservedConcurrentExecutions, name).toBe(DEFAULT_RESERVED_CONCURRENCY[name]);
    }
    for (const name of ['sms-inbound', 'calls-inbound', 'email-inbound', 'unsubscribe', 'fanout', 'check', 'reconcile'] as const) {
      expect(DEFAULT_RESERVED_CONCURRENCY[name], name).toBeGreaterThan(0);
    }
    const total = Object.values(DEFAULT_RESERVED_CONCURRENCY).reduce((sum, n) => sum + n!, 0);
    expect(total).toBe(465); // docs/operations.md states the quota this needs (total + 100)
  });
});

describe('CloudFront and WAF in front of the API', () => {
  it('is there only when asked: the web ACL, the custom domain on TLS 1.2, nothing cached, every request forwarded as sent but Host', () => {
    defaults.resourceCountIs('AWS::CloudFront::Distribution', 0);
    const [[apiId]] = resourcesOf(configured, 'AWS::ApiGatewayV2::Api') as [[string, Resource]];
    configured.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['hooks.example.com'],
        WebACLId: WEB_ACL_ARN,
        ViewerCertificate: Match.objectLike({ AcmCertificateArn: CERTIFICATE_ARN, MinimumProtocolVersion: 'TLSv1.2_2021' }),
        DefaultCacheBehavior: Match.objectLike({
          AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
          ViewerProtocolPolicy: 'https-only',
          // AWS's managed CachingDisabled and AllViewerExceptHostHeader policies.
          CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
          OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
        }),
        Origins: [
          Match.objectLike({
            DomainName: { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }] }] },
            CustomOriginConfig: Match.objectLike({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] }),
          }),
        ],
      }),
    });
    configured.hasOutput('FrontDomainName', Match.anyValue());
  });

  it('needs all three settings, a CLOUDFRONT web ACL, and publicBaseUrl on the custom domain', () => {
    expect(() => productionOptionsFromContext(new App({ context: { frontDomainName: 'hooks.example.com' } }).node)).toThrow(/together/);
    const front = { domainName: 'hooks.example.com', certificateArn: CERTIFICATE_ARN, webAclArn: WEB_ACL_ARN };
    expect(() => assertFrontMatchesPublicBaseUrl({ front }, 'https://abc.execute-api.eu-west-1.amazonaws.com')).toThrow(/https:\/\/hooks\.example\.com/);
    expect(() => assertFrontMatchesPublicBaseUrl({ front }, 'https://hooks.example.com')).not.toThrow();
    expect(
      () =>
        new OptoutHubStack(new App({ context: cdkContext }), 'RegionalAcl', {
          production: { front: { ...front, webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/y' } },
        }),
    ).toThrow(/scope CLOUDFRONT/);
  });
});

describe('evidence retention', () => {
  it('backs the record tables up daily into a retained, locked vault, for five years by default', () => {
    const vaults = resourcesOf(defaults, 'AWS::Backup::BackupVault');
    expect(vaults).toHaveLength(1);
    expect(vaults[0]![1].DeletionPolicy).toBe('Retain');
    expect(vaults[0]![1].Properties.LockConfiguration).toEqual({ MinRetentionDays: 1827 });
    defaults.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [Match.objectLike({ ScheduleExpression: 'cron(0 5 * * ? *)', Lifecycle: { DeleteAfterDays: 1827 } })],
      },
    });
    const [selection] = resourcesOf(defaults, 'AWS::Backup::BackupSelection');
    const selected = (selection![1].Properties.BackupSelection.Resources as unknown[]).map(target).sort();
    expect(selected).toEqual((['preferences', 'suppressions', 'apiKeys'] as TableKey[]).map((key) => tableId(defaults, key)).sort());
    expect(selected).not.toContain(tableId(defaults, 'replayGuards'));
  });

  it('locks in compliance mode, keeps the configured retention and copies to the configured vault', () => {
    expect(resourcesOf(configured, 'AWS::Backup::BackupVault')[0]![1].Properties.LockConfiguration).toEqual({ MinRetentionDays: 2190, ChangeableForDays: 3 });
    configured.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [
          Match.objectLike({
            Lifecycle: { DeleteAfterDays: 2190 },
            CopyActions: [{ DestinationBackupVaultArn: COPY_VAULT_ARN, Lifecycle: { DeleteAfterDays: 2190 } }],
          }),
        ],
      },
    });
    expect(() => new OptoutHubStack(new App({ context: { ...cdkContext, backup: 'false' } }), 'NoBackup', {})).not.toThrow();
  });

  it('archives snapshots to Glacier Instant Retrieval and never expires them', () => {
    const bucketId = target(
      resourcesOf(defaults, 'AWS::Lambda::Function').find(([id]) => id === functionId(defaults, 'reconcile'))![1].Properties.Environment.Variables
        .SNAPSHOT_BUCKET,
    )!;
    const rules = defaults.toJSON().Resources[bucketId].Properties.LifecycleConfiguration.Rules as Record<string, any>[];
    expect(rules).toEqual([
      expect.objectContaining({
        Status: 'Enabled',
        Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
        NoncurrentVersionTransitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      }),
    ]);
    for (const rule of rules) {
      expect(rule.ExpirationInDays).toBeUndefined();
      expect(rule.NoncurrentVersionExpiration).toBeUndefined();
    }
  });
});

describe('secrets while moving off the single config secret', () => {
  it('lets functions with secrets also read the legacy config secret, and nothing else gains it', () => {
    for (const name of functionNames) {
      const id = functionId(configured, name);
      const fn = resourcesOf(configured, 'AWS::Lambda::Function').find(([candidate]) => candidate === id)![1];
      const declared = ((functions[name] as { secrets?: readonly string[] }).secrets ?? []).length > 0;
      expect(fn.Properties.Environment.Variables[secretEnv], name).toBe(declared ? LEGACY_SECRET_ARN : undefined);
      const roleId = target(fn.Properties.Role);
      const readsLegacy = resourcesOf(configured, 'AWS::IAM::Policy')
        .filter(([, policy]) => policy.Properties.Roles.some((role: unknown) => target(role) === roleId))
        .some(([, policy]) => JSON.stringify(policy.Properties.PolicyDocument).includes(LEGACY_SECRET_ARN));
      expect(readsLegacy, name).toBe(declared);
    }
  });
});

describe('cdk-nag with every production option', () => {
  it('reports no finding that is not acknowledged', () => {
    const { violations } = new AwsSolutionsChecks().validateScope(configuredStack);
    expect(violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});

describe('context values', () => {
  it('reads every production option from -c strings', () => {
    const node = new App({
      context: {
        alarmSubscriptions: 'a@example.com,https://pager.example.com/hook',
        runbookUrl: 'https://wiki.example.com/runbook',
        queueAgeAlarmMinutes: '30',
        authorizerCacheSeconds: '120',
        routeThrottles: '{"sms-webhooks":"300/600"}',
        reservedConcurrency: '{"sms-inbound":80}',
        backup: 'true',
        backupRetentionDays: '3650',
        backupVaultLock: 'none',
        backupCopyToVaultArn: COPY_VAULT_ARN,
      },
    }).node;
    expect(productionOptionsFromContext(node)).toEqual({
      alarmSubscriptions: ['a@example.com', 'https://pager.example.com/hook'],
      runbookUrl: 'https://wiki.example.com/runbook',
      queueAgeAlarmMinutes: 30,
      authorizerCacheSeconds: 120,
      routeThrottles: { 'sms-webhooks': { rate: 300, burst: 600 } },
      reservedConcurrency: { 'sms-inbound': 80 },
      backup: true,
      backupRetentionDays: 3650,
      backupVaultLock: 'none',
      backupCopyToVaultArn: COPY_VAULT_ARN,
    });
    expect(productionOptionsFromContext(new App().node)).toEqual({});
    expect(() => productionOptionsFromContext(new App({ context: { routeThrottles: '{"check":"fast"}' } }).node)).toThrow(/rate\/burst/);
    expect(() => productionOptionsFromContext(new App({ context: { backupVaultLock: 'forever' } }).node)).toThrow(/governance, compliance or none/);
  });
});
