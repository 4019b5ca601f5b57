import type { Context } from 'aws-lambda';
import { redriveFanoutFailures } from '../shared/distribution/redrive.js';
import { ConfigurationError } from '../shared/core/errors.js';
import { fanoutFailureQueueUrl, topicArn } from '../shared/platform/config.js';
import { logger } from '../shared/platform/logger.js';
import { fanoutFailureQueue } from '../shared/platform/resources.js';
import { sns, sqs, storeFromEnvironment } from '../shared/store/clients.js';
import { streamsClient } from '../shared/store/stream-records.js';

const store = storeFromEnvironment();
const streams = streamsClient();

/** Receiving stops this long before the function's timeout, so the letter in hand is finished or left whole. */
const STOP_MARGIN_MS = 30_000;

/**
 * Scheduled redrive of the fan-out failure queue (EventBridge on AWS, a timer in the local
 * runtime): changes parked there while a channel topic did not answer go out once it does, without
 * an operator. A letter that cannot be redriven yet stays for the next run; if letters keep
 * staying, the queue's oldest-message alarm fires. The channel DLQs are left to `replay-dlq`.
 */
export function redriveHandler(options: { visibilityTimeoutSeconds?: number } = {}) {
  return async (_event: unknown = {}, context?: Pick<Context, 'getRemainingTimeInMillis'>) => {
    const url = fanoutFailureQueueUrl();
    if (!url) throw new ConfigurationError(`${fanoutFailureQueue.env} is not set.`);
    const summary = await redriveFanoutFailures({
      sqs,
      sns,
      streams,
      store,
      topicArn,
      failureQueue: { name: fanoutFailureQueue.name, url },
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      shouldStop: () => (context ? context.getRemainingTimeInMillis() < STOP_MARGIN_MS : false),
    });
    const { errors, ...counts } = summary;
    // Errors name a queue, a message id and why: never an address.
    if (summary.kept > 0) logger.warn('fan-out failures kept', { ...counts, errors });
    else logger.info('fan-out failures redriven', counts);
    return counts;
  };
}

export const handler = redriveHandler();
