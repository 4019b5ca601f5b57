import { Client } from '@sendgrid/client';
import { z } from 'zod';
import { ALL_PURPOSES } from '../core/channels.js';
import { ConfigurationError } from '../core/errors.js';
import { retryAfterMs, RetryLater, type ConnectorDefinition } from './connector.js';
import { liftsPurpose, pacer, resetAfterMs, runOperations, suppressesPurpose, type CallAnswer, type Operation } from './operations.js';

/**
 * `sendgrid`: Twilio SendGrid's unsubscribe management (ASM), through the official
 * `@sendgrid/client`. A purpose suppressed puts the address on the global unsubscribes (the
 * `globalPurpose`, `all` by default) or on the unsubscribe group the settings map the purpose to;
 * a later version that allows it again deletes that suppression. docs/connectors/sendgrid.md.
 *
 *   POST   /v3/asm/suppressions/global                   { recipient_emails }   201
 *   DELETE /v3/asm/suppressions/global/{email}                                  204
 *   POST   /v3/asm/groups/{group_id}/suppressions        { recipient_emails }   201
 *   DELETE /v3/asm/groups/{group_id}/suppressions/{email}                       204
 */

const settings = z
  .object({
    /** https://api.sendgrid.com, or https://api.eu.sendgrid.com for EU regional subusers. */
    baseUrl: z
      .string()
      .url()
      .refine((value) => {
        const url = new URL(value);
        return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
      }, 'must be https (http only for localhost)')
      .default('https://api.sendgrid.com'),
    /** The purpose whose suppression is a global unsubscribe; null never touches the global list. */
    globalPurpose: z.string().min(1).nullable().default(ALL_PURPOSES),
    /** Purpose → unsubscribe group id. */
    groups: z.record(z.string().min(1), z.number().int().positive()).default({}),
    /** A subuser's username (or `account-id <id>`), sent as `on-behalf-of` from a parent account's key. */
    onBehalfOf: z.string().min(1).optional(),
    timeoutMs: z.number().int().min(100).max(30_000).default(10_000),
    requestsPerSecond: z.number().positive().max(1000).optional(),
  })
  .strict()
  .refine((value) => value.globalPurpose !== null || Object.keys(value.groups).length > 0, {
    message: 'map at least one purpose: globalPurpose or groups',
  });
type Settings = z.infer<typeof settings>;

/** Addresses per POST: SendGrid documents no limit for recipient_emails; this keeps a body small. */
const RECIPIENTS_PER_CALL = 500;

interface SendGridError {
  code?: number;
  response?: { headers?: Record<string, string>; body?: unknown };
}

function firstErrorMessage(body: unknown): string {
  const errors = (body as { errors?: { message?: unknown }[] } | undefined)?.errors;
  const message = Array.isArray(errors) ? errors[0]?.message : undefined;
  return typeof message === 'string' ? message.slice(0, 200) : 'refused';
}

/** What a SendGrid answer means for optout-hub: done, refused for good, or not now. */
function answerOf(error: unknown, deleting: boolean): CallAnswer {
  const { code, response } = (error ?? {}) as SendGridError;
  if (typeof code !== 'number') {
    throw new RetryLater(`SendGrid did not answer (${error instanceof Error ? error.name : 'error'}).`);
  }
  const headers = response?.headers ?? {};
  if (code === 429 || code === 408 || code >= 500) {
    // SendGrid's 429 carries X-RateLimit-Reset (epoch seconds) rather than Retry-After.
    throw new RetryLater(`SendGrid answered ${code}.`, retryAfterMs(headers['retry-after'] ?? null) ?? resetAfterMs(headers['x-ratelimit-reset']));
  }
  // Nothing to lift: the address was not suppressed there.
  if (code === 404 && deleting) return { outcome: 'done' };
  // A key without the asm.* scopes, or a revoked one: fixable, so retried (and parked on the DLQ in time).
  if (code === 401 || code === 403) throw new Error(`SendGrid answered ${code}: ${firstErrorMessage(response?.body)}`);
  return { outcome: 'refused', reason: `${code}: ${firstErrorMessage(response?.body)}` };
}

export const sendgridConnector: ConnectorDefinition<Settings> = {
  kind: 'sendgrid',
  channels: ['email'],
  settings,
  secret: 'a SendGrid API key (SG.…) with asm.suppressions.global.create/delete and asm.groups.suppressions.create/delete',
  batchSize: RECIPIENTS_PER_CALL,
  // SendGrid publishes no number for these endpoints (it answers with X-RateLimit-* headers and 429);
  // 600 requests a minute is its documented default elsewhere in the v3/v2 APIs.
  requestsPerSecond: 10,
  runsFunction: true,
  create({ integration, settings: { baseUrl, globalPurpose, groups, onBehalfOf, timeoutMs, requestsPerSecond }, secret }) {
    if (!secret) throw new ConfigurationError(`INTEGRATION_SECRETS has no SendGrid API key for integration "${integration.name}".`);
    const client = new Client();
    client.setApiKey(secret);
    // setApiKey resets the base URL to the region's; the settings' URL wins.
    client.setDefaultRequest('baseUrl', baseUrl.replace(/\/+$/, ''));
    client.setDefaultRequest({ timeout: timeoutMs } as never);
    client.setDefaultHeader('User-Agent', 'optout-hub-sendgrid/1');
    if (onBehalfOf) client.setImpersonateSubuser(onBehalfOf);

    const targets: { purpose: string; add: string; remove: string }[] = [
      ...(globalPurpose ? [{ purpose: globalPurpose, add: 'POST /v3/asm/suppressions/global', remove: 'DELETE /v3/asm/suppressions/global' }] : []),
      ...Object.entries(groups).map(([purpose, id]) => ({
        purpose,
        add: `POST /v3/asm/groups/${id}/suppressions`,
        remove: `DELETE /v3/asm/groups/${id}/suppressions`,
      })),
    ];

    const call = async (target: string, addresses: string[]): Promise<CallAnswer> => {
      const [method, path] = target.split(' ') as ['POST' | 'DELETE', string];
      try {
        if (method === 'POST') await client.request({ method, url: path, body: { recipient_emails: addresses } });
        else await client.request({ method, url: `${path}/${encodeURIComponent(addresses[0]!)}` });
        return { outcome: 'done' };
      } catch (error) {
        return answerOf(error, method === 'DELETE');
      }
    };

    const pace = pacer(requestsPerSecond ?? sendgridConnector.requestsPerSecond);
    return {
      async apply(changes) {
        const operations: Operation[] = [];
        changes.forEach((message, index) => {
          for (const { purpose, add, remove } of targets) {
            if (suppressesPurpose(message, purpose)) operations.push({ index, address: message.address, target: add });
            else if (liftsPurpose(message, purpose)) operations.push({ index, address: message.address, target: remove });
          }
        });
        return runOperations(changes.length, operations, (target) => (target.startsWith('POST') ? RECIPIENTS_PER_CALL : 1), call, pace);
      },
    };
  },
};
