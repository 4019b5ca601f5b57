import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * An SQS event source on one machine, as Lambda runs one on AWS: receive up to `batchSize`
 * messages, hand them to the function as an SQSEvent, delete those not reported as failures
 * (partial batch response), and leave the failures to come back when the queue shows them again.
 * A function that throws fails the whole batch.
 */

export type QueueFunction = (event: SQSEvent) => Promise<SQSBatchResponse>;

export interface QueuePoller {
  stop(): Promise<void>;
}

export function startQueuePoller(options: {
  sqs: SQSClient;
  queueUrl: string;
  queueArn?: string;
  handler: QueueFunction;
  batchSize?: number;
  region: string;
  log?: (message: string) => void;
}): QueuePoller {
  let stopped = false;
  const abort = new AbortController();
  const loop = (async () => {
    while (!stopped) {
      try {
        const { Messages = [] } = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: Math.min(10, options.batchSize ?? 10),
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        if (Messages.length === 0) continue;
        const records: SQSRecord[] = Messages.map((message) => ({
          messageId: message.MessageId!,
          receiptHandle: message.ReceiptHandle!,
          body: message.Body ?? '',
          attributes: {
            ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
            SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
            SenderId: 'local',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: message.MD5OfBody ?? '',
          eventSource: 'aws:sqs',
          eventSourceARN: options.queueArn ?? options.queueUrl,
          awsRegion: options.region,
        }));
        let failed = new Set(records.map((record) => record.messageId));
        try {
          const response = await options.handler({ Records: records });
          failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
        } catch (error) {
          options.log?.(`queue consumer failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        const done = Messages.filter((message) => !failed.has(message.MessageId!));
        if (done.length) {
          await options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
            }),
          );
        }
      } catch (error) {
        if (stopped) break;
        options.log?.(`queue poll failed: ${error instanceof Error ? error.message : String(error)}`);
        await sleep(1000);
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      abort.abort();
      await loop.catch(() => undefined);
    },
  };
}
