import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../../infra/constructs/handler-function.js';
import { OptoutHubStack } from '../../infra/stack.js';
import {
  METRICS_NAMESPACE,
  reconcileMetrics,
  buckets,
  channelQueues,
  channelTopics,
  fanoutFailureQueue,
  functions,
  routes,
  schedules,
  secretGroups,
  streamConsumers,
  tables,
  type FunctionDeclaration,
  type FunctionName,
  type SecretGroupKey,
  type TableKey,
} from '../../shared/platform/resources.js';
import { channels, type Channel } from '../../shared/core/channels.js';
import { keys } from '../../shared/store/keys.js';

/**
 * The stack as `cdk synth` builds it: same feature flags (cdk.json context), no env. Assertions
 * find resources through the declaration (descriptions, environment variables, references),
 * never through logical IDs, so renaming a construct cannot silently break them.
 */

interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

const cdkContext = JSON.parse(readFileSync(join(repositoryRoot, 'cdk.json'), 'utf8')).context as Record<string, unknown>;

const functionNames = Object.keys(functions) as FunctionName[];
const tableKeys = Object.keys(tables) as TableKey[];
const declarationOf = (name: FunctionName): FunctionDeclaration => functions[name];

/** The logical ID a `{ Ref }` or `{ Fn::GetAtt }` points at. */
const target = (value: any): string | undefined => value?.Ref ?? value?.['Fn::GetAtt']?.[0];
const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * Assembled under node_modules so the handler bundles, which leave @aws-sdk to the Lambda
 * runtime, can resolve it from the project's own node_modules in the start-up test below.
 */
const cacheDir = join(repositoryRoot, 'node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const outdir = mkdtempSync(join(cacheDir, 'optout-hub-infra-'));

let app: App;
let stack: OptoutHubStack;
let template: Template;

const resources = (type: string) => Object.entries(template.findResources(type)) as [string, Resource][];
const resource = (logicalId: string) => template.toJSON().Resources[logicalId] as Resource;

const functionId = (name: FunctionName): string => {
  const found = resources('AWS::Lambda::Function').filter(([, fn]) => fn.Properties.Description === declarationOf(name).description);
  expect(found, `exactly one Lambda function for ${name}`).toHaveLength(1);
  return found[0]![0];
};
const environmentOf = (name: FunctionName): Record<string, unknown> => resource(functionId(name)).Properties.Environment?.Variables ?? {};

/** Every action that any policy attached to the function's role allows, with its resources. */
const statementsOf = (name: FunctionName): { actions: string[]; resources: unknown[] }[] => {
  const roleId = target(resource(functionId(name)).Properties.Role);
  return resources('AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: unknown) => target(role) === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
    .filter((statement: any) => statement.Effect === 'Allow')
    .map((statement: any) => ({ actions: asArray<string>(statement.Action), resources: asArray(statement.Resource) }));
};
/** The policy statement as synthesized (with its Condition), for one of statementsOf's. */
const rawStatementOf = (name: FunctionName, wanted: { actions: string[]; resources: unknown[] }): any => {
  const roleId = target(resource(functionId(name)).Properties.Role);
  return resources('AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: unknown) => target(role) === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
    .find(
      (statement: any) =>
        JSON.stringify(asArray(statement.Action)) === JSON.stringify(wanted.actions) &&
        JSON.stringify(asArray(statement.Resource)) === JSON.stringify(wanted.resources),
    );
};
const actionsOf = (name: FunctionName) => new Set(statementsOf(name).flatMap((statement) => statement.actions));

/** Logical IDs of tables and channel queues, learnt from the environment the functions receive. */
const tableId = (key: TableKey): string => {
  const ids = new Set(functionNames.map((name) => target(environmentOf(name)[tables[key].env])).filter(Boolean));
  expect(ids.size, `${tables[key].env} names one table`).toBe(1);
  return [...ids][0]!;
};
const queueId = (channel: Channel): string => {
  const ids = new Set(functionNames.map((name) => target(environmentOf(name)[channelQueues[channel].env])).filter(Boolean));
  expect(ids.size, `${channelQueues[channel].env} names one queue`).toBe(1);
  return [...ids][0]!;
};
/** A declared secret, found by its name (`${stack}/${name}`). */
const secretId = (key: SecretGroupKey): string => {
  const found = resources('AWS::SecretsManager::Secret').filter(([, secret]) => secret.Properties.Name === `OptoutHub/${secretGroups[key].name}`);
  expect(found, secretGroups[key].name).toHaveLength(1);
  return found[0]![0];
};
const deadLetterQueueId = (channel: Channel): string => target(resource(queueId(channel)).Properties.RedrivePolicy.deadLetterTargetArn)!;

/** Every cdk-nag acknowledgment recorded in the construct tree: where, which rule, and why. */
function acknowledgments(root: IConstruct): { path: string; id: string; reason: unknown }[] {
  const all = [root, ...root.node.findAll().slice(1)];
  return all.flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          // Validations stores unprefixed ids as annotation ids; cdk-nag strips the prefix the same way.
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

beforeAll(() => {
  app = new App({ context: cdkContext, outdir });
  stack = new OptoutHubStack(app, 'OptoutHub');
  template = Template.fromStack(stack);
});

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

describe('functions', () => {
  it('deploys exactly the declared functions, on nodejs22.x and arm64 with active tracing', () => {
    template.resourceCountIs('AWS::Lambda::Function', functionNames.length);
    for (const name of functionNames) {
      expect(resource(functionId(name)).Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        Timeout: declarationOf(name).timeoutSeconds ?? 10,
        TracingConfig: { Mode: 'Active' },
      });
    }
  });

  it('gives each function its own log group, kept a year and retained', () => {
    for (const name of functionNames) {
      const logGroupId = target(resource(functionId(name)).Properties.LoggingConfig?.LogGroup);
      expect(logGroupId, `${name} logs to its own group`).toBeDefined();
      const logGroup = resource(logGroupId!);
      expect(logGroup.Properties.RetentionInDays).toBe(365);
      expect(logGroup.DeletionPolicy).toBe('Retain');
    }
    const logGroupIds = functionNames.map((name) => target(resource(functionId(name)).Properties.LoggingConfig.LogGroup));
    expect(new Set(logGroupIds).size).toBe(functionNames.length);
  });

  it('masks phone numbers and emails in every function log group (a data-protection policy behind redact())', () => {
    for (const name of functionNames) {
      const logGroup = resource(target(resource(functionId(name)).Properties.LoggingConfig.LogGroup)!);
      expect(logGroup.Properties, name).toMatchObject({ DataProtectionPolicy: expect.objectContaining({ Statement: expect.any(Array) }) });
      const statements = logGroup.Properties.DataProtectionPolicy.Statement as { DataIdentifier: unknown[]; Operation: Record<string, unknown> }[];
      const masking = statements.find((statement) => 'Deidentify' in statement.Operation);
      expect(masking, `${name} masks what it finds`).toMatchObject({ Operation: { Deidentify: { MaskConfig: {} } } });
      const identifiers = JSON.stringify(masking!.DataIdentifier);
      for (const identifier of ['EmailAddress', 'PhoneNumber-US', 'PhoneNumber-GB'])
        expect(identifiers, `${name}: ${identifier}`).toContain(`data-identifier/${identifier}`);
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', Match.objectLike({ DataProtectionPolicy: Match.objectLike({ Statement: Match.anyValue() }) }));
  });

  it('passes each function only the environment its declaration calls for', () => {
    for (const name of functionNames) {
      const declaration = declarationOf(name);
      const expected = new Set(['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME']);
      for (const key of Object.keys({ ...declaration.tables, ...declaration.queriesIndexes }) as TableKey[]) expected.add(tables[key].env);
      for (const channel of declaration.sendsTo ?? []) expected.add(channelQueues[channel].env);
      for (const channel of declaration.publishesTo ?? []) expected.add(channelTopics[channel].env);
      if (declaration.inspectsResources) {
        for (const key of tableKeys) expected.add(tables[key].env);
        for (const channel of channels) expected.add(channelQueues[channel].env);
      }
      for (const key of declaration.secrets ?? []) expected.add(secretGroups[key].env);
      for (const key of declaration.writesTo ?? []) expected.add(buckets[key].env);
      if (declaration.redrivesFanoutFailures) expected.add(fanoutFailureQueue.env);
      if (declaration.inspectsDeadLetters) {
        expected.add(fanoutFailureQueue.env);
        for (const channel of channels) expected.add(channelQueues[channel].dlqEnv);
      }
      // The console's sign-in: the stack's Cognito user pool, when no other OIDC provider is configured.
      if (name === 'console') for (const variable of ['CONSOLE_OIDC_ISSUER', 'CONSOLE_OIDC_CLIENT_ID']) expected.add(variable);
      expect(new Set(Object.keys(environmentOf(name))), name).toEqual(expected);
      expect(environmentOf(name)).toMatchObject({ NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'optout-hub' });
    }
  });

  it('adds DEFAULT_PHONE_REGION and PUBLIC_BASE_URL only when they are given', () => {
    for (const name of functionNames) {
      expect(environmentOf(name)).not.toHaveProperty('DEFAULT_PHONE_REGION');
      expect(environmentOf(name)).not.toHaveProperty('PUBLIC_BASE_URL');
    }
    const configured = Template.fromStack(
      new OptoutHubStack(new App({ context: cdkContext }), 'Configured', {
        defaultPhoneRegion: 'GB',
        publicBaseUrl: 'https://hooks.example.com',
        configuration: { PURPOSES: 'newsletter', SLA_TARGET_MINUTES: 'sms:10' },
      }),
    );
    configured.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        Environment: {
          Variables: Match.objectLike({
            DEFAULT_PHONE_REGION: 'GB',
            PUBLIC_BASE_URL: 'https://hooks.example.com',
            PURPOSES: 'newsletter',
            SLA_TARGET_MINUTES: 'sms:10',
          }),
        },
      },
      functionNames.length,
    );
  });

  it('refuses to deploy a secret, or a name that is no environment variable, as configuration', () => {
    const synthWith = (configuration: Record<string, string>) => () => new OptoutHubStack(new App({ context: cdkContext }), 'Misconfigured', { configuration });
    expect(synthWith({ TWILIO_AUTH_TOKEN: 'abc' })).toThrow(/put it in the twilio secret/);
    expect(synthWith({ 'not-a-name': 'x' })).toThrow(/environment variable name/);
  });
});

describe('least privilege', () => {
  const dynamodbWrites = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems|PartiQL(Insert|Update|Delete))$/;

  it('lets check read suppressions but never write anything', () => {
    const actions = [...actionsOf('check')];
    expect(actions.filter((action) => dynamodbWrites.test(action) || /^(dynamodb|sqs):\*$|^\*$/.test(action))).toEqual([]);
    expect(actions).toContain('dynamodb:GetItem');
    expect(actions.some((action) => action.startsWith('sqs:'))).toBe(false);
  });

  it('lets health describe tables and queues and nothing else', () => {
    expect([...actionsOf('health')].sort()).toEqual(
      [
        'dynamodb:DescribeTable',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:GetQueueAttributes',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('scopes each function to the tables and queues it declares', () => {
    for (const name of functionNames) {
      const declaration = declarationOf(name);
      const dataStatements = statementsOf(name).filter((statement) =>
        statement.actions.some((action) => action.startsWith('dynamodb:') && action !== 'dynamodb:ListStreams'),
      );
      const touched = dataStatements.flatMap((statement) => statement.resources);
      const isStream = (arn: any) => arn?.['Fn::GetAtt']?.[1] === 'StreamArn';
      const allowedTables = new Set(
        (declaration.inspectsResources ? tableKeys : (Object.keys({ ...declaration.tables, ...declaration.queriesIndexes }) as TableKey[])).map(tableId),
      );
      // Redrive reads back the records a fan-out failure names, from the streams fan-out consumes.
      const consumedStreams = new Set(
        streamConsumers.filter((consumer) => consumer.function === name || declaration.redrivesFanoutFailures).map((consumer) => tableId(consumer.table)),
      );
      // An index ARN is `${table ARN}/index/${name}` (Fn::Join): it belongs to that table.
      const tableOf = (arn: any) => target(arn) ?? (String(arn?.['Fn::Join']?.[1]?.[1]).startsWith('/index/') ? target(arn['Fn::Join'][1][0]) : undefined);
      for (const arn of touched.filter((arn) => !isStream(arn))) expect(allowedTables, `${name} touches table ${tableOf(arn)}`).toContain(tableOf(arn));
      for (const arn of touched.filter(isStream)) expect(consumedStreams, `${name} reads the stream of ${target(arn)}`).toContain(target(arn));
      const writes = [...actionsOf(name)].filter((action) => dynamodbWrites.test(action));
      const writesDeclared = Object.values(declaration.tables).some((operations) =>
        operations.some((operation) => dynamodbWrites.test(`dynamodb:${operation}`)),
      );
      expect(writes.length > 0, `${name} may write exactly when it declares readWrite`).toBe(writesDeclared);
    }
  });

  it('grants each function GetSecretValue on exactly the secrets it declares', () => {
    const secretIds = new Map(
      (Object.keys(secretGroups) as SecretGroupKey[]).map((key) => {
        const ids = new Set(functionNames.map((name) => target(environmentOf(name)[secretGroups[key].env])).filter(Boolean));
        expect(ids.size, `${secretGroups[key].env} names one secret`).toBeLessThanOrEqual(1);
        return [key, [...ids][0]];
      }),
    );
    for (const name of functionNames) {
      const granted = statementsOf(name)
        .filter((statement) => statement.actions.includes('secretsmanager:GetSecretValue'))
        .flatMap((statement) => statement.resources.map(target));
      const declared = (declarationOf(name).secrets ?? []).map((key) => secretIds.get(key));
      expect(granted.sort(), name).toEqual(declared.sort());
      expect(
        statementsOf(name).flatMap((statement) =>
          statement.actions.filter((action) => action.startsWith('secretsmanager:') && action !== 'secretsmanager:GetSecretValue'),
        ),
        name,
      ).toEqual([]);
    }
    // Sending credentials and the API keys stay with the one function that needs each.
    expect(functionNames.filter((name) => declarationOf(name).secrets?.includes('smsSending'))).toEqual(['sms-inbound']);
    expect(functionNames.filter((name) => declarationOf(name).secrets?.includes('apiKeys'))).toEqual(['authorizer']);
  });

  it('grants "*" only for X-Ray and, for stream consumers, dynamodb:ListStreams', () => {
    const consumers = new Set<FunctionName>(streamConsumers.map((consumer) => consumer.function));
    for (const name of functionNames) {
      const allowed = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', ...(consumers.has(name) ? ['dynamodb:ListStreams'] : [])];
      const wildcardActions = statementsOf(name)
        .filter((statement) => statement.resources.includes('*'))
        .flatMap((statement) => statement.actions);
      expect(
        wildcardActions.filter((action) => !allowed.includes(action)),
        name,
      ).toEqual([]);
      expect(
        statementsOf(name)
          .flatMap((statement) => statement.actions)
          .filter((action) => action.includes('*')),
        name,
      ).toEqual([]);
    }
  });

  it('lets only email-inbound write the replay-guards table, and nothing else read it', () => {
    const replayGuards = tableId('replayGuards');
    for (const name of functionNames) {
      const onTable = statementsOf(name)
        .filter((statement) => statement.resources.some((arn) => target(arn) === replayGuards))
        .flatMap((statement) => statement.actions)
        .filter((action) => action !== 'dynamodb:DescribeTable'); // health's probe reads no item
      expect(
        onTable.some((action) => dynamodbWrites.test(action)),
        `${name} writes replay-guards`,
      ).toBe(name === 'email-inbound');
      if (name !== 'email-inbound') expect(onTable, `${name} on replay-guards`).toEqual([]);
    }
    expect(actionsOf('email-inbound')).toContain('dynamodb:PutItem');
  });

  /** The item actions granted on each table or index, by the table's logical id (an index as `id/index/name`). */
  const dynamodbGrants = (name: FunctionName): Map<string, Set<string>> => {
    const grants = new Map<string, Set<string>>();
    for (const statement of statementsOf(name)) {
      for (const arn of statement.resources as any[]) {
        const joined = arn?.['Fn::Join']?.[1];
        const key = target(arn) ?? (Array.isArray(joined) ? `${target(joined[0])}${joined[1]}` : undefined);
        if (!key || arn?.['Fn::GetAtt']?.[1] === 'StreamArn') continue;
        for (const action of statement.actions.filter((candidate) => candidate.startsWith('dynamodb:') && candidate !== 'dynamodb:DescribeTable')) {
          grants.set(key, (grants.get(key) ?? new Set()).add(action));
        }
      }
    }
    return grants;
  };

  it('grants each function exactly the DynamoDB operations its declaration lists, on the table or index it names', () => {
    for (const name of functionNames) {
      const declaration = declarationOf(name);
      const expected = new Map<string, Set<string>>();
      for (const [key, operations] of Object.entries(declaration.tables) as [TableKey, readonly string[]][]) {
        if (operations.length) expected.set(tableId(key), new Set(operations.map((operation) => `dynamodb:${operation}`)));
      }
      for (const [key, indexes] of Object.entries(declaration.queriesIndexes ?? {}) as [TableKey, readonly string[]][]) {
        for (const index of indexes) expected.set(`${tableId(key)}/index/${index}`, new Set(['dynamodb:Query']));
      }
      expect(dynamodbGrants(name), name).toEqual(expected);
    }
  });

  it('limits fan-out, redrive and acks to DELIVERY# items of the preferences table (dynamodb:LeadingKeys)', () => {
    const deliveryPrefix = keys.deliveryPartition('sms', '+15551234567').replace(/sms#.*$/, '');
    for (const name of functionNames) {
      const declared = declarationOf(name).keyPrefixes ?? {};
      for (const statement of statementsOf(name).filter((candidate) => candidate.actions.some((action) => action.startsWith('dynamodb:')))) {
        const table = tableKeys.find((key) => statement.resources.some((arn) => target(arn) === tableId(key)));
        if (!table || statement.actions.includes('dynamodb:DescribeTable')) continue;
        const prefixes = declared[table];
        const condition = rawStatementOf(name, statement)?.Condition;
        if (prefixes)
          expect(condition, `${name} on ${table}`).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) } });
        else expect(condition, `${name} on ${table}`).toBeUndefined();
      }
    }
    for (const name of ['fanout', 'redrive', 'acks'] as const) expect(declarationOf(name).keyPrefixes?.preferences, name).toEqual([deliveryPrefix]);
  });

  it('lets no function Scan but reconcile, and none DeleteItem or BatchWriteItem: check cannot Scan, fan-out cannot delete', () => {
    for (const name of functionNames) {
      const actions = actionsOf(name);
      // The console's on-demand SLA check walks the channels as reconcile does, and it lists the API keys (docs/console.md).
      expect(actions.has('dynamodb:Scan'), `${name} may Scan`).toBe(name === 'reconcile' || name === 'console');
      expect(actions.has('dynamodb:DeleteItem'), `${name} may DeleteItem`).toBe(false);
      expect(actions.has('dynamodb:BatchWriteItem'), `${name} may BatchWriteItem`).toBe(false);
    }
    expect([...actionsOf('check')].filter((action) => action.startsWith('dynamodb:'))).toEqual(['dynamodb:GetItem']);
    expect([...actionsOf('fanout')].filter((action) => /^dynamodb:(PutItem|UpdateItem|DeleteItem)$/.test(action))).toEqual(['dynamodb:UpdateItem']);
  });

  /**
   * What a function's code can send, read from its bundle: the SDK stays external (the Lambda
   * runtime provides it), so every command the code constructs is an import the bundle keeps.
   */
  const commandActions: Record<string, string[]> = {
    GetCommand: ['GetItem'],
    GetItemCommand: ['GetItem'],
    BatchGetCommand: ['BatchGetItem'],
    BatchGetItemCommand: ['BatchGetItem'],
    QueryCommand: ['Query'],
    ScanCommand: ['Scan'],
    PutCommand: ['PutItem'],
    PutItemCommand: ['PutItem'],
    UpdateCommand: ['UpdateItem'],
    UpdateItemCommand: ['UpdateItem'],
    DeleteCommand: ['DeleteItem'],
    DeleteItemCommand: ['DeleteItem'],
    BatchWriteCommand: ['BatchWriteItem', 'PutItem', 'DeleteItem'],
    TransactGetCommand: ['GetItem'],
    TransactWriteCommand: ['PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'],
    DescribeTableCommand: ['DescribeTable'],
    GetRecordsCommand: ['GetRecords'],
    GetShardIteratorCommand: ['GetShardIterator'],
  };
  const bundleOf = (name: FunctionName): string => {
    const assetHash = String(resource(functionId(name)).Properties.Code.S3Key).replace(/\.zip$/, '');
    return readFileSync(join(app.synth().directory, `asset.${assetHash}`, 'index.mjs'), 'utf8');
  };

  it('grants no DynamoDB action that no SDK command in the function bundle sends', () => {
    // The event source mapping reads a consumer's stream with the function's role, not its code.
    const consumers = new Set<FunctionName>(streamConsumers.map((consumer) => consumer.function));
    const eventSourceActions = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];
    for (const name of functionNames) {
      const imported = [
        ...bundleOf(name).matchAll(/import\s*\{([^}]*)\}\s*from\s*"@aws-sdk\/(?:lib-dynamodb|client-dynamodb|client-dynamodb-streams)"/g),
      ].flatMap((match) => match[1]!.split(',').map((specifier) => specifier.trim().split(/\s+as\s+/)[0]!));
      const sendable = new Set(imported.flatMap((command) => (commandActions[command] ?? []).map((action) => `dynamodb:${action}`)));
      const granted = [...actionsOf(name)].filter((action) => action.startsWith('dynamodb:'));
      const unexplained = granted.filter((action) => !sendable.has(action) && !(consumers.has(name) && eventSourceActions.includes(action)));
      expect(unexplained, name).toEqual([]);
    }
  });

  it('creates one retained secret per declared provider or purpose, with a constant empty value and nothing generated', () => {
    const secrets = resources('AWS::SecretsManager::Secret');
    expect(secrets).toHaveLength(Object.keys(secretGroups).length);
    for (const key of Object.keys(secretGroups) as SecretGroupKey[]) {
      const secret = resource(secretId(key));
      // A constant value: CloudFormation writes it at creation only, so no stack edit replaces what operators put there.
      expect(secret.Properties.SecretString).toBe('{}');
      expect(secret.Properties.GenerateSecretString).toBeUndefined();
      expect(secret.DeletionPolicy).toBe('Retain');
    }
  });

  it('uses no AWS managed policies but the AWS Backup service role, which only AWS Backup assumes', () => {
    for (const [id, role] of resources('AWS::IAM::Role')) {
      const principals = JSON.stringify(role.Properties.AssumeRolePolicyDocument);
      if (principals.includes('backup.amazonaws.com')) {
        expect(JSON.stringify(role.Properties.ManagedPolicyArns), id).toMatch(/AWSBackupServiceRolePolicyForBackup/);
        expect(principals, id).not.toContain('lambda.amazonaws.com');
      } else expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
    }
  });
});

describe('HTTP API', () => {
  it('has exactly the declared routes, each integrated with its declared function', () => {
    const routeKeys = resources('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties.RouteKey);
    expect(routeKeys.sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
    for (const route of routes) {
      const [[, routeResource]] = resources('AWS::ApiGatewayV2::Route').filter(
        ([, candidate]) => candidate.Properties.RouteKey === `${route.method} ${route.path}`,
      ) as [[string, Resource]];
      const integrationId = target(routeResource.Properties.Target['Fn::Join'][1][1]);
      expect(target(resource(integrationId!).Properties.IntegrationUri)).toBe(functionId(route.function));
    }
  });

  it('logs access on the default stage without the raw path (it carries addresses) and throttles it', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context\\.requestId') },
      DefaultRouteSettings: { ThrottlingBurstLimit: Match.anyValue(), ThrottlingRateLimit: Match.anyValue() },
    });
    const [[, stage]] = resources('AWS::ApiGatewayV2::Stage');
    expect(stage!.Properties.AccessLogSettings.Format).not.toMatch(/\$context\.(path|rawPath)/);
  });
});

describe('tables', () => {
  it('creates the declared tables: on-demand, PITR, encrypted, protected and retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', tableKeys.length);
    for (const key of tableKeys) {
      const declaration = tables[key] as (typeof tables)[TableKey] & { sortKey?: string };
      const table = resource(tableId(key));
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
        KeySchema: [
          { AttributeName: declaration.partitionKey, KeyType: 'HASH' },
          ...(declaration.sortKey ? [{ AttributeName: declaration.sortKey, KeyType: 'RANGE' }] : []),
        ],
      });
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('creates exactly the declared global secondary indexes, projecting every attribute', () => {
    for (const key of tableKeys) {
      const declared = (tables[key] as { indexes?: readonly { name: string; partitionKey: string; sortKey?: string }[] }).indexes ?? [];
      const created = (resource(tableId(key)).Properties.GlobalSecondaryIndexes ?? []) as Record<string, any>[];
      expect(created.map((index) => index.IndexName).sort(), key).toEqual(declared.map((index) => index.name).sort());
      for (const index of declared) {
        expect(
          created.find((found) => found.IndexName === index.name),
          `${key}.${index.name}`,
        ).toMatchObject({
          KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' }, ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' }] : [])],
          Projection: { ProjectionType: 'ALL' },
        });
      }
    }
  });

  it('expires items by TTL only on tables that declare it: replay guards on expiresAt, never the record', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', Match.objectLike({ TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
    expect(resource(tableId('replayGuards')).Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    for (const key of tableKeys) {
      const attribute = (tables[key] as { timeToLiveAttribute?: string }).timeToLiveAttribute;
      const ttl = resource(tableId(key)).Properties.TimeToLiveSpecification;
      if (attribute) expect(ttl, key).toEqual({ AttributeName: attribute, Enabled: true });
      else expect(ttl, key).toBeUndefined();
    }
    for (const record of ['preferences', 'suppressions'] as const) expect(resource(tableId(record)).Properties.TimeToLiveSpecification, record).toBeUndefined();
  });

  it('streams NEW_AND_OLD_IMAGES only from tables whose changes are distributed', () => {
    for (const key of tableKeys) {
      const stream = resource(tableId(key)).Properties.StreamSpecification;
      if ('stream' in tables[key]) expect(stream, key).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
      else expect(stream, key).toBeUndefined();
    }
  });
});

describe('queues', () => {
  it('gives every channel a queue with a dead-letter queue after the declared receive count', () => {
    for (const channel of channels) {
      expect(resource(queueId(channel)).Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterQueueId(channel), 'Arn'] },
        maxReceiveCount: channelQueues[channel].maxReceiveCount,
      });
    }
    // Channel queues, their DLQs and the fan-out failure queue; physical names are left to CloudFormation.
    template.resourceCountIs('AWS::SQS::Queue', channels.length * 2 + 1);
    for (const [, queue] of resources('AWS::SQS::Queue')) expect(queue.Properties.QueueName).toBeUndefined();
  });

  it('encrypts every queue, keeps messages 14 days and refuses non-TLS access', () => {
    const policies = resources('AWS::SQS::QueuePolicy');
    for (const [id, queue] of resources('AWS::SQS::Queue')) {
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
      const statements = policies
        .filter(([, policy]) => policy.Properties.Queues.some((ref: unknown) => target(ref) === id))
        .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
      expect(statements, id).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    }
  });
});

describe('fan-out', () => {
  it('reads each declared stream in order, with partial batch failures and bounded retries into the failure queue', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', streamConsumers.length);
    for (const consumer of streamConsumers) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [tableId(consumer.table), 'StreamArn'] },
        FunctionName: { Ref: functionId(consumer.function) },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        ParallelizationFactor: 1,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } },
      });
    }
    for (const [, mapping] of resources('AWS::Lambda::EventSourceMapping')) {
      const { MaximumRetryAttempts: retries, MaximumRecordAgeInSeconds: maxAge } = mapping.Properties;
      expect(retries).toBeGreaterThanOrEqual(0);
      expect(retries).toBeLessThanOrEqual(10);
      expect(maxAge).toBeGreaterThanOrEqual(60);
      expect(maxAge).toBeLessThanOrEqual(24 * 3600);
      const failureQueueId = target(mapping.Properties.DestinationConfig.OnFailure.Destination);
      expect(resource(failureQueueId!).Type).toBe('AWS::SQS::Queue');
      expect(channels.flatMap((channel) => [queueId(channel), deadLetterQueueId(channel)])).not.toContain(failureQueueId);
    }
  });
});

describe('alarms', () => {
  const failureQueueId = () => target(resources('AWS::Lambda::EventSourceMapping')[0]![1].Properties.DestinationConfig.OnFailure.Destination)!;

  it(`alarms on the first message in every DLQ and in ${fanoutFailureQueue.name}`, () => {
    for (const id of [...channels.map(deadLetterQueueId), failureQueueId()]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }],
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [Match.anyValue()],
      });
    }
  });

  it(`alarms when a change has waited on ${fanoutFailureQueue.name} over 30 minutes (redrive failing), and on redrive errors`, () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [failureQueueId(), 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 30 * 60,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId('redrive') } }],
      AlarmActions: [Match.anyValue()],
    });
  });

  it('alarms when a stream consumer falls behind or fails', () => {
    for (const consumer of streamConsumers) {
      const dimensions = [{ Name: 'FunctionName', Value: { Ref: functionId(consumer.function) } }];
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Statistic: 'Maximum',
        Dimensions: dimensions,
        Threshold: 60_000,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [Match.anyValue()],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: dimensions,
        AlarmActions: [Match.anyValue()],
      });
    }
  });

  it('notifies through an encrypted, TLS-only topic', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'optout-hub alarms', KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    // Without alarmEmail, the only subscriptions are the channel queues on their topics.
    expect(Object.values(template.findResources('AWS::SNS::Subscription')).map((subscription: any) => subscription.Properties.Protocol)).toEqual(
      channels.map(() => 'sqs'),
    );
  });
});

describe('redrive of the fan-out failure queue', () => {
  const failureQueueId = () => target(resources('AWS::Lambda::EventSourceMapping')[0]![1].Properties.DestinationConfig.OnFailure.Destination)!;

  it('runs redrive on its declared schedule', () => {
    const declared = schedules.filter((schedule) => schedule.function === 'redrive');
    expect(declared.length).toBeGreaterThan(0);
    for (const schedule of declared) {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: schedule.rate,
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId('redrive'), 'Arn'] }, Input: JSON.stringify(schedule.input) })],
      });
    }
  });

  it('lets only redrive receive and delete fan-out failures; it reads the stream by position and publishes to the channel topics', () => {
    for (const name of functionNames) {
      const onFailures = statementsOf(name)
        .filter((statement) => statement.resources.some((arn) => target(arn) === failureQueueId()))
        .flatMap((statement) => statement.actions);
      if (name === 'redrive') expect(onFailures).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']));
      else
        expect(
          onFailures.filter((action) => /^sqs:(ReceiveMessage|DeleteMessage)$/.test(action)),
          name,
        ).toEqual([]);
    }
    expect(environmentOf('redrive')[fanoutFailureQueue.env]).toEqual({ Ref: failureQueueId() });
    const streamStatements = statementsOf('redrive').filter((statement) => statement.resources.some((arn: any) => arn?.['Fn::GetAtt']?.[1] === 'StreamArn'));
    expect(streamStatements.flatMap((statement) => statement.actions).sort()).toEqual(['dynamodb:GetRecords', 'dynamodb:GetShardIterator']);
    for (const channel of channels) {
      const topic = target(environmentOf('redrive')[channelTopics[channel].env]);
      const onTopic = statementsOf('redrive')
        .filter((statement) => statement.resources.some((arn) => target(arn) === topic))
        .flatMap((statement) => statement.actions);
      // GetTopicAttributes is the probe: a topic that does not answer keeps its letters.
      expect(onTopic.sort(), channel).toEqual(['sns:GetTopicAttributes', 'sns:Publish']);
      expect(
        statementsOf('redrive').some((statement) => statement.resources.some((arn) => target(arn) === queueId(channel))),
        channel,
      ).toBe(false);
    }
    // Channel DLQs are redriven only by an operator (replay-dlq): nothing may consume them; the console reads their depth.
    for (const name of functionNames) {
      const onDlqs = statementsOf(name)
        .filter((statement) => statement.resources.some((arn) => channels.map(deadLetterQueueId).includes(target(arn)!)))
        .flatMap((statement) => statement.actions);
      expect(onDlqs, name).toEqual(declarationOf(name).inspectsDeadLetters ? ['sqs:GetQueueAttributes'] : []);
    }
  });
});

describe('console sign-in', () => {
  it('makes a Cognito user pool for the console: invited users only, MFA required, a group per role, a public PKCE client', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12 }) },
    });
    expect(
      resources('AWS::Cognito::UserPoolGroup')
        .map(([, group]) => group.Properties.GroupName)
        .sort(),
    ).toEqual(['agent', 'compliance-admin', 'viewer']);
    const [[, client]] = resources('AWS::Cognito::UserPoolClient') as [[string, Resource]];
    expect(client.Properties).toMatchObject({ GenerateSecret: false, AllowedOAuthFlows: ['code'], AllowedOAuthFlowsUserPoolClient: true });
    expect(JSON.stringify(client.Properties.CallbackURLs)).toContain('/console/callback');
    expect(environmentOf('console')).toMatchObject({ CONSOLE_OIDC_ISSUER: expect.anything(), CONSOLE_OIDC_CLIENT_ID: { Ref: expect.any(String) } });
  });

  it('makes no user pool when another OIDC provider is configured', () => {
    const configured = Template.fromStack(
      new OptoutHubStack(new App({ context: cdkContext }), 'OwnProvider', {
        configuration: { CONSOLE_OIDC_ISSUER: 'https://login.example.com', CONSOLE_OIDC_CLIENT_ID: 'console' },
      }),
    );
    configured.resourceCountIs('AWS::Cognito::UserPool', 0);
  });
});

describe('outputs', () => {
  /** The output a variable is exported as: its name in PascalCase (SUPPRESSIONS_SMS_QUEUE_URL → SuppressionsSmsQueueUrl). */
  const outputKey = (env: string) =>
    env
      .toLowerCase()
      .split('_')
      .map((part) => part[0]!.toUpperCase() + part.slice(1))
      .join('');
  /** Every variable the operator CLI reads, with the logical id of the resource it must name. */
  const cliVariables = (): [string, string][] => {
    const failureQueueId = target(resources('AWS::Lambda::EventSourceMapping')[0]![1].Properties.DestinationConfig.OnFailure.Destination)!;
    return [
      ...(Object.keys(tables) as TableKey[]).map((key): [string, string] => [tables[key].env, tableId(key)]),
      ...channels.flatMap((channel): [string, string][] => [
        [channelQueues[channel].env, queueId(channel)],
        [channelQueues[channel].dlqEnv, deadLetterQueueId(channel)],
        [channelTopics[channel].env, target(environmentOf('fanout')[channelTopics[channel].env])!],
      ]),
      [fanoutFailureQueue.env, failureQueueId],
      [buckets.snapshots.env, target(environmentOf('reconcile')[buckets.snapshots.env])!],
      ...(Object.keys(secretGroups) as SecretGroupKey[]).map((key): [string, string] => [secretGroups[key].env, secretId(key)]),
    ];
  };

  it('exports every table, queue, dead-letter queue and bucket the CLI reads, named after its variable', () => {
    for (const [env, id] of cliVariables()) {
      template.hasOutput(outputKey(env), Match.objectLike({ Value: { Ref: id }, Description: Match.stringLikeRegexp(`^${env}: `) }));
    }
  });

  it('puts them all, with the region, on one line a shell can export (CliEnvironment)', () => {
    const output = template.findOutputs('CliEnvironment').CliEnvironment;
    expect(output).toMatchObject({ Value: { 'Fn::Join': ['', expect.any(Array)] } });
    const parts = output!.Value['Fn::Join'][1] as unknown[];
    const line = parts.map((part) => (typeof part === 'string' ? part : `{${target(part)}}`)).join('');
    const pairs = line.split(' ');
    expect(pairs[0]).toBe('AWS_REGION={AWS::Region}');
    expect(pairs.slice(1).sort()).toEqual(
      cliVariables()
        .map(([env, id]) => `${env}={${id}}`)
        .sort(),
    );
  });

  it('exports the API URL, every channel queue URL and every secret ARN', () => {
    const outputs = Object.values(template.findOutputs('*')).map((output) => target(output.Value) ?? JSON.stringify(output.Value));
    for (const channel of channels) expect(outputs).toContain(queueId(channel));
    for (const key of Object.keys(secretGroups) as SecretGroupKey[]) expect(outputs).toContain(secretId(key));
    expect(outputs.some((value) => value.includes('execute-api'))).toBe(true);
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('reports no finding that is not acknowledged', () => {
    const { violations } = new AwsSolutionsChecks().validateScope(stack);
    expect(violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('acknowledges every rule with a real reason, and only where the rule actually fires', () => {
    const acks = acknowledgments(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(typeof ack.reason, `${ack.id} at ${ack.path}`).toBe('string');
      expect((ack.reason as string).trim().length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(40);
    }
    // Re-run the pack blind to acknowledgments (a private hook of cdk-nag 3's NagPack) to prove each one is needed.
    const blind = new AwsSolutionsChecks();
    (blind as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
    const findings = blind.validateScope(stack).violations.flatMap((v) => v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath ?? '' })));
    for (const ack of acks) {
      const silenced = findings.some((f) => f.id === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
      expect(silenced, `${ack.id} at ${ack.path} acknowledges nothing`).toBe(true);
    }
  });

  it('lets a fresh app with every option synthesize with the AwsSolutions plugin registered', () => {
    const fresh = new App({ context: cdkContext });
    const configured = new OptoutHubStack(fresh, 'OptoutHub', {
      publicBaseUrl: 'https://hooks.example.com',
      defaultPhoneRegion: 'GB',
      alarmEmail: 'ops@example.com',
    });
    Validations.of(fresh).addPlugins(new AwsSolutionsChecks(fresh));
    // Synthesis throws on any unacknowledged error-level finding.
    const assembly = fresh.synth();
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.flatMap((plugin: { violations?: unknown[] }) => plugin.violations ?? [])).toEqual([]);
    Template.fromStack(configured).hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});

describe('handler bundles', () => {
  /**
   * check's module scope calls storeFromEnvironment() (shared/store/clients.ts), which demands
   * PREFERENCES_TABLE although check declares only the suppressions table, so check cannot start
   * with the environment its declaration earns it. Pinned here, with the exact error, until the
   * store resolves table names lazily (or the declaration changes); then remove the entry.
   */
  for (const name of functionNames) {
    it(`${name} starts with exactly the environment the stack gives it`, () => {
      const fn = resource(functionId(name)).Properties;
      const assetHash = String(fn.Code.S3Key).replace(/\.zip$/, '');
      const bundle = join(app.synth().directory, `asset.${assetHash}`, 'index.mjs');
      // Deploy-time references become placeholders; only their presence matters at start-up.
      const environment = Object.fromEntries(
        Object.entries(environmentOf(name)).map(([key, value]) => [key, typeof value === 'string' ? value : `placeholder-${key}`]),
      );
      const started = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(bundle).href)});`], {
        env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', ...environment },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(started.status, started.stderr).toBe(0);
    });
  }
});

describe('API key authorizer', () => {
  it('guards every api-key route with the authorizer function, simple responses and caching off', () => {
    const authorizers = resources('AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 0,
    });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(functionId('authorizer'));
    const deployed = resources('AWS::ApiGatewayV2::Route');
    for (const route of routes) {
      const found = deployed.find(([, r]) => r.Properties.RouteKey === `${route.method} ${route.path}`);
      expect(found, `${route.method} ${route.path}`).toBeDefined();
      if (route.auth === 'api-key') {
        expect(found![1].Properties, `${route.method} ${route.path}`).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
      } else {
        expect(found![1].Properties.AuthorizationType ?? 'NONE', `${route.method} ${route.path}`).toBe('NONE');
      }
    }
  });
});

describe('reconciliation: snapshot bucket, schedules and SLA alarms', () => {
  it('keeps snapshots in an encrypted, SSL-only, private, versioned, retained bucket that only reconcile may write', () => {
    const bucketId = target(environmentOf('reconcile').SNAPSHOT_BUCKET)!;
    const bucket = resource(bucketId);
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    const policy = resources('AWS::S3::BucketPolicy').find(([, p]) => target(p.Properties.Bucket) === bucketId)!;
    expect(JSON.stringify(policy[1].Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    expect([...actionsOf('reconcile')].filter((action) => action.startsWith('s3:'))).not.toContain('s3:GetObject*');
    expect(actionsOf('reconcile')).toContain('s3:PutObject');
    for (const name of functionNames.filter((fn) => fn !== 'reconcile')) expect(environmentOf(name).SNAPSHOT_BUCKET, name).toBeUndefined();
  });

  it('runs reconcile on the declared schedules with the declared input, with time to walk the tables', () => {
    const rules = resources('AWS::Events::Rule').filter(([, rule]) => rule.Properties.Targets.some((t: any) => target(t.Arn) === functionId('reconcile')));
    expect(rules.map(([, rule]) => rule.Properties.ScheduleExpression).sort()).toEqual(
      schedules
        .filter((s) => s.function === 'reconcile')
        .map((s) => s.rate)
        .sort(),
    );
    const inputs = rules.map(([, rule]) => JSON.parse(rule.Properties.Targets[0].Input));
    expect(inputs).toEqual(expect.arrayContaining(channels.map((channel) => ({ channels: [channel] }))));
    expect(resource(functionId('reconcile')).Properties.Timeout).toBe(900);
  });

  it('alarms on every channel past its target, approaching or past its deadline, drift, and on reconcile failing', () => {
    const alarms = resources('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    for (const channel of channels) {
      for (const metricName of Object.keys(reconcileMetrics)) {
        const alarm = alarms.find(
          (a) =>
            a.Namespace === METRICS_NAMESPACE && a.MetricName === metricName && a.Dimensions?.some((d: any) => d.Name === 'channel' && d.Value === channel),
        );
        expect(alarm, `${metricName} for ${channel}`).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
        expect(alarm!.AlarmActions).toHaveLength(1);
      }
    }
    expect(alarms.some((a) => a.MetricName === 'Errors' && JSON.stringify(a.Dimensions).includes(functionId('reconcile')))).toBe(true);
  });
});
