import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ConfigurationError } from '../shared/core/errors.js';
import { applyBatch } from '../shared/connectors/runtime.js';
import { checkIntegrations, type CheckedIntegration } from '../shared/connectors/registry.js';
import type { Connector } from '../shared/connectors/connector.js';
import { integrations, secret } from '../shared/platform/config.js';
import { parseIntegrationSecrets } from '../shared/platform/integrations.js';
import { logger } from '../shared/platform/logger.js';
import { integrationQueue } from '../shared/platform/resources.js';
import { sqs, storeFromEnvironment } from '../shared/store/clients.js';

const store = storeFromEnvironment();

interface Prepared {
  integration: CheckedIntegration;
  connector: Connector & { scheduled?: () => Promise<void> };
  queueUrl: string;
}

/** What the connector's schedule (EventBridge on AWS, a timer locally) sends: run its scheduled work. */
export interface ScheduledEvent {
  scheduled: true;
}

const isScheduled = (event: SQSEvent | ScheduledEvent): event is ScheduledEvent => (event as ScheduledEvent).scheduled === true;

async function prepare(name: string, fetcher: typeof fetch): Promise<Prepared> {
  const integration = checkIntegrations(integrations()).find((candidate) => candidate.name === name);
  if (!integration) throw new ConfigurationError(`Integration "${name}" is not declared in INTEGRATIONS.`);
  const queueUrl = process.env[integrationQueue(name).env];
  if (!queueUrl) throw new ConfigurationError(`${integrationQueue(name).env} is not set.`);
  const secrets = parseIntegrationSecrets(await secret('INTEGRATION_SECRETS'));
  const connector = integration.definition.create({ integration, settings: integration.checkedSettings, secret: secrets.get(name), fetch: fetcher });
  return { integration, connector, queueUrl };
}

/**
 * One integration's queue → its vendor (shared/connectors/runtime.ts). Partial batch response:
 * only the messages that must come back are reported, each made visible again after its back-off.
 */
export function connectorHandler(name: string, options: { fetch?: typeof fetch } = {}) {
  let prepared: Promise<Prepared> | undefined;
  return async (event: SQSEvent | ScheduledEvent): Promise<SQSBatchResponse> => {
    prepared ??= prepare(name, options.fetch ?? fetch).catch((error: unknown) => {
      prepared = undefined;
      throw error;
    });
    const { integration, connector, queueUrl } = await prepared;
    if (isScheduled(event)) {
      await connector.scheduled?.();
      logger.info('connector schedule ran', { integration: name, connector: integration.connector });
      return { batchItemFailures: [] };
    }
    const settings = integration.checkedSettings as { requestsPerSecond?: number };
    const result = await applyBatch(
      integration,
      connector,
      event.Records.map((record) => ({
        messageId: record.messageId,
        receiptHandle: record.receiptHandle,
        body: record.body,
        receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
      })),
      {
        store,
        retryAfter: async (record, seconds) => {
          await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds }));
        },
      },
      { batchSize: integration.definition.batchSize, requestsPerSecond: settings.requestsPerSecond ?? integration.definition.requestsPerSecond },
    );
    const { failed, ...counts } = result;
    // Counts only: never an address.
    logger.info('connector batch', { integration: name, connector: integration.connector, ...counts, failed: failed.length });
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

let deployed: ReturnType<typeof connectorHandler> | undefined;

/** On AWS each integration's function is told its name by INTEGRATION_NAME. */
export const handler = (event: SQSEvent | ScheduledEvent): Promise<SQSBatchResponse> => {
  const name = process.env.INTEGRATION_NAME;
  if (!name) throw new ConfigurationError('INTEGRATION_NAME is not set.');
  deployed ??= connectorHandler(name);
  return deployed(event);
};
