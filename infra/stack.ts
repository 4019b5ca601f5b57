import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import {
  METRICS_NAMESPACE,
  reconcileMetrics,
  buckets,
  channelQueues,
  channelTopics,
  connectorFunction,
  dlqName,
  fanoutFailureQueue,
  functions,
  integrationQueue,
  routes,
  secretGroups,
  schedules,
  streamConsumers,
  tables,
  type BucketKey,
  type FunctionDeclaration,
  type FunctionName,
  type RouteAuth,
  type SecretGroupDeclaration,
  type SecretGroupKey,
  type TableDeclaration,
  type TableKey,
} from '../shared/platform/resources.js';
import { channels, type Channel } from '../shared/core/channels.js';
import { purposesFrom } from '../shared/platform/config.js';
import { parseIntegrations, subscriptionFilterPolicy } from '../shared/platform/integrations.js';
import { checkIntegrations, type CheckedIntegration } from '../shared/connectors/registry.js';
import { queueBatchSize } from '../shared/connectors/connector.js';
import { ConsoleSignIn } from './constructs/console-sign-in.js';
import { HandlerFunction } from './constructs/handler-function.js';
import { OptoutHubSecrets } from './constructs/secrets.js';
import { applyProductionOptions, type ProductionConstructs, type ProductionOptions } from './constructs/production.js';
import { grantTableAccess } from './constructs/table-access.js';

export interface OptoutHubStackProps extends StackProps {
  /** The base URL providers were told to call (they sign it); without it the request's own URL is used. */
  readonly publicBaseUrl?: string;
  /** Region for phone numbers written without a country code; the handlers default to US. */
  readonly defaultPhoneRegion?: string;
  /** Who is told when a dead-letter queue fills up or fan-out falls behind. */
  readonly alarmEmail?: string;
  /**
   * Settings every function receives as environment variables (PURPOSES, SLA_TARGET_MINUTES,
   * DISPOSITION_MAP, …; see README.md and docs/). Never secrets: those live in the secrets (docs/operations.md).
   */
  readonly configuration?: Record<string, string>;
  /** Alarm routing, edge protection, backups: see infra/constructs/production.ts and docs/operations.md. */
  readonly production?: ProductionOptions;
  /** The single config secret of earlier releases, read after each function's own secrets while values move (README, Deploy). */
  readonly legacyConfigSecretArn?: string;
  /** The console's Cognito hosted UI domain prefix (docs/console.md); unused when CONSOLE_OIDC_ISSUER is configured. */
  readonly consoleDomainPrefix?: string;
}

/** A channel's suppression queue and the dead-letter queue behind it. */
export interface ChannelQueue {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
}

/** An integration's queue and DLQ, and the function applying it (none for a `queue` integration). */
export interface IntegrationResources {
  readonly integration: CheckedIntegration;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly handler?: HandlerFunction;
}

/** A change waiting this long on an integration's queue is past the shortest default target (15 minutes). */
const INTEGRATION_BACKLOG_ALARM = Duration.minutes(15);

/** Both the queues and their DLQs only ever hold suppression changes; 14 days is SQS's maximum. */
const QUEUE_RETENTION = Duration.days(14);

/** Fan-out retries a failing batch this often (halving it each time) before parking it. */
const FANOUT_RETRY_ATTEMPTS = 10;
/**
 * A suppression change older than this is parked on the failure queue rather than retried:
 * by then something is broken and an operator must look, and the stream keeps records 24 h.
 */
const FANOUT_MAX_RECORD_AGE = Duration.hours(6);
/** Fan-out this far behind the stream means channels are sending to people who opted out. */
const FANOUT_ITERATOR_AGE_ALARM_MS = 60_000;
/**
 * A letter this old on the fan-out failure queue has outlived six 5-minute redrive runs: redrive
 * is failing (a queue still down, a poison item, the stream record gone), not merely waiting.
 */
const FANOUT_FAILURE_MAX_AGE = Duration.minutes(30);

/**
 * Why each kind of route has no API Gateway authorizer: the contract is recorded per route in
 * shared/platform/resources.ts and enforced inside the handler.
 */
const unauthorizedRouteReasons: Record<RouteAuth, string> = {
  'provider-signature':
    'Provider webhooks cannot send AWS credentials or tokens; the handler verifies the provider signature (e.g. X-Twilio-Signature) over the public URL and body and refuses anything unsigned.',
  'api-key':
    'Callers authenticate with an API key (x-api-key or Bearer) that the handler checks, in constant time and per scope, against the keys in the api-keys secret and table.',
  'signed-token':
    'Unsubscribe links are opened by mail clients and browsers that cannot send credentials (RFC 8058 forbids them); the handler verifies the HMAC-signed token in the path and refuses anything tampered with.',
  none: 'Health is deliberately public so load balancers and uptime monitors can probe it; it reveals only ok/unavailable per dependency.',
  'console-session':
    'Console pages are opened by browsers, which sign in through the configured OIDC provider; the handler checks the HMAC-signed HttpOnly session cookie, the role, and a CSRF token on every POST.',
};

const pascal = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');

const entries = <K extends string, V>(record: Partial<Record<K, V>>) => Object.entries(record) as [K, V][];

/**
 * optout-hub on AWS, generated from shared/platform/resources.ts: every table, queue, function, route and
 * stream consumer declared there, and nothing that is not.
 */
export class OptoutHubStack extends Stack {
  readonly tables: Record<TableKey, dynamodb.Table>;
  readonly channelQueues: Record<Channel, ChannelQueue>;
  readonly channelTopics: Record<Channel, sns.Topic>;
  readonly integrations: IntegrationResources[];
  readonly fanoutFailureQueue: sqs.Queue;
  readonly secrets: OptoutHubSecrets;
  readonly handlers: Record<FunctionName, HandlerFunction>;
  readonly api: HttpApi;
  readonly apiStage: HttpStage;
  readonly alarmTopic: sns.Topic;
  readonly buckets: Record<BucketKey, s3.Bucket>;
  readonly operations: ProductionConstructs;

  constructor(scope: Construct, id: string, props: OptoutHubStackProps = {}) {
    super(scope, id, props);

    // Checked first: a wrong INTEGRATIONS fails the synth with one clear message.
    const declaredIntegrations = checkIntegrations(parseIntegrations(props.configuration?.INTEGRATIONS, purposesFrom(props.configuration?.PURPOSES)));
    this.tables = this.createTables();
    this.channelTopics = this.createChannelTopics();
    this.channelQueues = Object.fromEntries(channels.map((channel) => [channel, this.createChannelQueue(channel)])) as Record<Channel, ChannelQueue>;
    this.fanoutFailureQueue = this.createFanoutFailureQueue();
    this.secrets = new OptoutHubSecrets(this, 'Secrets', { legacyConfigSecretArn: props.legacyConfigSecretArn });
    this.buckets = this.createBuckets();
    this.handlers = this.createHandlers(props);
    this.integrations = declaredIntegrations.map((integration) => this.createIntegration(integration, props));
    this.inspectIntegrationDeadLetters();
    const { api, stage } = this.createApi();
    this.api = api;
    this.apiStage = stage;
    this.connectStreamConsumers();
    this.createConsoleSignIn(props);
    this.alarmTopic = this.createAlarms(props.alarmEmail);
    this.createSchedules();
    this.createReconcileAlarms(this.alarmTopic);
    this.operations = applyProductionOptions(this, props.production);

    new CfnOutput(this, 'ApiUrl', { value: this.apiStage.url, description: 'Base URL of the HTTP API' });
    this.createOperatorOutputs();
  }

  /** Functions that show dead-letter depths (the console) see each integration's DLQ too: its attributes only. */
  private inspectIntegrationDeadLetters(): void {
    if (this.integrations.length === 0) return;
    for (const [name, declaration] of entries<FunctionName, FunctionDeclaration>(functions)) {
      if (!('inspectsDeadLetters' in declaration && declaration.inspectsDeadLetters)) continue;
      const handler = this.handlers[name];
      for (const { integration, deadLetterQueue } of this.integrations)
        handler.addEnvironment(integrationQueue(integration.name).dlqEnv, deadLetterQueue.queueUrl);
      handler.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: this.integrations.map(({ deadLetterQueue }) => deadLetterQueue.queueArn) }),
      );
    }
  }

  /**
   * The console's sign-in: the OIDC provider named in the configuration (CONSOLE_OIDC_ISSUER), or
   * else a Cognito user pool made here, with a group per console role (docs/console.md).
   */
  private createConsoleSignIn(props: OptoutHubStackProps): void {
    new CfnOutput(this, 'ConsoleUrl', { value: `${props.publicBaseUrl ?? this.api.apiEndpoint}/console`, description: 'The console' });
    if (props.configuration?.CONSOLE_OIDC_ISSUER) return;
    const signIn = new ConsoleSignIn(this, 'ConsoleSignIn', { baseUrl: props.publicBaseUrl ?? this.api.apiEndpoint, domainPrefix: props.consoleDomainPrefix });
    for (const [name, value] of Object.entries(signIn.environment)) this.handlers.console.lambda.addEnvironment(name, value);
    new CfnOutput(this, 'ConsoleUserPoolId', {
      value: signIn.userPool.userPoolId,
      description: 'Cognito user pool of console users: add each user to the viewer, agent or compliance-admin group',
    });
  }

  /**
   * What the operator CLI reads from its environment, one output per variable (the key is the
   * variable in PascalCase: SUPPRESSIONS_SMS_QUEUE_URL is SuppressionsSmsQueueUrl), and all of
   * them as one `NAME=value …` line (CliEnvironment) that a shell can export: physical names
   * are generated on AWS, so the CLI cannot find the resources any other way.
   */
  private createOperatorOutputs(): void {
    const variables: [env: string, value: string, description: string][] = [
      ...entries<TableKey, TableDeclaration>(tables).map(([key, declaration]): [string, string, string] => [
        declaration.env,
        this.tables[key].tableName,
        `The ${declaration.name} table`,
      ]),
      ...channels.flatMap((channel): [string, string, string][] => [
        [
          channelQueues[channel].env,
          this.channelQueues[channel].queue.queueUrl,
          `The ${channel} channel queue (one consumer of your own; more systems are integrations)`,
        ],
        [channelQueues[channel].dlqEnv, this.channelQueues[channel].deadLetterQueue.queueUrl, `Dead-letter queue of the ${channel} queue`],
      ]),
      ...channels.map((channel): [string, string, string] => [
        channelTopics[channel].env,
        this.channelTopics[channel].topicArn,
        `Topic every ${channel} change is published to (replay-dlq republishes fan-out failures here)`,
      ]),
      ...this.integrations.flatMap(({ integration, queue, deadLetterQueue }): [string, string, string][] => [
        [integrationQueue(integration.name).env, queue.queueUrl, `Queue of integration ${integration.name}`],
        [integrationQueue(integration.name).dlqEnv, deadLetterQueue.queueUrl, `Dead-letter queue of integration ${integration.name}`],
      ]),
      [fanoutFailureQueue.env, this.fanoutFailureQueue.queueUrl, 'Where fan-out puts stream records it could not deliver'],
      ...entries<SecretGroupKey, SecretGroupDeclaration>(secretGroups).map(([key, group]): [string, string, string] => [
        group.env,
        this.secrets.secrets[key].secretArn,
        `Secret holding ${group.keys.join(', ')}`,
      ]),
      ...entries<BucketKey, { name: string; env: string }>(buckets).map(([key, declaration]): [string, string, string] => [
        declaration.env,
        this.buckets[key].bucketName,
        `The ${declaration.name} bucket`,
      ]),
    ];
    for (const [env, value, description] of variables) {
      // The construct id must differ from the resource's own (PreferencesTable is the table); the output's key need not.
      const key = pascal(env.toLowerCase());
      new CfnOutput(this, `${key}Output`, { value, description: `${env}: ${description}` }).overrideLogicalId(key);
    }
    new CfnOutput(this, 'CliEnvironment', {
      value: [`AWS_REGION=${this.region}`, ...variables.map(([env, value]) => `${env}=${value}`)].join(' '),
      description: 'The operator CLI environment: export $(…this value…)',
    });
  }

  private createTables(): Record<TableKey, dynamodb.Table> {
    return Object.fromEntries(
      entries<TableKey, TableDeclaration>(tables).map(([key, declaration]) => {
        const table = new dynamodb.Table(this, `${pascal(declaration.name)}Table`, {
          partitionKey: { name: declaration.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: declaration.sortKey ? { name: declaration.sortKey, type: dynamodb.AttributeType.STRING } : undefined,
          stream: declaration.stream ? dynamodb.StreamViewType[declaration.stream] : undefined,
          // Declared only on tables of expendable items (replay guards), never on the record.
          timeToLiveAttribute: declaration.timeToLiveAttribute,
          /** Opt-out traffic is spiky (campaign replies) and small; on-demand needs no capacity planning. */
          billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
          /** The opt-out record is the legal evidence; it must be restorable to any second of the last 35 days. */
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          encryption: dynamodb.TableEncryption.AWS_MANAGED,
          /** Losing the master record means contacting people who said stop; never delete it with the stack. */
          removalPolicy: RemovalPolicy.RETAIN,
          deletionProtection: true,
        });
        for (const index of declaration.indexes ?? []) {
          table.addGlobalSecondaryIndex({
            indexName: index.name,
            partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
            sortKey: index.sortKey ? { name: index.sortKey, type: dynamodb.AttributeType.STRING } : undefined,
            projectionType: dynamodb.ProjectionType.ALL,
          });
        }
        return [key, table];
      }),
    ) as Record<TableKey, dynamodb.Table>;
  }

  private createChannelQueue(channel: Channel): ChannelQueue {
    const declaration = channelQueues[channel];
    const deadLetterQueue = new sqs.Queue(this, pascal(dlqName(declaration.name)), { ...secureQueueDefaults });
    const queue = new sqs.Queue(this, pascal(declaration.name), {
      ...secureQueueDefaults,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: declaration.maxReceiveCount },
    });
    // Raw delivery: the queue's message body is the change itself, as every consumer expects.
    this.channelTopics[channel].addSubscription(new SqsSubscription(queue, { rawMessageDelivery: true }));
    return { queue, deadLetterQueue };
  }

  /** One topic per channel: fan-out publishes each change once, and every subscription gets its own copy. */
  private createChannelTopics(): Record<Channel, sns.Topic> {
    const key = new kms.Key(this, 'SuppressionTopicKey', {
      description: 'Encrypts suppression changes on the channel topics',
      enableKeyRotation: true,
    });
    // SNS decrypts with it to deliver to the subscribed queues.
    key.grant(new iam.ServicePrincipal('sns.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    return Object.fromEntries(
      channels.map((channel) => [
        channel,
        new sns.Topic(this, `${pascal(channelTopics[channel].name)}Topic`, {
          displayName: `optout-hub ${channel} suppression changes`,
          masterKey: key,
          enforceSSL: true,
        }),
      ]),
    ) as Record<Channel, sns.Topic>;
  }

  /**
   * An integration's own subscription: a queue (and DLQ) subscribed to each of its channels'
   * topics, filtered by its purposes, and, unless its code is the customer's (`queue`), the
   * function that applies it to the vendor, with exactly the AWS access its connector declares.
   */
  private createIntegration(integration: CheckedIntegration, props: OptoutHubStackProps): IntegrationResources {
    const declaration = integrationQueue(integration.name);
    const id = `Integration${pascal(integration.name)}`;
    const deadLetterQueue = new sqs.Queue(this, `${id}Dlq`, { ...secureQueueDefaults });
    const queue = new sqs.Queue(this, `${id}Queue`, {
      ...secureQueueDefaults,
      // Six times the function's timeout, as Lambda recommends for an SQS event source.
      visibilityTimeout: Duration.seconds(6 * connectorFunction.timeoutSeconds),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: declaration.maxReceiveCount },
    });
    const policy = subscriptionFilterPolicy(integration);
    for (const channel of integration.channels) {
      this.channelTopics[channel].addSubscription(
        new SqsSubscription(queue, {
          rawMessageDelivery: true,
          ...(policy ? { filterPolicy: { affects: sns.SubscriptionFilter.stringFilter({ allowlist: policy.affects }) } } : {}),
        }),
      );
    }
    if (!integration.definition.runsFunction) return { integration, queue, deadLetterQueue };

    const handler = new HandlerFunction(this, `${id}Connector`, {
      entry: connectorFunction.entry,
      description: `${connectorFunction.description}: ${integration.name} (${integration.connector})`,
      environment: { ...this.sharedEnvironment(props), INTEGRATION_NAME: integration.name, [declaration.env]: queue.queueUrl },
      timeout: Duration.seconds(connectorFunction.timeoutSeconds),
    });
    this.grantDeclaredAccess(handler, {
      ...connectorFunction,
      ...(integration.definition.queriesIndexes ? { queriesIndexes: integration.definition.queriesIndexes } : {}),
    });
    for (const statement of integration.definition.awsPermissions?.(integration.checkedSettings) ?? []) {
      // Settings cannot know the account: this stack's account and region stand in for the wildcard.
      const resources = statement.resources.map((resource) =>
        resource.replace(
          /^arn:aws:([a-z0-9-]+):([a-z0-9-]+|\*):\*:/,
          (_, service: string, region: string) => `arn:${this.partition}:${service}:${region === '*' ? this.region : region}:${this.account}:`,
        ),
      );
      handler.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: statement.actions, resources }));
      for (const resource of resources.filter((candidate) => candidate.includes('*'))) {
        acknowledge(
          handler.role,
          `AwsSolutions-IAM5[Resource::${resource}]`,
          `The ${integration.connector} connector of ${integration.name} needs ${statement.actions.join(', ')} on ${resource === '*' ? 'a resource that cannot be scoped (the account-level suppression list)' : 'the objects under the configured prefix, whose names change every run'}.`,
        );
      }
    }
    handler.lambda.addEventSource(
      new SqsEventSource(queue, {
        batchSize: queueBatchSize(integration.definition),
        ...(queueBatchSize(integration.definition) > 10 ? { maxBatchingWindow: Duration.seconds(5) } : {}),
        reportBatchItemFailures: true,
        // The vendor's rate limit is per integration: a few concurrent batches, never a stampede.
        maxConcurrency: 2,
      }),
    );
    if (integration.definition.schedule) {
      new events.Rule(this, `${id}Schedule`, {
        description: `Runs the ${integration.name} connector's scheduled work ${integration.definition.schedule.rate}`,
        schedule: events.Schedule.expression(integration.definition.schedule.rate),
        targets: [new eventTargets.LambdaFunction(handler.lambda, { event: events.RuleTargetInput.fromObject({ scheduled: true }), retryAttempts: 2 })],
      });
    }
    return { integration, queue, deadLetterQueue, handler };
  }

  private createFanoutFailureQueue(): sqs.Queue {
    const queue = new sqs.Queue(this, pascal(fanoutFailureQueue.name), { ...secureQueueDefaults });
    acknowledge(
      queue,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter destination: the stream event source parks records here after its bounded retries (an on-failure destination, which cdk-nag does not recognise as a DLQ), and an alarm fires on the first message.',
    );
    return queue;
  }

  private sharedEnvironment(props: OptoutHubStackProps): Record<string, string> {
    const environment: Record<string, string> = { ...props.configuration };
    if (props.defaultPhoneRegion) environment.DEFAULT_PHONE_REGION = props.defaultPhoneRegion;
    if (props.publicBaseUrl) environment.PUBLIC_BASE_URL = props.publicBaseUrl;
    return environment;
  }

  /** Deployment settings go to every function: they are configuration, not access. */
  private createHandlers(props: OptoutHubStackProps): Record<FunctionName, HandlerFunction> {
    for (const name of Object.keys(props.configuration ?? {})) {
      if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`Configuration name "${name}" is not an environment variable name.`);
      const group = Object.values(secretGroups).find((candidate) => (candidate.keys as readonly string[]).includes(name));
      if (group) throw new Error(`${name} is a secret: put it in the ${group.name} secret, not in the deployed configuration.`);
      if (name === 'SNS_SIGNING_CERTIFICATE_PEM') {
        throw new Error(
          'SNS_SIGNING_CERTIFICATE_PEM is for local development only: on AWS, SES notifications are verified against the certificate SNS publishes.',
        );
      }
    }
    const sharedEnvironment = this.sharedEnvironment(props);

    const handlers = {} as Record<FunctionName, HandlerFunction>;
    for (const [name, declaration] of entries<FunctionName, FunctionDeclaration>(functions)) {
      const handler = new HandlerFunction(this, pascal(name), {
        entry: declaration.entry,
        description: declaration.description,
        environment: sharedEnvironment,
        ...(declaration.timeoutSeconds ? { timeout: Duration.seconds(declaration.timeoutSeconds) } : {}),
      });
      this.grantDeclaredAccess(handler, declaration);
      handlers[name] = handler;
    }
    return handlers;
  }

  /** Exactly the access a function's declaration asks for, and the environment that names it. */
  private grantDeclaredAccess(handler: HandlerFunction, declaration: FunctionDeclaration): void {
    grantTableAccess(handler, declaration, this.tables);

    for (const channel of declaration.sendsTo ?? []) {
      const { queue } = this.channelQueues[channel];
      handler.addEnvironment(channelQueues[channel].env, queue.queueUrl);
      queue.grantSendMessages(handler);
    }

    for (const channel of declaration.publishesTo ?? []) {
      const topic = this.channelTopics[channel];
      handler.addEnvironment(channelTopics[channel].env, topic.topicArn);
      // Publish and the two key operations an encrypted topic needs: grantPublish would add kms:GenerateDataKey*.
      handler.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
      handler.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [topic.masterKey!.keyArn] }));
    }
    if (declaration.redrivesFanoutFailures && declaration.publishesTo?.length) {
      // The probe that says a topic answers again before parked changes are published to it.
      handler.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['sns:GetTopicAttributes'],
          resources: declaration.publishesTo.map((channel) => this.channelTopics[channel].topicArn),
        }),
      );
    }

    if (declaration.inspectsResources) {
      for (const key of Object.keys(tables) as TableKey[]) {
        handler.addEnvironment(tables[key].env, this.tables[key].tableName);
      }
      for (const channel of channels) {
        handler.addEnvironment(channelQueues[channel].env, this.channelQueues[channel].queue.queueUrl);
      }
      // Describe only: a health probe must not be able to read a single suppression or message.
      handler.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:DescribeTable'],
          resources: Object.values(this.tables).map((table) => table.tableArn),
        }),
      );
      handler.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['sqs:GetQueueAttributes'],
          resources: channels.map((channel) => this.channelQueues[channel].queue.queueArn),
        }),
      );
    }

    if (declaration.inspectsDeadLetters) {
      handler.addEnvironment(fanoutFailureQueue.env, this.fanoutFailureQueue.queueUrl);
      for (const channel of channels) handler.addEnvironment(channelQueues[channel].dlqEnv, this.channelQueues[channel].deadLetterQueue.queueUrl);
      // Attributes only (the depth): it can neither read nor delete a dead letter.
      handler.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['sqs:GetQueueAttributes'],
          resources: [this.fanoutFailureQueue.queueArn, ...channels.map((channel) => this.channelQueues[channel].deadLetterQueue.queueArn)],
        }),
      );
    }

    if (declaration.redrivesFanoutFailures) {
      handler.addEnvironment(fanoutFailureQueue.env, this.fanoutFailureQueue.queueUrl);
      this.fanoutFailureQueue.grantConsumeMessages(handler);
      // The records a letter names, read by position: no dynamodb:ListStreams (it needs "*").
      handler.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:GetShardIterator', 'dynamodb:GetRecords'],
          resources: streamConsumers.map((consumer) => this.tables[consumer.table].tableStreamArn!),
        }),
      );
    }

    this.secrets.grantDeclared(handler, declaration);

    for (const key of declaration.writesTo ?? []) {
      handler.addEnvironment(buckets[key].env, this.buckets[key].bucketName);
      // Put (and abort a multipart upload) only: the writer cannot read, list or delete what is kept.
      handler.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [this.buckets[key].arnForObjects('*')] }),
      );
      acknowledge(
        handler.role,
        `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.buckets[key].node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
        'Each run writes new objects under keys named by channel and time (snapshots/…, reports/…), so the grant covers the objects of this one bucket; it allows put and abort only.',
      );
    }
  }

  /**
   * Reconciliation snapshots are evidence of what every channel was told: encrypted, TLS only,
   * never public, versioned (an overwrite keeps the previous object) and kept with the stack gone.
   * Access to them is logged to a second bucket with the same guarantees.
   */
  private createBuckets(): Record<BucketKey, s3.Bucket> {
    const secure = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    } satisfies s3.BucketProps;
    const accessLogs = new s3.Bucket(this, 'BucketAccessLogs', { ...secure, objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED });
    return Object.fromEntries(
      (Object.keys(buckets) as BucketKey[]).map((key) => [
        key,
        new s3.Bucket(this, `${pascal(buckets[key].name)}Bucket`, {
          ...secure,
          serverAccessLogsBucket: accessLogs,
          serverAccessLogsPrefix: `${buckets[key].name}/`,
        }),
      ]),
    ) as Record<BucketKey, s3.Bucket>;
  }

  /** One EventBridge rule per declared schedule, sending the declared input to its function. */
  private createSchedules(): void {
    schedules.forEach((schedule, index) => {
      new events.Rule(this, `${pascal(schedule.function)}Schedule${index + 1}`, {
        description: `Runs ${schedule.function} ${schedule.rate} with ${JSON.stringify(schedule.input)}`,
        schedule: events.Schedule.expression(schedule.rate),
        targets: [
          new eventTargets.LambdaFunction(this.handlers[schedule.function].lambda, {
            event: events.RuleTargetInput.fromObject(schedule.input),
            retryAttempts: 2,
          }),
        ],
      });
    });
  }

  /**
   * Alarms on what reconciliation reports per channel (one datapoint a day): any change past its
   * target, approaching or past its deadline, any drift; and the reconciliation itself failing.
   */
  private createReconcileAlarms(topic: sns.Topic): void {
    const action = new SnsAction(topic);
    for (const channel of channels) {
      for (const [metricName, kind] of Object.entries(reconcileMetrics)) {
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName,
          dimensionsMap: { service: 'optout-hub', channel },
          statistic: cloudwatch.Stats.MAXIMUM,
          period: Duration.days(1),
        })
          .createAlarm(this, `${pascal(channel)}${metricName}Alarm`, {
            alarmDescription: `Reconciliation found ${channel} suppressions ${kind.replace(/-/g, ' ')}: see the report in the snapshot bucket or run optout-hub sla.`,
            threshold: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluationPeriods: 1,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          })
          .addAlarmAction(action);
      }
    }
    this.handlers.reconcile.lambda
      .metricErrors({ statistic: cloudwatch.Stats.SUM, period: Duration.days(1) })
      .createAlarm(this, 'ReconcileErrorsAlarm', {
        alarmDescription: 'Reconciliation failed: no snapshot, and SLA breaches and drift go unreported until it runs.',
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      })
      .addAlarmAction(action);
  }

  private createApi(): { api: HttpApi; stage: HttpStage } {
    const api = new HttpApi(this, 'Api', {
      description: 'optout-hub: provider webhooks and the pre-send suppression check',
      // The stage is created below so it can carry access logging and throttling.
      createDefaultStage: false,
    });

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const stage = new HttpStage(this, 'ApiDefaultStage', {
      httpApi: api,
      autoDeploy: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // routeKey, never the raw path: the check route's path carries the phone number or email.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
      /**
       * A ceiling against floods and runaway callers, well above what SMS providers and pre-send
       * checks need; raise it per deployment if a dialer checks at higher rates.
       */
      throttle: { rateLimit: 200, burstLimit: 400 },
    });

    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    const integrationFor = (name: FunctionName) => {
      let integration = integrations.get(name);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${pascal(name)}Integration`, this.handlers[name].lambda);
        integrations.set(name, integration);
      }
      return integration;
    };

    // API-key routes: the authorizer function checks the key and the route's scope (shared/auth).
    // Caching off, so a revoked key is refused on its next call; no identity source, because a key
    // may come in x-api-key or as a Bearer token and a missing one must still reach the 401.
    const apiKeyAuthorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', this.handlers.authorizer.lambda, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
    });
    for (const route of routes) {
      const authorized = route.auth === 'api-key';
      const created: HttpRoute[] = api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrationFor(route.function),
        ...(authorized ? { authorizer: apiKeyAuthorizer } : {}),
      });
      if (!authorized) for (const httpRoute of created) acknowledge(httpRoute, 'AwsSolutions-APIG4', unauthorizedRouteReasons[route.auth]);
    }
    return { api, stage };
  }

  private connectStreamConsumers(): void {
    for (const consumer of streamConsumers) {
      const handler = this.handlers[consumer.function];
      acknowledge(
        handler.role,
        'AwsSolutions-IAM5[Resource::*]',
        'The stream event source needs dynamodb:ListStreams, which has no resource-level permissions (the DynamoEventSource grant uses "*"); reading records stays scoped to the stream ARN.',
      );
      handler.lambda.addEventSource(
        new DynamoEventSource(this.tables[consumer.table], {
          // Everything still in the stream after a (re)deploy is distributed, never skipped.
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: 100,
          reportBatchItemFailures: true,
          bisectBatchOnError: true,
          retryAttempts: FANOUT_RETRY_ATTEMPTS,
          maxRecordAge: FANOUT_MAX_RECORD_AGE,
          onFailure: new SqsDlq(this.fanoutFailureQueue),
          // One batch per shard at a time: changes to one address must reach the channel in order.
          parallelizationFactor: 1,
        }),
      );
    }
  }

  private createAlarms(alarmEmail: string | undefined): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts optout-hub alarm notifications',
      enableKeyRotation: true,
    });
    // CloudWatch publishes alarm state changes to the topic and so must use its key.
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'optout-hub alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (alarmEmail) topic.addSubscription(new EmailSubscription(alarmEmail));
    const action = new SnsAction(topic);

    const deadLetterQueues: [string, sqs.Queue][] = [
      ...channels.map((channel): [string, sqs.Queue] => [dlqName(channelQueues[channel].name), this.channelQueues[channel].deadLetterQueue]),
      [fanoutFailureQueue.name, this.fanoutFailureQueue],
      ...this.integrations.map(({ integration, deadLetterQueue }): [string, sqs.Queue] => [dlqName(integrationQueue(integration.name).name), deadLetterQueue]),
    ];
    for (const { integration, queue } of this.integrations) {
      queue
        .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM })
        .createAlarm(this, `Integration${pascal(integration.name)}BacklogAlarm`, {
          alarmDescription: `A change has waited on ${integrationQueue(integration.name).name} for more than ${INTEGRATION_BACKLOG_ALARM.toMinutes()} minutes: ${integration.name} is not applying changes (vendor down, throttling, or a broken connector). See docs/connectors/.`,
          threshold: INTEGRATION_BACKLOG_ALARM.toSeconds(),
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
        .addAlarmAction(action);
    }
    for (const [name, queue] of deadLetterQueues) {
      queue
        .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM })
        .createAlarm(this, `${pascal(name)}NotEmptyAlarm`, {
          alarmDescription: `${name} holds messages: suppression changes are not reaching a channel. Inspect and redrive.`,
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
        .addAlarmAction(action);
    }

    for (const consumer of streamConsumers) {
      const fn = this.handlers[consumer.function].lambda;
      const id = pascal(consumer.function);
      fn.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) })
        .createAlarm(this, `${id}IteratorAgeAlarm`, {
          alarmDescription: `${consumer.function} is more than a minute behind the ${consumer.table} stream: channels see opt-outs late.`,
          threshold: FANOUT_ITERATOR_AGE_ALARM_MS,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 5,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
        .addAlarmAction(action);
      fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) })
        .createAlarm(this, `${id}ErrorsAlarm`, {
          alarmDescription: `${consumer.function} invocations are failing; its batches are being retried and may end on ${fanoutFailureQueue.name}.`,
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
        .addAlarmAction(action);
    }

    this.fanoutFailureQueue
      .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM })
      .createAlarm(this, `${pascal(fanoutFailureQueue.name)}NotRedrivenAlarm`, {
        alarmDescription: `A change has waited on ${fanoutFailureQueue.name} for more than ${FANOUT_FAILURE_MAX_AGE.toMinutes()} minutes: the redrive function is not getting it through. See its logs, fix the cause, then run optout-hub replay-dlq --only fanout.`,
        threshold: FANOUT_FAILURE_MAX_AGE.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      })
      .addAlarmAction(action);
    this.handlers.redrive.lambda
      .metricErrors({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(15) })
      .createAlarm(this, 'RedriveErrorsAlarm', {
        alarmDescription: `redrive is failing: changes parked on ${fanoutFailureQueue.name} are not put back until it runs.`,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      })
      .addAlarmAction(action);
    return topic;
  }
}

/** Every queue: TLS only, encrypted at rest, messages kept as long as SQS allows. */
const secureQueueDefaults = {
  enforceSSL: true,
  encryption: sqs.QueueEncryption.SQS_MANAGED,
  retentionPeriod: QUEUE_RETENTION,
} satisfies sqs.QueueProps;

/** Records why a cdk-nag rule does not apply to `scope` (and everything under it). */
function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
