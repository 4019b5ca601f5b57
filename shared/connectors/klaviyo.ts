import { ApiKeySession, ProfilesApi, RetryWithExponentialBackoff } from 'klaviyo-api';
import { z } from 'zod';
import { MARKETING } from '../core/channels.js';
import { ConfigurationError } from '../core/errors.js';
import { retryAfterMs, RetryLater, type ConnectorDefinition } from './connector.js';
import { liftsPurpose, pacer, runOperations, suppressesPurpose, type CallAnswer, type Operation } from './operations.js';

/**
 * `klaviyo`: Klaviyo email suppressions, through the official `klaviyo-api` SDK. A suppressed
 * `purpose` (`marketing` by default: a Klaviyo suppression stops email marketing) becomes a Bulk
 * Suppress Profiles job; a later version that allows it again, a Bulk Unsuppress Profiles job.
 * Up to 100 emails a job, as both endpoints document. docs/connectors/klaviyo.md.
 *
 *   POST /api/profile-suppression-bulk-create-jobs   { data: { type: profile-suppression-bulk-create-job, attributes: { profiles: { data: [{ type: profile, attributes: { email } }] } } } }   202
 *   POST /api/profile-suppression-bulk-delete-jobs   (the same with profile-suppression-bulk-delete-job)                                                                               202
 */

const settings = z
  .object({
    baseUrl: z
      .string()
      .url()
      .refine((value) => {
        const url = new URL(value);
        return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
      }, 'must be https (http only for localhost)')
      .default('https://a.klaviyo.com'),
    /** The purpose whose suppression suppresses the profile's email marketing. */
    purpose: z.string().min(1).default(MARKETING),
    timeoutMs: z.number().int().min(100).max(30_000).default(10_000),
    requestsPerSecond: z.number().positive().max(1000).optional(),
  })
  .strict();
type Settings = z.infer<typeof settings>;

/** "Email address per request limit: 100" on both bulk suppression endpoints. */
const EMAILS_PER_JOB = 100;

/** The SDK's session with its own retries off (the runtime does them, by the queue) and a timeout. */
class TimedSession extends ApiKeySession {
  constructor(
    apiKey: string,
    private readonly timeoutMs: number,
  ) {
    super(apiKey, new RetryWithExponentialBackoff({ numRetries: 0 }));
  }
  override applyToRequest(requestOptions: Parameters<ApiKeySession['applyToRequest']>[0]): void {
    super.applyToRequest(requestOptions);
    requestOptions.timeout = this.timeoutMs;
  }
}

interface AxiosLikeError {
  response?: { status: number; headers?: Record<string, unknown>; data?: unknown };
}

function detailOf(data: unknown): string {
  const first = (data as { errors?: { detail?: unknown; title?: unknown }[] } | undefined)?.errors?.[0];
  const text = first?.detail ?? first?.title;
  return typeof text === 'string' ? text.slice(0, 200) : 'refused';
}

function answerOf(error: unknown): CallAnswer {
  const response = (error as AxiosLikeError | undefined)?.response;
  if (!response) throw new RetryLater(`Klaviyo did not answer (${error instanceof Error ? error.name : 'error'}).`);
  const { status, headers = {}, data } = response;
  if (status === 429 || status === 408 || status >= 500) {
    const header = headers['retry-after'];
    throw new RetryLater(`Klaviyo answered ${status}.`, retryAfterMs(typeof header === 'string' ? header : header === undefined ? null : String(header)));
  }
  // A wrong or revoked key, or one without the profiles:write and subscriptions:write scopes.
  if (status === 401 || status === 403) throw new Error(`Klaviyo answered ${status}: ${detailOf(data)}`);
  return { outcome: 'refused', reason: `${status}: ${detailOf(data)}` };
}

const profiles = (emails: string[]) => ({ data: emails.map((email) => ({ type: 'profile' as const, attributes: { email } })) });

export const klaviyoConnector: ConnectorDefinition<Settings> = {
  kind: 'klaviyo',
  channels: ['email'],
  settings,
  secret: 'a Klaviyo private API key (pk_…) with the profiles:write and subscriptions:write scopes',
  batchSize: EMAILS_PER_JOB,
  // Bulk Suppress and Unsuppress Profiles: burst 75/s, steady 750/m each.
  requestsPerSecond: 12,
  runsFunction: true,
  create({ integration, settings: { baseUrl, purpose, timeoutMs, requestsPerSecond }, secret }) {
    if (!secret) throw new ConfigurationError(`INTEGRATION_SECRETS has no Klaviyo private API key for integration "${integration.name}".`);
    const api = new ProfilesApi(new TimedSession(secret, timeoutMs));
    api.basePath = baseUrl.replace(/\/+$/, '');
    const pace = pacer(requestsPerSecond ?? klaviyoConnector.requestsPerSecond);

    const call = async (target: string, emails: string[]): Promise<CallAnswer> => {
      try {
        if (target === 'suppress') {
          await api.bulkSuppressProfiles({ data: { type: 'profile-suppression-bulk-create-job', attributes: { profiles: profiles(emails) } } });
        } else {
          await api.bulkUnsuppressProfiles({ data: { type: 'profile-suppression-bulk-delete-job', attributes: { profiles: profiles(emails) } } });
        }
        return { outcome: 'done' };
      } catch (error) {
        return answerOf(error);
      }
    };

    return {
      async apply(changes) {
        const operations: Operation[] = [];
        changes.forEach((message, index) => {
          if (suppressesPurpose(message, purpose)) operations.push({ index, address: message.address, target: 'suppress' });
          else if (liftsPurpose(message, purpose)) operations.push({ index, address: message.address, target: 'unsuppress' });
        });
        return runOperations(changes.length, operations, () => EMAILS_PER_JOB, call, pace);
      },
    };
  },
};
