import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../../infra/constructs/handler-function.js';
import { OptoutHubStack } from '../../infra/stack.js';
import { connectorFunction, integrationQueue } from '../../shared/platform/resources.js';
import { channels } from '../../shared/core/channels.js';

/**
 * The stack with integrations declared, as `cdk synth -c configFile=…` builds it: a topic per
 * channel, a queue per integration subscribed to exactly its channels with its purpose filter, a
 * connector function per integration that runs one, and the safe event-source defaults.
 */

const cdkContext = JSON.parse(readFileSync(join(repositoryRoot, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
const cacheDir = join(repositoryRoot, 'node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const outdir = mkdtempSync(join(cacheDir, 'optout-hub-integrations-'));

const INTEGRATIONS = [
  { name: 'crm-sync', connector: 'webhook', channels: ['sms', 'email'], settings: { url: 'https://crm.example.com/hook' } },
  { name: 'newsletter-esp', connector: 'webhook', channels: ['email'], purposes: ['newsletter'], settings: { url: 'https://esp.example.com/hook' } },
  { name: 'dialer-east', connector: 'queue', channels: ['voice'] },
];

let template: Template;
let stack: OptoutHubStack;

function synth(configuration: Record<string, string>) {
  const synthApp = new App({ context: cdkContext, outdir });
  const stack = new OptoutHubStack(synthApp, 'OptoutHub', { configuration });
  return { app: synthApp, stack };
}

beforeAll(() => {
  stack = synth({ PURPOSES: 'newsletter', INTEGRATIONS: JSON.stringify(INTEGRATIONS) }).stack;
  template = Template.fromStack(stack);
});

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

const resources = (type: string) => Object.entries(template.findResources(type)) as [string, { Properties: Record<string, any> }][];
const connectorFunctions = () =>
  resources('AWS::Lambda::Function').filter(([, fn]) => String(fn.Properties.Description).startsWith(connectorFunction.description));

describe('integrations on AWS', () => {
  it('has one encrypted, TLS-only topic per channel', () => {
    const topics = resources('AWS::SNS::Topic').filter(([, topic]) => String(topic.Properties.DisplayName).includes('suppression changes'));
    expect(topics).toHaveLength(channels.length);
    for (const [, topic] of topics) expect(topic.Properties.KmsMasterKeyId).toBeDefined();
  });

  it('subscribes each integration queue to exactly its channels, raw, with its purpose filter', () => {
    const subscriptions = resources('AWS::SNS::Subscription').map(([, subscription]) => subscription.Properties);
    for (const subscription of subscriptions) expect(subscription).toMatchObject({ Protocol: 'sqs', RawMessageDelivery: true });
    // 4 channel queues + crm-sync on 2 channels + newsletter-esp on 1 + dialer-east on 1.
    expect(subscriptions).toHaveLength(channels.length + 4);
    const filtered = subscriptions.filter((subscription) => subscription.FilterPolicy);
    expect(filtered).toHaveLength(1);
    expect(filtered[0]!.FilterPolicy).toEqual({ affects: ['all', 'newsletter'] });
  });

  it('gives each integration its own queue and DLQ, with an alarm on each DLQ and on its backlog', () => {
    for (const integration of INTEGRATIONS) {
      const name = integrationQueue(integration.name).name;
      template.hasResourceProperties('AWS::CloudWatch::Alarm', Match.objectLike({ AlarmDescription: Match.stringLikeRegexp(`${name}-dlq holds messages`) }));
      template.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        Match.objectLike({ AlarmDescription: Match.stringLikeRegexp(`waited on ${name} for more than`) }),
      );
    }
    const outputs = template.toJSON().Outputs as Record<string, { Description: string }>;
    for (const integration of INTEGRATIONS) {
      const declaration = integrationQueue(integration.name);
      expect(Object.values(outputs).some((output) => output.Description.startsWith(`${declaration.env}:`))).toBe(true);
      expect(Object.values(outputs).some((output) => output.Description.startsWith(`${declaration.dlqEnv}:`))).toBe(true);
    }
  });

  it('runs one connector function per integration with a connector, and none for a queue integration', () => {
    const functions = connectorFunctions();
    expect(functions.map(([, fn]) => fn.Properties.Environment.Variables.INTEGRATION_NAME).sort()).toEqual(['crm-sync', 'newsletter-esp']);
    for (const [id] of functions) {
      template.hasResourceProperties(
        'AWS::Lambda::EventSourceMapping',
        Match.objectLike({
          FunctionName: { Ref: id },
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          BatchSize: 10,
          ScalingConfig: { MaximumConcurrency: 2 },
        }),
      );
    }
  });

  it('gives the integration queue a visibility timeout six times the connector timeout and a bounded redrive', () => {
    template.hasResourceProperties(
      'AWS::SQS::Queue',
      Match.objectLike({
        VisibilityTimeout: 6 * connectorFunction.timeoutSeconds,
        RedrivePolicy: Match.objectLike({ maxReceiveCount: integrationQueue('x').maxReceiveCount }),
      }),
    );
  });

  it('passes cdk-nag with integrations declared', () => {
    const { violations } = new AwsSolutionsChecks().validateScope(stack);
    expect(violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('refuses to synthesize an invalid declaration, naming every problem', () => {
    expect(() =>
      synth({
        INTEGRATIONS: JSON.stringify([
          { name: 'a-crm', connector: 'nosuch', channels: ['sms'] },
          { name: 'a-crm', connector: 'webhook', channels: ['fax'], settings: { url: 'https://x.example.com' } },
          { name: 'b-esp', connector: 'webhook', channels: ['email'], purposes: ['unknown-topic'], settings: { url: 'http://insecure.example.com' } },
        ]),
      }),
    ).toThrow(/INTEGRATIONS is not valid:.*channels/);
    expect(() => synth({ INTEGRATIONS: JSON.stringify([{ name: 'x1', connector: 'nosuch', channels: ['sms'] }]) })).toThrow(/unknown connector "nosuch"/);
    expect(() =>
      synth({ INTEGRATIONS: JSON.stringify([{ name: 'x1', connector: 'webhook', channels: ['sms'], settings: { url: 'http://insecure.example.com' } }]) }),
    ).toThrow(/settings.url: must be https/);
    expect(() => synth({ INTEGRATIONS: '[{' })).toThrow(/INTEGRATIONS is not JSON/);
    // The local SES certificate pin never reaches AWS.
    expect(() => synth({ SNS_SIGNING_CERTIFICATE_PEM: 'pem' })).toThrow(/for local development only/);
  });
});
