import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfigurationFile } from '../config-file.js';
import { assertFrontMatchesPublicBaseUrl, productionOptionsFromContext } from '../constructs/production.js';
import { OptoutHubStack } from '../stack.js';

/**
 * The deployable app. No `env`: the stack is environment-agnostic, so `cdk synth` needs no AWS
 * account and the same template deploys to any account and region.
 *
 *   npx cdk synth -c publicBaseUrl=https://hooks.example.com -c defaultPhoneRegion=GB -c alarmEmail=ops@example.com
 *
 * Every context value is listed in README.md (Deploy) and docs/operations.md.
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

/**
 * `-c environment=prod` (or dev, stage, …) deploys a stack of its own, OptoutHub-prod; prod gets
 * termination protection. Without it the stack is OptoutHub, as in every earlier release.
 */
const environment = context('environment');
if (environment !== undefined && !/^[a-z][a-z0-9-]{0,20}$/.test(environment)) {
  throw new Error(`environment "${environment}" must be lower-case letters, digits and dashes, e.g. prod.`);
}

const production = productionOptionsFromContext(app.node);
assertFrontMatchesPublicBaseUrl(production, context('publicBaseUrl'));

new OptoutHubStack(app, environment ? `OptoutHub-${environment}` : 'OptoutHub', {
  description: 'optout-hub: one master opt-out record, pushed to every channel and checked before every send',
  terminationProtection: environment === 'prod' || context('terminationProtection') === 'true',
  publicBaseUrl: context('publicBaseUrl'),
  defaultPhoneRegion: context('defaultPhoneRegion'),
  alarmEmail: context('alarmEmail'),
  consoleDomainPrefix: context('consoleDomainPrefix'),
  configuration: configuration(),
  legacyConfigSecretArn: context('legacyConfigSecretArn'),
  production,
});

// Synth fails on any unacknowledged AWS Solutions finding; acknowledgments live in the stack.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
