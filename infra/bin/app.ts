import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OptoutHubStack } from '../stack.js';

/**
 * The deployable app. No `env`: the stack is environment-agnostic, so `cdk synth` needs no AWS
 * account and the same template deploys to any account and region.
 *
 *   npx cdk synth -c publicBaseUrl=https://hooks.example.com -c defaultPhoneRegion=GB -c alarmEmail=ops@example.com
 */
const app = new App();

const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value !== '' ? value : undefined;
};

new OptoutHubStack(app, 'OptoutHub', {
  description: 'optout-hub: one master opt-out record, pushed to every channel and checked before every send',
  publicBaseUrl: context('publicBaseUrl'),
  defaultPhoneRegion: context('defaultPhoneRegion'),
  alarmEmail: context('alarmEmail'),
});

// Synth fails on any unacknowledged AWS Solutions finding; acknowledgments live in the stack.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
