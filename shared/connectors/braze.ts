import { z } from 'zod';
import { ALL_PURPOSES } from '../core/channels.js';
import { ConfigurationError } from '../core/errors.js';
import type { ConnectorDefinition } from './connector.js';
import { liftsPurpose, pacer, rateLimitedFetch, runOperations, suppressesPurpose, type CallAnswer, type Operation } from './operations.js';

/**
 * `braze`: Braze's REST API (no official Node SDK exists for it). Email: the global email
 * subscription state (`POST /email/status`) for the `emailGlobalPurpose`, and email subscription
 * groups; SMS: SMS subscription groups (Braze has no global SMS state). Groups are set with
 * `POST /v2/subscription/status/set`. Up to 50 addresses per call, as both endpoints document.
 * docs/connectors/braze.md.
 */

const groupIds = z.record(z.string().min(1), z.string().min(1)).default({});

const settings = z
  .object({
    /** The workspace's REST endpoint, e.g. https://rest.iad-01.braze.com. */
    restEndpoint: z
      .string()
      .url()
      .refine((value) => {
        const url = new URL(value);
        return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
      }, 'must be https (http only for localhost)'),
    /** The purpose whose suppression unsubscribes the address from all email; null never sets the global state. */
    emailGlobalPurpose: z.string().min(1).nullable().default(ALL_PURPOSES),
    /** The global email state an opt-in sets: `subscribed` (neither opted in nor out) or `opted_in` (explicitly confirmed). */
    emailOptInState: z.enum(['subscribed', 'opted_in']).default('subscribed'),
    /** Purpose → subscription group id, per channel. */
    subscriptionGroups: z.object({ email: groupIds, sms: groupIds }).strict().default({ email: {}, sms: {} }),
    /** False: an allowed purpose is never written (opt-ins are left to Braze's own flows, e.g. SMS double opt-in). */
    resubscribe: z.boolean().default(true),
    timeoutMs: z.number().int().min(100).max(30_000).default(10_000),
    requestsPerSecond: z.number().positive().max(1000).optional(),
  })
  .strict();
type Settings = z.infer<typeof settings>;

/** Both /email/status and /v2/subscription/status/set take at most 50 addresses a call. */
const ADDRESSES_PER_CALL = 50;

function reasonOf(status: number, body: unknown): string {
  const message = (body as { message?: unknown } | undefined)?.message;
  return `${status}: ${typeof message === 'string' ? message.slice(0, 200) : 'refused'}`;
}

export const brazeConnector: ConnectorDefinition<Settings> = {
  kind: 'braze',
  channels: ['email', 'sms'],
  settings,
  secret: 'a Braze REST API key with the email.status and subscription.status.set permissions',
  batchSize: ADDRESSES_PER_CALL,
  // /subscription/status/set: 5,000 requests a minute; /email/status: 250,000 an hour shared with
  // other endpoints. 60 a second stays under both.
  requestsPerSecond: 60,
  runsFunction: true,
  create({ integration, settings: config, secret, fetch }) {
    if (!secret) throw new ConfigurationError(`INTEGRATION_SECRETS has no Braze REST API key for integration "${integration.name}".`);
    if (integration.channels.includes('sms') && Object.keys(config.subscriptionGroups.sms).length === 0) {
      throw new ConfigurationError(
        `Integration "${integration.name}": Braze holds SMS opt-outs only in subscription groups; map one in settings.subscriptionGroups.sms.`,
      );
    }
    const base = config.restEndpoint.replace(/\/+$/, '');
    const pace = pacer(config.requestsPerSecond ?? brazeConnector.requestsPerSecond);

    const post = async (path: string, body: unknown): Promise<CallAnswer> => {
      const response = await rateLimitedFetch(fetch, `${base}${path}`, {
        method: 'POST',
        timeoutMs: config.timeoutMs,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, 'user-agent': 'optout-hub-braze/1' },
        body: JSON.stringify(body),
      });
      const text = await response.text().catch(() => '');
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      // "success", possibly with minor errors: Braze applied what the errors do not name.
      if (response.ok) return { outcome: 'done' };
      // A wrong key or one without the permission, or a subscription group id the workspace does not
      // have: a configuration to fix, not an address Braze cannot hold, so retried until it is fixed.
      if (response.status === 401 || response.status === 403 || /subscription.?group/i.test(reasonOf(response.status, parsed))) {
        throw new Error(`Braze answered ${reasonOf(response.status, parsed)}`);
      }
      return { outcome: 'refused', reason: reasonOf(response.status, parsed) };
    };

    const call = (target: string, addresses: string[]): Promise<CallAnswer> => {
      const [kind, ...rest] = target.split(' ');
      if (kind === 'email-status') return post('/email/status', { email: addresses, subscription_state: rest[0] });
      const [groupId, state, field] = rest as [string, string, 'emails' | 'phones'];
      return post('/v2/subscription/status/set', {
        subscription_groups: [{ subscription_group_id: groupId, subscription_state: state, [field]: addresses }],
      });
    };

    return {
      async apply(changes) {
        const operations: Operation[] = [];
        changes.forEach((message, index) => {
          const add = (target: string) => operations.push({ index, address: message.address, target });
          const field = message.channel === 'sms' ? 'phones' : 'emails';
          if (message.channel === 'email' && config.emailGlobalPurpose) {
            if (suppressesPurpose(message, config.emailGlobalPurpose)) add('email-status unsubscribed');
            else if (config.resubscribe && liftsPurpose(message, config.emailGlobalPurpose)) add(`email-status ${config.emailOptInState}`);
          }
          const groups = message.channel === 'sms' ? config.subscriptionGroups.sms : message.channel === 'email' ? config.subscriptionGroups.email : {};
          for (const [purpose, groupId] of Object.entries(groups)) {
            if (suppressesPurpose(message, purpose)) add(`group ${groupId} unsubscribed ${field}`);
            else if (config.resubscribe && liftsPurpose(message, purpose)) add(`group ${groupId} subscribed ${field}`);
          }
        });
        return runOperations(changes.length, operations, () => ADDRESSES_PER_CALL, call, pace);
      },
    };
  },
};
