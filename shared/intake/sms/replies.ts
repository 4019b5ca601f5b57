import type { Logger } from '@aws-lambda-powertools/logger';
import { secrets as configuredSecrets, smsReplyApiBase, smsReplyTimeoutMs, type SecretName } from '../../platform/config.js';
import { logger, redact } from '../../platform/logger.js';
import type { Signal } from '../../core/signal.js';
import type { Suppression } from '../../core/preferences.js';
import type { InboundSms, Reply } from './providers/types.js';
import type { Secrets } from '../../http/webhook.js';

/**
 * The one opt-out confirmation (FCC: one message, no marketing, within five minutes) for the
 * providers that cannot answer a message in the webhook response: Vonage, Telnyx, Bandwidth and
 * Sinch take it only through their REST APIs. Twilio and Plivo answer in the response (TwiML,
 * Plivo XML) and never come here.
 *
 * The webhook waits for the send (a Lambda is frozen once it has answered), but the opt-out is
 * already durable by then: whatever happens to the send is logged and never changes the 2xx, so
 * the provider does not retry, and a retry would be a duplicate that confirms nothing anyway.
 * The send is not retried either: at most one message, never two.
 */

// ---------------------------------------------------------------------------------------------
// When to confirm

/** A message as recorded: what the handler knows once the write is durable. */
export interface RecordedMessage {
  message: InboundSms;
  signal: Pick<Signal, 'kind' | 'subject'>;
  /** The recorded outcome's suppression items whose status this message changed. */
  outcome: { statusChanges: readonly Pick<Suppression, 'status'>[] };
}

/** The confirmation to send, with the normalized address it goes to (for redacted logs). */
export interface Confirmation extends Reply {
  address: string;
}

/**
 * The confirmation due for a webhook's messages, if any: only for the first STOP that actually
 * suppressed a number, so a retried webhook (a duplicate writes nothing), a repeated STOP or a STOP
 * from an already suppressed number never sends another; and only when SMS_CONFIRMATION_TEXT is
 * configured (off by default).
 */
export function confirmationFor(recorded: readonly RecordedMessage[], text: string | undefined): Confirmation | undefined {
  if (!text) return undefined;
  const first = recorded.find(({ signal, outcome }) => signal.kind === 'opt-out' && outcome.statusChanges.some((change) => change.status === 'suppressed'));
  return first ? { text, message: first.message, address: first.signal.subject[0]?.value ?? first.message.from } : undefined;
}

// ---------------------------------------------------------------------------------------------
// The providers' send requests (pure builders)

/** An HTTP request to a provider's API, exactly as it will be sent. */
export interface OutboundRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
}

export const VONAGE_API_BASE = 'https://rest.nexmo.com';
export const TELNYX_API_BASE = 'https://api.telnyx.com';
export const BANDWIDTH_API_BASE = 'https://messaging.bandwidth.com';
/** Sinch serves each region from its own host; an account lives in one (US unless arranged). */
export const SINCH_REGIONS = ['us', 'eu', 'au', 'br', 'ca'] as const;
export type SinchRegion = (typeof SINCH_REGIONS)[number];
export const sinchApiBase = (region: SinchRegion) => `https://${region}.sms.api.sinch.com`;

const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
const join = (base: string, path: string) => `${base.replace(/\/+$/, '')}${path}`;

/** GSM 03.38 default alphabet and its extension table: what a `text` SMS can carry unmangled. */
const GSM_7 = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà' + '\f^{}\\[~]|€',
);

export function isGsm7(text: string): boolean {
  return [...text].every((char) => GSM_7.has(char));
}

/**
 * Vonage SMS API, `POST https://rest.nexmo.com/sms/json`, form-encoded `from`, `to`, `text`
 * (developer.vonage.com "Send an SMS" code snippet). The API key and secret go as HTTP Basic
 * credentials, the SMS API OpenAPI 1.5.0 security scheme (`basicAuth`), rather than as
 * api_key/api_secret fields, which keeps them out of the body. Numbers are E.164 without the '+'
 * (the API reference's 447700900000), which is also how Vonage reports them inbound. A text
 * outside the GSM alphabet is sent as `type=unicode` ("Send an SMS with Unicode"), or Vonage
 * would mangle it.
 */
export function vonageReplyRequest(reply: Reply, credentials: { apiKey: string; apiSecret: string }, base = VONAGE_API_BASE): OutboundRequest {
  const fields = new URLSearchParams({
    from: reply.message.to.replace(/^\+/, ''),
    to: reply.message.from.replace(/^\+/, ''),
    text: reply.text,
  });
  if (!isGsm7(reply.text)) fields.set('type', 'unicode');
  return {
    method: 'POST',
    url: join(base, '/sms/json'),
    headers: {
      authorization: basic(credentials.apiKey, credentials.apiSecret),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: fields.toString(),
  };
}

/**
 * Telnyx Messaging v2, `POST https://api.telnyx.com/v2/messages`, `Authorization: Bearer <API
 * key>`, JSON `{ from, to, text }` with E.164 numbers including the '+' (developers.telnyx.com
 * "Send your first message"). `from` is our number the person texted, so the reply stays in the
 * same conversation.
 */
export function telnyxReplyRequest(reply: Reply, credentials: { apiKey: string }, base = TELNYX_API_BASE): OutboundRequest {
  return {
    method: 'POST',
    url: join(base, '/v2/messages'),
    headers: { authorization: `Bearer ${credentials.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ from: reply.message.to, to: reply.message.from, text: reply.text }),
  };
}

/**
 * Bandwidth Messaging v2, `POST https://messaging.bandwidth.com/api/v2/users/{accountId}/messages`,
 * HTTP Basic API credentials, JSON `{ to: [..], from, text, applicationId }` where applicationId
 * is the messaging application of the `from` number (dev.bandwidth.com "Send Messages").
 */
export function bandwidthReplyRequest(
  reply: Reply,
  credentials: { accountId: string; username: string; password: string; applicationId: string },
  base = BANDWIDTH_API_BASE,
): OutboundRequest {
  return {
    method: 'POST',
    url: join(base, `/api/v2/users/${encodeURIComponent(credentials.accountId)}/messages`),
    headers: {
      authorization: basic(credentials.username, credentials.password),
      'content-type': 'application/json; charset=utf-8',
      accept: 'application/json',
    },
    body: JSON.stringify({ to: [reply.message.from], from: reply.message.to, text: reply.text, applicationId: credentials.applicationId }),
  };
}

/**
 * Sinch SMS REST API, `POST https://{region}.sms.api.sinch.com/xms/v1/{service_plan_id}/batches`,
 * `Authorization: Bearer <API token>`, JSON `{ from, to: [..], body, type: 'mt_text' }`
 * (developers.sinch.com SMS API reference "Batches → Send"; regions us, eu, au, br, ca as in the
 * Sinch SDKs' SmsRegion). Numbers go back as Sinch reported them (MSISDNs without '+').
 */
export function sinchReplyRequest(reply: Reply, credentials: { servicePlanId: string; apiToken: string }, base = sinchApiBase('us')): OutboundRequest {
  return {
    method: 'POST',
    url: join(base, `/xms/v1/${encodeURIComponent(credentials.servicePlanId)}/batches`),
    headers: { authorization: `Bearer ${credentials.apiToken}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ from: reply.message.to, to: [reply.message.from], body: reply.text, type: 'mt_text' }),
  };
}

// ---------------------------------------------------------------------------------------------
// The providers that reply by API

/** Thrown by a builder when configuration is present but unusable (never reaches the webhook). */
class UnusableConfiguration extends Error {}

interface ReplyApi {
  /** Secrets without which no reply is attempted. */
  required: readonly SecretName[];
  optional?: readonly SecretName[];
  /** Builds the request; call only with every required secret present. */
  build(reply: Reply, secrets: Secrets, base: string | undefined): OutboundRequest;
  /** Whether the provider accepted the message, beyond the HTTP status (Vonage answers 200 either way). */
  rejection?(body: string): string | undefined;
}

const replyApis = {
  vonage: {
    required: ['VONAGE_API_KEY', 'VONAGE_API_SECRET'],
    build: (reply, s, base) => vonageReplyRequest(reply, { apiKey: s.VONAGE_API_KEY!, apiSecret: s.VONAGE_API_SECRET! }, base),
    // The SMS API answers 200 with a status per message part; "0" is accepted, anything else is
    // the reason it was not (developer.vonage.com "Troubleshooting SMS").
    rejection(body) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return 'the response is not JSON';
      }
      const messages = (parsed as { messages?: unknown } | null)?.messages;
      if (!Array.isArray(messages) || messages.length === 0) return 'the response lists no messages';
      const failed = messages.find((part) => (part as { status?: unknown })?.status !== '0') as { status?: unknown } | undefined;
      return failed ? `Vonage status ${String(failed.status)}` : undefined;
    },
  },
  telnyx: {
    required: ['TELNYX_API_KEY'],
    build: (reply, s, base) => telnyxReplyRequest(reply, { apiKey: s.TELNYX_API_KEY! }, base),
  },
  bandwidth: {
    required: ['BANDWIDTH_ACCOUNT_ID', 'BANDWIDTH_API_USERNAME', 'BANDWIDTH_API_PASSWORD', 'BANDWIDTH_APPLICATION_ID'],
    build: (reply, s, base) =>
      bandwidthReplyRequest(
        reply,
        {
          accountId: s.BANDWIDTH_ACCOUNT_ID!,
          username: s.BANDWIDTH_API_USERNAME!,
          password: s.BANDWIDTH_API_PASSWORD!,
          applicationId: s.BANDWIDTH_APPLICATION_ID!,
        },
        base,
      ),
  },
  sinch: {
    required: ['SINCH_SERVICE_PLAN_ID', 'SINCH_API_TOKEN'],
    optional: ['SINCH_REGION'],
    build(reply, s, base) {
      const region = (s.SINCH_REGION ?? 'us').trim().toLowerCase();
      if (!base && !(SINCH_REGIONS as readonly string[]).includes(region)) {
        throw new UnusableConfiguration(`SINCH_REGION "${region}" is not one of ${SINCH_REGIONS.join(', ')}.`);
      }
      return sinchReplyRequest(reply, { servicePlanId: s.SINCH_SERVICE_PLAN_ID!, apiToken: s.SINCH_API_TOKEN! }, base ?? sinchApiBase(region as SinchRegion));
    },
  },
} satisfies Record<string, ReplyApi>;

export type ReplyApiProvider = keyof typeof replyApis;

/** Whether a provider's confirmation goes through its REST API rather than in the response. */
export function repliesByApi(provider: string): provider is ReplyApiProvider {
  return Object.hasOwn(replyApis, provider);
}

/** The secrets a provider's reply reads. */
export function replySecretNames(provider: ReplyApiProvider): SecretName[] {
  const api: ReplyApi = replyApis[provider];
  return [...api.required, ...(api.optional ?? [])];
}

// ---------------------------------------------------------------------------------------------
// Sending

export interface ReplyConfig {
  secrets: Secrets;
  /** Overrides the provider's public API base URL (tests, regions, proxies). */
  baseUrl?: string;
  timeoutMs?: number;
}

export type ReplyOutcome =
  | { outcome: 'sent'; httpStatus: number }
  | { outcome: 'unconfigured'; missing: SecretName[] }
  | {
      outcome: 'failed';
      reason: 'misconfigured' | 'timeout' | 'unreachable' | 'rejected';
      httpStatus?: number;
      /** The provider's words, with anything that looks like a phone number masked. */
      detail?: string;
    };

export const DEFAULT_REPLY_TIMEOUT_MS = 1500;

/** Provider error bodies may quote the numbers; logs must not. */
function masked(text: string): string {
  return text.replace(/\+?\d{6,}/g, '[number]').slice(0, 200);
}

function usableBase(base: string | undefined): string | undefined {
  if (base === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new UnusableConfiguration(`The reply API base URL "${base}" is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UnusableConfiguration(`The reply API base URL "${base}" is not http(s).`);
  }
  return base;
}

/**
 * Sends one confirmation through the provider's API. Never throws and never retries: the outcome
 * says what happened, for the caller to log. With a required secret missing nothing is sent.
 */
export async function sendReply(provider: ReplyApiProvider, reply: Reply, config: ReplyConfig, fetchImpl: typeof fetch = fetch): Promise<ReplyOutcome> {
  const api: ReplyApi = replyApis[provider];
  const missing = api.required.filter((name) => !config.secrets[name]);
  if (missing.length) return { outcome: 'unconfigured', missing };
  let request: OutboundRequest;
  try {
    request = api.build(reply, config.secrets, usableBase(config.baseUrl));
  } catch (error) {
    return { outcome: 'failed', reason: 'misconfigured', detail: error instanceof Error ? error.message : String(error) };
  }
  const signal = AbortSignal.timeout(config.timeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS);
  try {
    // No redirects: the credentials are for the provider's host alone.
    const response = await fetchImpl(request.url, { method: request.method, headers: request.headers, body: request.body, redirect: 'error', signal });
    const body = await response.text();
    if (!response.ok) return { outcome: 'failed', reason: 'rejected', httpStatus: response.status, detail: masked(body) };
    const rejection = api.rejection?.(body);
    if (rejection) return { outcome: 'failed', reason: 'rejected', httpStatus: response.status, detail: masked(rejection) };
    return { outcome: 'sent', httpStatus: response.status };
  } catch (error) {
    if (signal.aborted) return { outcome: 'failed', reason: 'timeout' };
    const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    return { outcome: 'failed', reason: 'unreachable', detail: masked(cause) };
  }
}

export type ReplyLog = Pick<Logger, 'info' | 'warn'>;

export interface ApiConfirmationOptions {
  fetchImpl?: typeof fetch;
  log?: ReplyLog;
  /** Reads the provider's secrets (default: the environment, then the Secrets Manager secret). */
  readSecrets?: (names: readonly SecretName[]) => Promise<Secrets>;
}

/**
 * The handler's confirmation sender: reads the provider's configuration, sends, and logs the
 * outcome with the address redacted. It never throws, so nothing here can fail a webhook whose
 * opt-out is already recorded. A provider without reply credentials is reported once per process
 * (at info: leaving confirmations off is a choice), not on every STOP.
 */
export function apiConfirmations(options: ApiConfirmationOptions = {}) {
  const log = options.log ?? logger;
  const readSecrets = options.readSecrets ?? configuredSecrets;
  const reportedUnconfigured = new Set<ReplyApiProvider>();
  return async function confirm(provider: ReplyApiProvider, confirmation: Confirmation): Promise<ReplyOutcome> {
    let outcome: ReplyOutcome;
    try {
      const config = { secrets: await readSecrets(replySecretNames(provider)), baseUrl: smsReplyApiBase(provider), timeoutMs: smsReplyTimeoutMs() };
      outcome = await sendReply(provider, confirmation, config, options.fetchImpl);
    } catch (error) {
      outcome = { outcome: 'failed', reason: 'misconfigured', detail: error instanceof Error ? error.message : String(error) };
    }
    const context = { provider, messageId: confirmation.message.messageId, address: redact(confirmation.address) };
    if (outcome.outcome === 'sent') {
      log.info('sms opt-out confirmation sent', { ...context, httpStatus: outcome.httpStatus });
    } else if (outcome.outcome === 'unconfigured') {
      if (!reportedUnconfigured.has(provider)) {
        reportedUnconfigured.add(provider);
        log.info('sms opt-out confirmations are off for this provider: its reply credentials are not configured', { provider, missing: outcome.missing });
      }
    } else {
      log.warn('sms opt-out confirmation not sent; the opt-out itself is recorded', { ...context, ...outcome });
    }
    return outcome;
  };
}
