import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { channels } from '../core/channels.js';
import { ConfigurationError } from '../core/errors.js';
import { refusalReason, vendorFetch, type ChangeOutcome, type ConnectorDefinition } from './connector.js';

/**
 * `webhook`: any system with an HTTPS endpoint. Each change is POSTed as the queue message's JSON
 * body, signed the Standard Webhooks way (https://www.standardwebhooks.com/) with the
 * integration's `whsec_…` secret; `webhook-id` is the message's messageId, stable per
 * (channel, address, version), so the receiver deduplicates on it. docs/connectors/webhook.md.
 */

const local = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

const settings = z
  .object({
    url: z
      .string()
      .url()
      .refine((value) => {
        const url = new URL(value);
        return url.protocol === 'https:' || (url.protocol === 'http:' && local(url));
      }, 'must be https (http only for localhost)'),
    /** How long one POST may take, in milliseconds. */
    timeoutMs: z.number().int().min(100).max(30_000).default(5000),
    requestsPerSecond: z.number().positive().max(1000).optional(),
  })
  .strict();

/** Answers that say the receiver will never take this message; anything else non-2xx is retried. */
const PERMANENT = new Set([400, 404, 410, 413, 415, 422]);

export const webhookConnector: ConnectorDefinition<z.infer<typeof settings>> = {
  kind: 'webhook',
  channels,
  settings,
  secret: 'a Standard Webhooks secret, whsec_ followed by base64',
  batchSize: 1,
  requestsPerSecond: 50,
  runsFunction: true,
  create({ integration, settings: { url, timeoutMs }, secret, fetch }) {
    if (!secret?.startsWith('whsec_')) throw new ConfigurationError(`INTEGRATION_SECRETS has no whsec_ secret for integration "${integration.name}".`);
    const signer = new Webhook(secret);
    return {
      // One change per request: each request is a vendor call, so the runtime's rate limit counts requests.
      async apply(changes) {
        const outcomes: ChangeOutcome[] = [];
        for (const message of changes) {
          const body = JSON.stringify(message);
          const timestamp = new Date();
          const response = await vendorFetch(fetch, url, {
            method: 'POST',
            timeoutMs,
            headers: {
              'content-type': 'application/json',
              'user-agent': 'optout-hub-webhook/1',
              'webhook-id': message.messageId,
              'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
              'webhook-signature': signer.sign(message.messageId, timestamp, body),
            },
            body,
          });
          if (response.ok) {
            await response.arrayBuffer().catch(() => undefined);
            outcomes.push({ outcome: 'applied' });
          } else if (PERMANENT.has(response.status)) {
            outcomes.push({ outcome: 'refused', reason: await refusalReason(response) });
          } else {
            outcomes.push({ outcome: 'retry', reason: await refusalReason(response) });
          }
        }
        return outcomes;
      },
    };
  },
};

/**
 * `queue`: a subscription consumed by your own code (it reads the integration's queue and acks
 * through POST /v1/acks with the integration's name). No function runs for it.
 */
export const queueConnector: ConnectorDefinition<Record<string, never>> = {
  kind: 'queue',
  channels,
  settings: z.object({}).strict(),
  batchSize: 10,
  requestsPerSecond: 1000,
  runsFunction: false,
  create() {
    throw new ConfigurationError('A queue integration is consumed by your own code; no connector runs for it.');
  },
};
