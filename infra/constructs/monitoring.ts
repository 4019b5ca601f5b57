import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { channels, isChannel, type Channel } from '../../shared/core/channels.js';
import {
  METRICS_NAMESPACE,
  reconcileHeartbeatMetric,
  reconcileMetrics,
  schedules,
  streamConsumers,
  tables,
  type TableDeclaration,
} from '../../shared/platform/resources.js';
import type { HandlerFunction } from './handler-function.js';

/** Where each alarm's description points; overridden per deployment with the `runbookUrl` context value. */
export const DEFAULT_RUNBOOK = 'docs/runbook.md';

/** API p99 latency above this (3 periods running) pages: Telnyx wants its 2xx within 2 seconds. */
export const API_LATENCY_P99_MS = 2000;
/** Share of API answers that are 4xx (with at least API_4XX_MIN_REQUESTS in the period) that pages. */
export const API_4XX_PERCENT = 25;
export const API_4XX_MIN_REQUESTS = 50;
/** How long a change may wait on a queue before someone must look, unless `queueAgeAlarmMinutes` says otherwise. */
export const DEFAULT_QUEUE_AGE_ALARM_MINUTES = 60;
/**
 * Reconciliation runs once a day per channel. Four 6-hour windows in a row without its heartbeat
 * cannot happen when it runs daily (at most three fall between two runs), so they page.
 */
const HEARTBEAT_PERIOD = Duration.hours(6);
const HEARTBEAT_WINDOWS = 4;

export interface MonitoringProps {
  readonly topic: sns.Topic;
  readonly handlers: Record<string, HandlerFunction>;
  readonly api: HttpApi;
  readonly tables: Record<string, dynamodb.Table>;
  /** Queues the stack already alarms on with purpose-made alarms (channel DLQs, the fan-out failure queue). */
  readonly queuesWatchedElsewhere: readonly sqs.IQueue[];
  /**
   * Who is paged besides the topic's own subscribers: email addresses, https:// endpoints (a
   * pager's SNS integration URL), or ARNs of SQS queues and Lambda functions.
   */
  readonly subscriptions?: readonly string[];
  /** The runbook the alarm descriptions link to (e.g. the docs/runbook.md URL in your repository). */
  readonly runbookUrl?: string;
  readonly queueAgeAlarmMinutes?: number;
}

/**
 * What pages an operator, built over whatever the stack holds when it is created (so create it
 * last): errors and throttles of every function, the API's 5xx, 4xx share and latency, DynamoDB
 * throttles on every table and index, the age of the oldest message on every queue and the first
 * message on every dead-letter queue, and reconciliation not running; plus one dashboard. Each
 * alarm's description ends with the runbook section saying what to do.
 */
export class Monitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  private readonly action: SnsAction;
  private readonly runbook: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.action = new SnsAction(props.topic);
    this.runbook = props.runbookUrl ?? DEFAULT_RUNBOOK;
    for (const endpoint of props.subscriptions ?? []) props.topic.addSubscription(subscriptionFor(endpoint));

    const stack = Stack.of(this);
    const queues = stack.node.findAll().filter((construct): construct is sqs.Queue => construct instanceof sqs.Queue);
    const deadLetterQueues = new Set(queues.flatMap((queue) => (queue.deadLetterQueue ? [queue.deadLetterQueue.queue] : [])));
    const watched = new Set(props.queuesWatchedElsewhere);
    const handlers = Object.entries(props.handlers);

    // Errors of stream consumers and scheduled jobs have their own alarms (with their own periods).
    const ownErrorAlarms = new Set<string>([...streamConsumers.map((consumer) => consumer.function), ...schedules.map((schedule) => schedule.function)]);
    for (const [name, handler] of handlers) {
      if (!ownErrorAlarms.has(name)) {
        this.alarm(`${pascal(name)}Errors`, handler.lambda.metricErrors({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }), {
          description: `${name} invocations are failing (uncaught errors or timeouts): its callers get 5xx, and for an intake route that can mean an opt-out not recorded.`,
          anchor: 'function-errors',
          threshold: 1,
        });
      }
      this.alarm(`${pascal(name)}Throttles`, handler.lambda.metricThrottles({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }), {
        description: `${name} is being throttled: it hit its concurrency (reserved or the account's), so requests are refused with 429/503 or events wait.`,
        anchor: 'function-throttles',
        threshold: 1,
      });
    }

    const api = props.api;
    this.alarm('Api5xx', api.metricServerError({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }), {
      description: 'The API answered 5xx: a webhook, unsubscribe or check was not served (providers may not retry, so an opt-out may be lost).',
      anchor: 'api-5xx',
      threshold: 1,
    });
    const clientErrorShare = new cloudwatch.MathExpression({
      expression: `IF(requests >= ${API_4XX_MIN_REQUESTS}, 100 * FILL(clientErrors, 0) / requests, 0)`,
      usingMetrics: {
        requests: api.metricCount({ statistic: cloudwatch.Stats.SUM }),
        clientErrors: api.metricClientError({ statistic: cloudwatch.Stats.SUM }),
      },
      period: Duration.minutes(5),
      label: 'API 4xx %',
    });
    this.alarm('Api4xxShare', clientErrorShare, {
      description: `More than ${API_4XX_PERCENT}% of API answers were 4xx for 15 minutes: refused signatures (a rotated provider secret, a wrong PUBLIC_BASE_URL), revoked API keys, or junk traffic.`,
      anchor: 'api-4xx',
      threshold: API_4XX_PERCENT,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });
    this.alarm('ApiLatencyP99', api.metricLatency({ statistic: cloudwatch.Stats.p(99), period: Duration.minutes(5) }), {
      description: `The API's p99 latency has been over ${API_LATENCY_P99_MS} ms for 15 minutes: providers time out (Telnyx after 2 s) and retry, and every send waits on the check.`,
      anchor: 'api-latency',
      threshold: API_LATENCY_P99_MS,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });

    for (const [key, table] of Object.entries(props.tables)) {
      const declaration = tables[key as keyof typeof tables] as TableDeclaration | undefined;
      const name = declaration?.name ?? key;
      this.alarm(`${pascal(name)}TableThrottles`, throttleEvents(table.tableName), {
        description: `Reads or writes of the ${name} table are being throttled: writes of opt-outs or checks are retried and may fail.`,
        anchor: 'dynamodb-throttles',
        threshold: 1,
      });
      for (const index of declaration?.indexes ?? []) {
        this.alarm(`${pascal(name)}${pascal(index.name)}IndexThrottles`, throttleEvents(table.tableName, index.name), {
          description: `The ${index.name} index of the ${name} table is throttled: a throttled index write also throttles the table write that feeds it.`,
          anchor: 'dynamodb-throttles',
          threshold: 1,
        });
      }
    }

    const queueAge = Duration.minutes(props.queueAgeAlarmMinutes ?? DEFAULT_QUEUE_AGE_ALARM_MINUTES);
    for (const queue of queues) {
      if (watched.has(queue)) continue;
      const name = queue.node.id;
      if (deadLetterQueues.has(queue)) {
        this.alarm(`${name}NotEmpty`, queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) }), {
          description: `${name} (a dead-letter queue) holds messages: changes are not reaching an integration.`,
          anchor: 'dead-letter-queue-not-empty',
          threshold: 1,
        });
      } else {
        this.alarm(`${name}OldestMessage`, queue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(5) }), {
          description: `A change has waited on ${name} for more than ${queueAge.toMinutes()} minutes: its consumer is not reading, so a channel keeps contacting people who opted out.`,
          anchor: 'queue-oldest-message',
          threshold: queueAge.toSeconds(),
          comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        });
      }
    }

    for (const channel of reconciledChannels()) {
      const heartbeat = new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: reconcileHeartbeatMetric,
        dimensionsMap: { service: 'optout-hub', channel },
        statistic: cloudwatch.Stats.SAMPLE_COUNT,
        period: HEARTBEAT_PERIOD,
      });
      this.alarm(`${pascal(channel)}ReconcileHeartbeat`, heartbeat, {
        description: `Reconciliation of ${channel} has not completed for over a day: no snapshot, and SLA breaches and drift go unreported.`,
        anchor: 'reconciliation-did-not-run',
        threshold: 1,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: HEARTBEAT_WINDOWS,
        missing: cloudwatch.TreatMissingData.BREACHING,
      });
    }

    completeStackAlarms(stack, this.runbook, this.action);
    this.dashboard = this.createDashboard(props, queues, deadLetterQueues);

    new CfnOutput(stack, 'AlarmTopicArn', {
      value: props.topic.topicArn,
      description: 'SNS topic every alarm notifies: subscribe pagers, AWS Chatbot or queues to it',
    });
    new CfnOutput(stack, 'DashboardName', { value: this.dashboard.dashboardName, description: 'The optout-hub CloudWatch dashboard' });
  }

  private alarm(
    id: string,
    metric: cloudwatch.IMetric,
    options: {
      description: string;
      anchor: RunbookAnchor;
      threshold: number;
      comparison?: cloudwatch.ComparisonOperator;
      evaluationPeriods?: number;
      missing?: cloudwatch.TreatMissingData;
    },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `${id}Alarm`, {
      metric,
      alarmDescription: `${options.description} Runbook: ${this.runbook}#${options.anchor}`,
      threshold: options.threshold,
      comparisonOperator: options.comparison ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      treatMissingData: options.missing ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    return alarm;
  }

  private createDashboard(props: MonitoringProps, queues: sqs.Queue[], deadLetterQueues: Set<sqs.IQueue>): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(3),
    });
    const api = props.api;
    const minutes = (n: number) => ({ period: Duration.minutes(n) });
    const handlers = Object.entries(props.handlers);
    const perFunction = (metric: (handler: HandlerFunction) => cloudwatch.IMetric) => handlers.map(([, handler]) => metric(handler));
    const withLabel = (name: string, metric: cloudwatch.Metric) => metric.with({ label: name });
    const check = ['check', 'check-batch', 'authorizer'].flatMap((name) => (props.handlers[name] ? [[name, props.handlers[name]] as const] : []));

    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: Stack.of(this)
          .node.findAll()
          .filter((construct): construct is cloudwatch.Alarm => construct instanceof cloudwatch.Alarm),
        width: 24,
        height: 6,
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API answers (2xx = all − 4xx − 5xx)',
        left: [
          api.metricCount({ ...minutes(1), statistic: cloudwatch.Stats.SUM, label: 'requests' }),
          api.metricClientError({ ...minutes(1), statistic: cloudwatch.Stats.SUM, label: '4xx' }),
          api.metricServerError({ ...minutes(1), statistic: cloudwatch.Stats.SUM, label: '5xx' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        left: [
          api.metricLatency({ ...minutes(1), statistic: cloudwatch.Stats.p(50), label: 'p50' }),
          api.metricLatency({ ...minutes(1), statistic: cloudwatch.Stats.p(99), label: 'p99' }),
          api.metricIntegrationLatency({ ...minutes(1), statistic: cloudwatch.Stats.p(99), label: 'integration p99' }),
        ],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Check latency (function duration, ms)',
        left: check.flatMap(([name, handler]) => [
          withLabel(`${name} p50`, handler.lambda.metricDuration({ ...minutes(1), statistic: cloudwatch.Stats.p(50) })),
          withLabel(`${name} p99`, handler.lambda.metricDuration({ ...minutes(1), statistic: cloudwatch.Stats.p(99) })),
        ]),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Invocations by function',
        left: handlers.map(([name, handler]) => withLabel(name, handler.lambda.metricInvocations({ ...minutes(5), statistic: cloudwatch.Stats.SUM }))),
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Errors by function',
        left: handlers.map(([name, handler]) => withLabel(name, handler.lambda.metricErrors({ ...minutes(5), statistic: cloudwatch.Stats.SUM }))),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Throttles: functions and DynamoDB',
        left: perFunction((handler) => handler.lambda.metricThrottles({ ...minutes(5), statistic: cloudwatch.Stats.SUM })),
        // Plain metrics: one graph cannot hold several expressions over the same metric ids.
        right: Object.entries(props.tables).flatMap(([key, table]) =>
          ['ReadThrottleEvents', 'WriteThrottleEvents'].map(
            (metricName) =>
              new cloudwatch.Metric({
                namespace: 'AWS/DynamoDB',
                metricName,
                dimensionsMap: { TableName: table.tableName },
                statistic: cloudwatch.Stats.SUM,
                period: Duration.minutes(5),
                label: `${key} ${metricName}`,
              }),
          ),
        ),
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Propagation: fan-out iterator age (ms)',
        left: streamConsumers.flatMap((consumer) =>
          props.handlers[consumer.function]
            ? [
                withLabel(
                  consumer.function,
                  props.handlers[consumer.function]!.lambda.metric('IteratorAge', { ...minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
                ),
              ]
            : [],
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Queue age of oldest message (s)',
        left: queues
          .filter((queue) => !deadLetterQueues.has(queue))
          .map((queue) => withLabel(queue.node.id, queue.metricApproximateAgeOfOldestMessage({ ...minutes(5), statistic: cloudwatch.Stats.MAXIMUM }))),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depth',
        left: queues
          .filter((queue) => deadLetterQueues.has(queue) || props.queuesWatchedElsewhere.includes(queue))
          .map((queue) => withLabel(queue.node.id, queue.metricApproximateNumberOfMessagesVisible({ ...minutes(5), statistic: cloudwatch.Stats.MAXIMUM }))),
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Reconciliation findings per channel (daily)',
        left: reconciledChannels().flatMap((channel) =>
          Object.keys(reconcileMetrics).map(
            (metricName) =>
              new cloudwatch.Metric({
                namespace: METRICS_NAMESPACE,
                metricName,
                dimensionsMap: { service: 'optout-hub', channel },
                statistic: cloudwatch.Stats.MAXIMUM,
                period: Duration.days(1),
                label: `${channel} ${metricName}`,
              }),
          ),
        ),
        width: 24,
      }),
    );
    return dashboard;
  }
}

/** The sections of docs/runbook.md the alarms point at. */
export type RunbookAnchor =
  | 'function-errors'
  | 'function-throttles'
  | 'api-5xx'
  | 'api-4xx'
  | 'api-latency'
  | 'dynamodb-throttles'
  | 'queue-oldest-message'
  | 'dead-letter-queue-not-empty'
  | 'fan-out-behind'
  | 'fan-out-failures-not-redriven'
  | 'reconciliation-did-not-run'
  | 'reconciliation-findings';

/**
 * The alarms infra/stack.ts makes itself (dead-letter queues, fan-out, redrive, reconciliation)
 * get the same runbook link, chosen by what they watch, and notify when they clear too.
 */
function completeStackAlarms(stack: Stack, runbook: string, action: SnsAction): void {
  for (const alarm of stack.node.findAll().filter((construct): construct is cloudwatch.Alarm => construct instanceof cloudwatch.Alarm)) {
    const cfn = alarm.node.defaultChild as cloudwatch.CfnAlarm;
    const description = cfn.alarmDescription ?? '';
    if (description.includes('Runbook: ')) continue;
    const anchor = anchorFor(cfn);
    if (anchor) cfn.alarmDescription = `${description} Runbook: ${runbook}#${anchor}`;
    // Alarms made elsewhere in the stack notify only on firing; here they get the clearing too.
    alarm.addOkAction(action);
  }
}

function anchorFor(alarm: cloudwatch.CfnAlarm): RunbookAnchor | undefined {
  if (alarm.namespace === METRICS_NAMESPACE) return 'reconciliation-findings';
  if (alarm.metricName === 'ApproximateNumberOfMessagesVisible') return 'dead-letter-queue-not-empty';
  if (alarm.metricName === 'ApproximateAgeOfOldestMessage') return 'fan-out-failures-not-redriven';
  if (alarm.metricName === 'IteratorAge') return 'fan-out-behind';
  if (alarm.metricName === 'Errors') return alarm.period && alarm.period >= 86_400 ? 'reconciliation-did-not-run' : 'function-errors';
  return undefined;
}

/** Read and write throttle events of a table, or of one of its global secondary indexes. */
function throttleEvents(tableName: string, indexName?: string): cloudwatch.MathExpression {
  const dimensionsMap: Record<string, string> = { TableName: tableName, ...(indexName ? { GlobalSecondaryIndexName: indexName } : {}) };
  const metric = (metricName: string) =>
    new cloudwatch.Metric({ namespace: 'AWS/DynamoDB', metricName, dimensionsMap, statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) });
  return new cloudwatch.MathExpression({
    expression: 'FILL(reads, 0) + FILL(writes, 0)',
    usingMetrics: { reads: metric('ReadThrottleEvents'), writes: metric('WriteThrottleEvents') },
    period: Duration.minutes(5),
    label: indexName ? `${indexName} index throttles` : 'table throttles',
  });
}

/** The channels a reconcile schedule names (every channel when one names none). */
function reconciledChannels(): Channel[] {
  const named = schedules
    .filter((schedule) => schedule.function === 'reconcile')
    .flatMap((schedule) => {
      const input = schedule.input.channels;
      return Array.isArray(input) ? input.filter((channel): channel is Channel => typeof channel === 'string' && isChannel(channel)) : [...channels];
    });
  return [...new Set(named)];
}

/**
 * An SNS subscription from one `alarmSubscriptions` entry: an email address, or an https:// URL
 * (a pager's SNS endpoint, e.g. PagerDuty's or Opsgenie's CloudWatch integration URL). Chat
 * (AWS Chatbot for Slack or Teams) and queues subscribe themselves to the AlarmTopicArn output.
 */
export function subscriptionFor(endpoint: string): sns.ITopicSubscription {
  if (/^https:\/\/\S+$/i.test(endpoint)) return new subscriptions.UrlSubscription(endpoint);
  if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(endpoint)) return new subscriptions.EmailSubscription(endpoint);
  throw new Error(`alarmSubscriptions entry "${endpoint}" is neither an email address nor an https:// URL.`);
}

const pascal = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
