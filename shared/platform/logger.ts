import { Logger } from '@aws-lambda-powertools/logger';
import { createHmac, randomBytes } from 'node:crypto';
import { secret } from './config.js';

/** One logger per process, created at module scope like the AWS clients. */
export const logger = new Logger({ serviceName: 'optout-hub' });

/**
 * The key of the local default: public, so pseudonyms made with it can be reversed. Good enough for
 * `npm start` on a laptop, where the logs are the developer's own; never used on AWS.
 */
export const LOCAL_PSEUDONYM_KEY = 'optout-hub local log pseudonyms: not a secret';

const onAws = () => Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);

let loaded: string | undefined;
let unsetOnAws: string | undefined;

/**
 * LOG_PSEUDONYM_KEY (environment or config secret), as last loaded; else the local default off
 * AWS. On AWS without it, a random key per cold start: pseudonyms then no longer correlate across
 * invocations, but they cannot be reversed either, and the logs say loudly that the key is missing.
 * Refusing to run would lose opt-outs, which is worse than uncorrelated logs.
 */
function pseudonymKey(): string {
  const configured = loaded ?? process.env.LOG_PSEUDONYM_KEY;
  if (configured) return configured;
  if (!onAws()) return LOCAL_PSEUDONYM_KEY;
  if (!unsetOnAws) {
    unsetOnAws = randomBytes(32).toString('base64');
    logger.error('LOG_PSEUDONYM_KEY is not configured: addresses in the logs use a random key per cold start and cannot be correlated across invocations.');
  }
  return unsetOnAws;
}

/**
 * Reads LOG_PSEUDONYM_KEY before a handler runs (redact() is synchronous, a secret may not be).
 * A missing key is reported by the first redact() that needs one, so a function that never logs
 * an address (health) raises no alarm.
 * The config secret is cached, so this costs nothing per invocation; a secret that cannot be read
 * leaves the key as it was and never fails the request: logging must not cost an opt-out.
 */
export async function loadPseudonymKey(): Promise<void> {
  try {
    loaded = await secret('LOG_PSEUDONYM_KEY');
  } catch (error) {
    logger.warn('LOG_PSEUDONYM_KEY could not be read; keeping the key in use', { error: error as Error });
  }
}

/**
 * Phone numbers and emails never reach the logs raw. A keyed pseudonym (HMAC-SHA256 under
 * LOG_PSEUDONYM_KEY) still lets an operator correlate log lines for one address, while a plain hash
 * would not protect anything: there are only about 10^10 phone numbers, so it can be reversed by
 * trying them all. To find an address's pseudonym, compute the same HMAC with the key.
 */
export function redact(address: string, key: string = pseudonymKey()): string {
  return `addr_${createHmac('sha256', key).update(address).digest('hex').slice(0, 12)}`;
}
