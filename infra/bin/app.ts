import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfigurationFile } from '../config-file.js';
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

/**
 * Non-secret settings for every function, from the JSON object in the file named by the
 * `configFile` context value (default optout-hub.config.json, if present).
 */
function configuration(): Record<string, string> | undefined {
  return readConfigurationFile(context('configFile') ?? 'optout-hub.config.json', { required: context('configFile') !== undefined });
}

new OptoutHubStack(app, 'OptoutHub', {
  description: 'optout-hub: one master opt-out record, pushed to every channel and checked before every send',
  publicBaseUrl: context('publicBaseUrl'),
  defaultPhoneRegion: context('defaultPhoneRegion'),
  alarmEmail: context('alarmEmail'),
  consoleDomainPrefix: context('consoleDomainPrefix'),
  configuration: configuration(),
});

// Synth fails on any unacknowledged AWS Solutions finding; acknowledgments live in the stack.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
