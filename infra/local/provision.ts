import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type DynamoDBClient,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { subscriptionFilterPolicy, type IntegrationDeclaration } from '../../shared/platform/integrations.js';
import {
  channelQueues,
  channelTopics,
  dlqName,
  fanoutFailureQueue,
  integrationQueue,
  tables,
  type IndexDeclaration,
  type TableDeclaration,
  type TableKey,
} from '../../shared/platform/resources.js';
import { channels, type Channel } from '../../shared/core/channels.js';

/**
 * Creates, from the shared declaration, the tables and queues the CDK stack would deploy.
 * Idempotent: running it against existing resources changes nothing.
 */

export interface LocalResources {
  tables: Record<TableKey, { name: string; streamArn?: string }>;
  topics: Record<Channel, string>;
  queues: Record<Channel, { url: string; dlqUrl: string }>;
  /** Each declared integration's own queue, subscribed to its channels' topics. */
  integrations: Record<string, { name: string; url: string; dlqUrl: string }>;
  fanoutFailureQueueUrl: string;
}

export interface LocalClients {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  sns: SNSClient;
}

async function ensureTable(dynamodb: DynamoDBClient, name: string, table: TableDeclaration): Promise<string | undefined> {
  const streamArn = await createTable(dynamodb, name, table);
  await ensureTimeToLive(dynamodb, name, table);
  return streamArn;
}

async function createTable(dynamodb: DynamoDBClient, name: string, table: TableDeclaration): Promise<string | undefined> {
  try {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    await addMissingIndexes(dynamodb, name, table, new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName!)));
    return Table?.LatestStreamArn;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const keySchema: KeySchemaElement[] = [{ AttributeName: table.partitionKey, KeyType: 'HASH' }];
  if (table.sortKey) keySchema.push({ AttributeName: table.sortKey, KeyType: 'RANGE' });
  const created = await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keySchema,
      AttributeDefinitions: attributeDefinitions(table),
      ...(table.indexes?.length ? { GlobalSecondaryIndexes: table.indexes.map(globalIndex) } : {}),
      ...(table.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: table.stream } } : {}),
    }),
  );
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 60, minDelay: 1 }, { TableName: name });
  return created.TableDescription?.LatestStreamArn;
}

function indexKeySchema(index: { partitionKey: string; sortKey?: string }): KeySchemaElement[] {
  const keySchema: KeySchemaElement[] = [{ AttributeName: index.partitionKey, KeyType: 'HASH' }];
  if (index.sortKey) keySchema.push({ AttributeName: index.sortKey, KeyType: 'RANGE' });
  return keySchema;
}

/** Every key attribute of the table and of its indexes, each once (all strings). */
function attributeDefinitions(table: TableDeclaration) {
  const names = new Set([table, ...(table.indexes ?? [])].flatMap((keyed) => indexKeySchema(keyed).map((key) => key.AttributeName!)));
  return [...names].map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const }));
}

function globalIndex(index: IndexDeclaration) {
  return { IndexName: index.name, KeySchema: indexKeySchema(index), Projection: { ProjectionType: 'ALL' as const } };
}

/** TTL on the declared attribute, as on AWS; also for a table kept from an earlier run (DATA_DIR). */
async function ensureTimeToLive(dynamodb: DynamoDBClient, name: string, table: TableDeclaration): Promise<void> {
  if (!table.timeToLiveAttribute) return;
  const { TimeToLiveDescription } = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name }));
  if (TimeToLiveDescription?.TimeToLiveStatus === 'ENABLED' && TimeToLiveDescription.AttributeName === table.timeToLiveAttribute) return;
  await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: table.timeToLiveAttribute } }));
}

/** A table kept from an earlier run (DATA_DIR) gains the indexes declared since. */
async function addMissingIndexes(dynamodb: DynamoDBClient, name: string, table: TableDeclaration, existing: Set<string>): Promise<void> {
  for (const index of table.indexes ?? []) {
    if (existing.has(index.name)) continue;
    await dynamodb.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: attributeDefinitions(table),
        GlobalSecondaryIndexUpdates: [{ Create: globalIndex(index) }],
      }),
    );
  }
}

async function ensureQueue(sqs: SQSClient, name: string, deadLetterArn?: string, maxReceiveCount?: number) {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: deadLetterArn ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterArn, maxReceiveCount: String(maxReceiveCount) }) } : {},
    }),
  );
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/** The declared tables only: what a restarted DynamoDB Local needs again. */
export async function provisionTables(dynamodb: DynamoDBClient, prefix = ''): Promise<LocalResources['tables']> {
  const tableEntries = await Promise.all(
    (Object.keys(tables) as TableKey[]).map(async (key) => {
      const name = `${prefix}${tables[key].name}`;
      const streamArn = await ensureTable(dynamodb, name, tables[key]);
      return [key, { name, streamArn }] as const;
    }),
  );
  return Object.fromEntries(tableEntries) as LocalResources['tables'];
}

/** Subscribes a queue to a topic as the stack does: raw delivery (the body is the message), the integration's filter. */
async function subscribe(sns: SNSClient, topicArn: string, queueArn: string, filterPolicy?: Record<string, string[]>): Promise<void> {
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: 'true', ...(filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : {}) },
    }),
  );
}

export async function provision(clients: LocalClients, prefix = '', integrations: readonly IntegrationDeclaration[] = []): Promise<LocalResources> {
  const tableEntries = await provisionTables(clients.dynamodb, prefix);
  const topicEntries = await Promise.all(
    channels.map(async (channel) => {
      const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: `${prefix}${channelTopics[channel].name}` }));
      return [channel, TopicArn!] as const;
    }),
  );
  const topics = Object.fromEntries(topicEntries) as Record<Channel, string>;
  const queueEntries = await Promise.all(
    channels.map(async (channel) => {
      const declaration = channelQueues[channel];
      const dlq = await ensureQueue(clients.sqs, `${prefix}${dlqName(declaration.name)}`);
      const queue = await ensureQueue(clients.sqs, `${prefix}${declaration.name}`, dlq.arn, declaration.maxReceiveCount);
      await subscribe(clients.sns, topics[channel], queue.arn);
      return [channel, { url: queue.url, dlqUrl: dlq.url }] as const;
    }),
  );
  const integrationEntries = await Promise.all(
    integrations.map(async (integration) => {
      const declaration = integrationQueue(integration.name);
      const dlq = await ensureQueue(clients.sqs, `${prefix}${dlqName(declaration.name)}`);
      const queue = await ensureQueue(clients.sqs, `${prefix}${declaration.name}`, dlq.arn, declaration.maxReceiveCount);
      for (const channel of integration.channels) await subscribe(clients.sns, topics[channel], queue.arn, subscriptionFilterPolicy(integration));
      return [integration.name, { name: `${prefix}${declaration.name}`, url: queue.url, dlqUrl: dlq.url }] as const;
    }),
  );
  const failures = await ensureQueue(clients.sqs, `${prefix}${fanoutFailureQueue.name}`);
  return {
    tables: tableEntries,
    topics,
    queues: Object.fromEntries(queueEntries) as LocalResources['queues'],
    integrations: Object.fromEntries(integrationEntries),
    fanoutFailureQueueUrl: failures.url,
  };
}

/** The environment a function sees on AWS, pointing at the local resources instead. */
export function resourceEnvironment(resources: LocalResources): Record<string, string> {
  const env: Record<string, string> = { [fanoutFailureQueue.env]: resources.fanoutFailureQueueUrl };
  for (const key of Object.keys(tables) as TableKey[]) env[tables[key].env] = resources.tables[key].name;
  for (const channel of channels) {
    env[channelQueues[channel].env] = resources.queues[channel].url;
    env[channelQueues[channel].dlqEnv] = resources.queues[channel].dlqUrl;
    env[channelTopics[channel].env] = resources.topics[channel];
  }
  for (const [name, queue] of Object.entries(resources.integrations)) {
    env[integrationQueue(name).env] = queue.url;
    env[integrationQueue(name).dlqEnv] = queue.dlqUrl;
  }
  return env;
}
