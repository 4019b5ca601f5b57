import { ConfigurationError } from '../core/errors.js';
import type { IntegrationDeclaration } from '../platform/integrations.js';
import type { ConnectorDefinition } from './connector.js';
import { brazeConnector } from './braze.js';
import { endUserMessagingSmsConnector } from './end-user-messaging-sms.js';
import { klaviyoConnector } from './klaviyo.js';
import { printFileConnector } from './print-file.js';
import { sendgridConnector } from './sendgrid.js';
import { five9Connector } from './five9.js';
import { genesysCloudConnector } from './genesys-cloud.js';
import { salesforceConnector } from './salesforce.js';
import { sesConnector } from './ses.js';
import { queueConnector, webhookConnector } from './webhook.js';

/** A connector of any settings type: checkIntegrations pairs each with settings its own schema parsed. */
// biome-ignore lint/suspicious/noExplicitAny: the settings type differs per connector and is checked at runtime by its schema
export type AnyConnectorDefinition = ConnectorDefinition<any>;

/** Every connector optout-hub ships, by the `connector` name an integration declares. */
export const connectors: Record<string, AnyConnectorDefinition> = Object.fromEntries(
  [
    webhookConnector,
    queueConnector,
    sendgridConnector,
    brazeConnector,
    klaviyoConnector,
    genesysCloudConnector,
    five9Connector,
    salesforceConnector,
    sesConnector,
    endUserMessagingSmsConnector,
    printFileConnector,
  ].map((definition) => [definition.kind, definition]),
);

export interface CheckedIntegration extends IntegrationDeclaration {
  definition: AnyConnectorDefinition;
  /** The settings as the connector reads them (defaults filled in). */
  checkedSettings: unknown;
}

/**
 * The declared integrations with each connector's own checks: a known connector, channels it
 * supports, settings it accepts. Every problem at once, as one ConfigurationError.
 */
export function checkIntegrations(declared: readonly IntegrationDeclaration[]): CheckedIntegration[] {
  const problems: string[] = [];
  const checked: CheckedIntegration[] = [];
  for (const integration of declared) {
    const definition = connectors[integration.connector];
    if (!definition) {
      problems.push(`integration "${integration.name}": unknown connector "${integration.connector}" (known: ${Object.keys(connectors).sort().join(', ')})`);
      continue;
    }
    const unsupported = integration.channels.filter((channel) => !definition.channels.includes(channel));
    if (unsupported.length) {
      problems.push(
        `integration "${integration.name}": connector ${definition.kind} cannot hold ${unsupported.join(', ')} (it takes ${definition.channels.join(', ')})`,
      );
    }
    const settings = definition.settings.safeParse(integration.settings);
    if (!settings.success) {
      for (const issue of settings.error.issues) problems.push(`integration "${integration.name}": settings.${issue.path.join('.') || ''}: ${issue.message}`);
      continue;
    }
    checked.push({ ...integration, definition, checkedSettings: settings.data });
  }
  if (problems.length) throw new ConfigurationError(`INTEGRATIONS is not valid: ${problems.join('; ')}.`);
  return checked;
}
