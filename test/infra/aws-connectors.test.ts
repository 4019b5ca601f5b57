import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../../infra/constructs/handler-function.js';
import { OptoutHubStack } from '../../infra/stack.js';

/**
 * The stack with the AWS connectors declared: each connector function's role holds exactly the
 * statements its definition's awsPermissions gives, and the print file's schedule becomes an
 * EventBridge rule sending `{ "scheduled": true }` to its function.
 */

const cdkContext = JSON.parse(readFileSync(join(repositoryRoot, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
const cacheDir = join(repositoryRoot, 'node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const outdir = mkdtempSync(join(cacheDir, 'optout-hub-aws-connectors-'));

const INTEGRATIONS = [
  {
    name: 'ses-marketing',
    connector: 'ses',
    channels: ['email'],
    settings: { contactListName: 'customers', topics: { marketing: 'offers' }, accountSuppressionList: true, region: 'us-east-1' },
  },
  { name: 'aws-sms', connector: 'end-user-messaging-sms', channels: ['sms'], settings: { optOutListName: 'marketing-opt-outs', region: 'us-east-1' } },
  { name: 'acme-print', connector: 'print-file', channels: ['mail'], settings: { bucket: 'acme-print-exchange', keyPrefix: 'optout-hub/' } },
];

let stack: OptoutHubStack;
let template: Template;

beforeAll(() => {
  const app = new App({ context: cdkContext, outdir });
  stack = new OptoutHubStack(app, 'OptoutHub', { configuration: { INTEGRATIONS: JSON.stringify(INTEGRATIONS) } });
  template = Template.fromStack(stack);
});

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

const statements = () =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
  );
const actions = (statement: { Action: string | string[] }) => [statement.Action].flat();

describe('AWS connectors on AWS', () => {
  it('grants each connector exactly the vendor actions it calls, on its resources', () => {
    const granted = statements().map((statement) => ({ actions: actions(statement).sort(), resource: JSON.stringify(statement.Resource) }));
    // CDK merges statements on the same resource, so each expected grant is a subset of one statement.
    // The contact list and the opt-out list are named in this stack's own account (never `*`).
    const inThisAccount = (service: string, rest: string) =>
      JSON.stringify(['arn:', { Ref: 'AWS::Partition' }, `:${service}:us-east-1:`, { Ref: 'AWS::AccountId' }, rest]);
    const expected = [
      { actions: ['ses:UpdateContact', 'ses:CreateContact'], resource: inThisAccount('ses', ':contact-list/customers') },
      { actions: ['ses:PutSuppressedDestination', 'ses:GetSuppressedDestination', 'ses:DeleteSuppressedDestination'], resource: JSON.stringify('*') },
      { actions: ['sms-voice:PutOptedOutNumber', 'sms-voice:DeleteOptedOutNumber'], resource: inThisAccount('sms-voice', ':opt-out-list/marketing-opt-outs') },
      { actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'], resource: JSON.stringify('arn:aws:s3:::acme-print-exchange/optout-hub/*') },
    ];
    for (const grant of expected) {
      expect(
        granted.some((statement) => statement.resource.includes(grant.resource) && grant.actions.every((action) => statement.actions.includes(action))),
        grant.resource,
      ).toBe(true);
    }
    // And nothing else of SES or End User Messaging, nor anything on the vendor's bucket.
    const vendorActions = granted.flatMap((statement) => statement.actions.filter((action) => /^(ses|sms-voice):/.test(action)));
    expect(vendorActions.sort()).toEqual(
      expected
        .slice(0, 3)
        .flatMap((grant) => grant.actions)
        .sort(),
    );
    expect(granted.filter((statement) => statement.resource.includes('acme-print-exchange'))).toEqual([
      { actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'], resource: JSON.stringify('arn:aws:s3:::acme-print-exchange/optout-hub/*') },
    ]);
  });

  it('runs the print file hourly with { "scheduled": true }', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).map((rule) => (rule as { Properties: Record<string, unknown> }).Properties);
    const printRule = rules.find((rule) => String(rule.Description).includes('acme-print'));
    expect(printRule?.ScheduleExpression).toBe('rate(1 hour)');
    expect(JSON.stringify(printRule?.Targets)).toContain('{\\"scheduled\\":true}');
  });
});
