import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent, DynamoDBBatchResponse } from 'aws-lambda';
import { topicArn } from '../shared/platform/config.js';
import { channelTopicPorts, distributeRecord, type FanoutPorts } from '../shared/distribution/fanout.js';
import { logger } from '../shared/platform/logger.js';
import { sns, storeFromEnvironment } from '../shared/store/clients.js';

/**
 * Suppressions stream → channel topics, and from each topic to every subscriber's queue. Records
 * are sent concurrently: a standard queue does not keep order anyway, and each message's per-address version lets consumers drop stale ones.
 *
 * A record that cannot be sent is reported back (partial batch response): the event source
 * checkpoints before the first failed record and redelivers from it, bisecting and retrying a
 * bounded number of times before parking the record on the fan-out failure queue. Records after
 * it that had already been sent are sent again, but a message is a function of the stored item
 * alone, so that is a duplicate with the same messageId and content, never a new version.
 */
export function fanoutHandler(ports: FanoutPorts) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const distribute = async (record: DynamoDBRecord): Promise<void> => {
    const message = await distributeRecord(record, ports);
    if (message) logger.info('suppression distributed', { channel: message.channel, eventId: message.eventId, version: message.version });
  };
  return (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => processPartialResponse(event, distribute, processor, { context });
}

export const handler = fanoutHandler(channelTopicPorts({ sns, store: storeFromEnvironment(), topicArn }));
