import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent, DynamoDBBatchResponse } from 'aws-lambda';
import { queueUrl } from '../shared/config.js';
import { messageForRecord } from '../shared/fanout.js';
import { logger, redact } from '../shared/logger.js';
import { sqs } from '../shared/store/clients.js';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

async function distribute(record: DynamoDBRecord): Promise<void> {
  const message = messageForRecord(record);
  if (!message) return;
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl(message.channel),
      MessageBody: JSON.stringify(message),
      MessageAttributes: {
        type: { DataType: 'String', StringValue: message.type },
        schemaVersion: { DataType: 'Number', StringValue: String(message.schemaVersion) },
        messageId: { DataType: 'String', StringValue: message.messageId },
      },
    }),
  );
  logger.info('suppression distributed', { channel: message.channel, address: redact(message.address), version: message.version });
}

/**
 * Suppressions stream → channel queues. Records are sent concurrently: a standard queue does not
 * keep order anyway, and each message's per-address version lets consumers drop stale ones. A
 * record that cannot be sent is reported back (partial batch response), so Lambda retries from
 * it instead of failing the whole batch.
 */
export const handler = async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> =>
  processPartialResponse(event, distribute, processor, { context });
