import { Logger } from '@aws-lambda-powertools/logger';
import { createHash } from 'node:crypto';

/** One logger per process, created at module scope like the AWS clients. */
export const logger = new Logger({ serviceName: 'optout-hub' });

/**
 * Phone numbers and emails never reach the logs raw. A short hash still lets an operator
 * correlate log lines for one address (`optout-hub trace` prints the same form).
 */
export function redact(address: string): string {
  return `addr_${createHash('sha256').update(address).digest('hex').slice(0, 12)}`;
}
