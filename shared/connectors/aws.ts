import { z } from 'zod';
import { RetryLater } from './connector.js';

/**
 * What the connectors whose vendor is an AWS service (SES v2, End User Messaging SMS) share: the
 * settings that place the SDK client, its options, and how an SDK error becomes "not now".
 */

export const awsClientSettings = {
  /** The AWS Region of the vendor's resources; the function's own Region when omitted. */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS Region such as us-east-1')
    .optional(),
  /** Another endpoint for the service (a VPC endpoint, or a test server); the SDK's AWS_ENDPOINT_URL_<SERVICE> also works. */
  endpoint: z.string().url().optional(),
};

/**
 * SDK client options: one attempt per call, since the connector runtime owns retries (the queue
 * brings the change back after its back-off), and every call bounded in time.
 */
export function awsClientOptions(settings: { region?: string; endpoint?: string }) {
  return {
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000, throwOnRequestTimeout: true },
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
  };
}

/** The fields of an AWS SDK v3 service error a connector reads. */
export interface AwsError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/**
 * Throws RetryLater when the error means "not now" (throttling, a 5xx, a timeout, no answer);
 * returns otherwise, leaving the vendor's own refusals to the connector.
 */
export function throwIfTransient(error: unknown, throttlingNames: readonly string[]): AwsError {
  const failure = (error ?? {}) as AwsError;
  const status = failure.$metadata?.httpStatusCode;
  if (throttlingNames.includes(failure.name ?? '') || failure.$retryable?.throttling || status === 429) {
    // AWS sends no Retry-After: the runtime's back-off applies.
    throw new RetryLater(`The vendor throttled the call (${failure.name ?? status}).`);
  }
  if (status === undefined || status >= 500 || failure.$fault === 'server') {
    throw new RetryLater(`The vendor did not complete the call (${failure.name ?? 'no answer'}${status ? ` ${status}` : ''}).`);
  }
  return failure;
}

/** A short, safe reason from an AWS error: its name and message, with any address in it masked. */
export function awsReason(error: AwsError): string {
  const message = (error.message ?? '').replace(/[^\s@]+@[^\s@]+/g, '<email>').replace(/\+?\d{7,15}/g, '<number>');
  return `${error.name ?? 'Error'}${message ? `: ${message.slice(0, 200)}` : ''}`;
}

/**
 * Paces one connector's calls to `rate` per second. The runtime paces changes; a connector whose
 * change may take several calls (SES: update, then create) paces the calls too.
 */
export function callPacer(
  rate: number,
  sleep: (ms: number) => Promise<unknown> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): () => Promise<void> {
  let next = 0;
  return async () => {
    const now = Date.now();
    const at = Math.max(now, next);
    next = at + 1000 / rate;
    if (at > now) await sleep(at - now);
  };
}
