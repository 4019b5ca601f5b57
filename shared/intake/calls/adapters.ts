import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import { z } from 'zod';
import { BadRequestError, ConfigurationError, InvalidSignatureError, NotFoundError } from '../../core/errors.js';
import { formParams } from '../../http/request.js';
import { isWellFormed } from '../../core/text.js';
import { connectDispositionAttribute } from '../../platform/config.js';
import { TWILIO_SIGNATURE_HEADER, TWILIO_SIGNATURE_SETTINGS_HEADER, verifyTwilioSignature } from '../sms/providers/twilio.js';
import type { WebhookRequest } from '../../http/webhook.js';
import type { CallDisposition } from './types.js';

/**
 * One adapter per dialer: verify the caller, then read the dialer's payload into a
 * CallDisposition. Field names follow each platform's documentation (reference/providers.md §3).
 *
 * Only Twilio TaskRouter signs its callbacks itself (X-Twilio-Signature); every other dialer is
 * configured to deliver through something that signs the Standard Webhooks way (an EventBridge
 * API destination behind a small signer, a connector with a shared secret, …) with a per-dialer
 * `whsec_` secret from DIALER_WEBHOOK_SECRETS.
 */

export interface DialerSecrets {
  /** Per dialer: `generic:whsec_…,five9:whsec_…`. */
  DIALER_WEBHOOK_SECRETS?: string;
  TWILIO_AUTH_TOKEN?: string;
  TWILIO_WEBHOOK_SHARED_KEY?: string;
}

export interface DialerAdapter {
  /**
   * Verifies the request and reads its disposition; undefined for an event that is not a
   * disposition (a TaskRouter `task.created`, say), which is acknowledged and ignored.
   */
  read(request: WebhookRequest, secrets: DialerSecrets): CallDisposition | undefined;
}

/**
 * Limits on what a dialer sends, so that a signed payload that breaks them is a 400 naming the
 * field, not a failed event validation (500, retried). The call id and the code become the event
 * id, so they must also be well-formed Unicode (shared/core/text.ts); the agent is evidence
 * (`collectedBy: agent:{id}`, at most 256 characters).
 */
export const MAX_ID = 128;
export const MAX_AGENT_LENGTH = 200;
const wellFormed = [isWellFormed, 'not well-formed Unicode (an unpaired surrogate)'] as const;
const id = z
  .string()
  .trim()
  .min(1)
  .max(MAX_ID)
  .refine(...wellFormed);
const code = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .refine(...wellFormed);
const agent = z.string().trim().max(MAX_AGENT_LENGTH);

export function webhookSecretFor(dialer: string, spec: string | undefined): string | undefined {
  for (const entry of (spec ?? '').split(',')) {
    const at = entry.indexOf(':');
    if (at > 0 && entry.slice(0, at).trim() === dialer) return entry.slice(at + 1).trim() || undefined;
  }
  return undefined;
}

/** Standard Webhooks 1.0 (HMAC-SHA256 over `id.timestamp.body`, ±5 minutes), by the reference library. */
export function verifyStandardWebhook(secret: string, request: WebhookRequest): void {
  const headers = {
    'webhook-id': request.headers['webhook-id'] ?? '',
    'webhook-timestamp': request.headers['webhook-timestamp'] ?? '',
    'webhook-signature': request.headers['webhook-signature'] ?? '',
  };
  if (!headers['webhook-id'] || !headers['webhook-timestamp'] || !headers['webhook-signature']) {
    throw new InvalidSignatureError('The webhook-id, webhook-timestamp and webhook-signature headers are required.');
  }
  let webhook: Webhook;
  try {
    webhook = new Webhook(secret);
  } catch {
    throw new ConfigurationError('A dialer webhook secret in DIALER_WEBHOOK_SECRETS is not a whsec_ base64 secret.');
  }
  try {
    webhook.verify(request.rawBody, headers, { jsonParse: false });
  } catch (error) {
    if (error instanceof WebhookVerificationError) throw new InvalidSignatureError(`The webhook signature does not verify: ${error.message}.`);
    throw error;
  }
}

function standardWebhookDialer(dialer: string, read: (body: unknown) => CallDisposition | undefined): DialerAdapter {
  return {
    read(request, secrets) {
      const secret = webhookSecretFor(dialer, secrets.DIALER_WEBHOOK_SECRETS);
      if (!secret) throw new ConfigurationError(`No webhook secret is configured for dialer "${dialer}" (DIALER_WEBHOOK_SECRETS), so its calls are refused.`);
      verifyStandardWebhook(secret, request);
      return read(parseBody(request));
    },
  };
}

/** JSON, or form fields for connectors that can only post forms (Five9). */
function parseBody(request: WebhookRequest): unknown {
  if (request.contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) return formParams(request.rawBody);
  try {
    return JSON.parse(request.rawBody);
  } catch {
    throw new BadRequestError('The body is not valid JSON.');
  }
}

function parsed<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new BadRequestError(`The ${what} payload does not match the expected shape.`, {
      errors: result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  return result.data;
}

/**
 * A time as dialers write it: ISO 8601, Unix seconds or milliseconds, or `YYYY-MM-DD HH:mm:ss`
 * (read as UTC; configure the connector to send UTC).
 */
export function readTime(value: string | number | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const text = String(value).trim();
  let ms: number;
  if (/^\d{9,11}$/.test(text)) ms = Number(text) * 1000;
  else if (/^\d{12,14}$/.test(text)) ms = Number(text);
  else if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) ms = Date.parse(`${text.replace(' ', 'T')}Z`);
  else ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new BadRequestError(`"${text.slice(0, 40)}" is not a time.`);
  return new Date(ms).toISOString();
}

const stripTel = (value: string) => value.replace(/^tel:/i, '').trim();

/** optout-hub's own shape, for dialers and scripts that can send JSON. */
export const genericSchema = z
  .object({
    phone: z.string().trim().min(1).max(64),
    disposition: code,
    agentId: agent.optional(),
    callId: id,
    occurredAt: z.iso.datetime({ offset: true }),
    scope: z.enum(['address', 'person']).optional(),
  })
  .strict();

const generic = standardWebhookDialer('generic', (body) => {
  const value = parsed(genericSchema, body, 'call disposition');
  return {
    dialer: 'generic',
    callId: value.callId,
    phone: value.phone,
    code: value.disposition,
    agentId: value.agentId,
    occurredAt: new Date(value.occurredAt).toISOString(),
    scope: value.scope,
  };
});

/**
 * Twilio TaskRouter / Flex: the workspace's EventCallbackUrl, form-encoded and signed with
 * X-Twilio-Signature. `task.wrapup` and `task.completed` carry the outcome in
 * TaskAttributes.conversations.outcome (Flex Insights) or TaskCompletedReason.
 */
const TASKROUTER_DISPOSITION_EVENTS = new Set(['task.wrapup', 'task.completed', 'reservation.wrapup']);

const taskAttributesSchema = z
  .object({
    from: z.string().optional(),
    to: z.string().optional(),
    direction: z.string().optional(),
    call_sid: z.string().optional(),
    conversations: z.object({ outcome: z.string().optional() }).loose().optional(),
  })
  .loose();

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

const twilio: DialerAdapter = {
  read(request, secrets) {
    if (!request.contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new BadRequestError('TaskRouter event callbacks are application/x-www-form-urlencoded.');
    }
    const signatureSettings = request.headers[TWILIO_SIGNATURE_SETTINGS_HEADER];
    const sharedKey = twilioWebhooks.getSignatureAlgorithm(signatureSettings).toUpperCase() === twilioWebhooks.HMAC_SHA256;
    const key = sharedKey ? secrets.TWILIO_WEBHOOK_SHARED_KEY : secrets.TWILIO_AUTH_TOKEN;
    if (!key)
      throw new ConfigurationError(`${sharedKey ? 'TWILIO_WEBHOOK_SHARED_KEY' : 'TWILIO_AUTH_TOKEN'} is not configured, so TaskRouter events are refused.`);
    const params = formParams(request.rawBody);
    verifyTwilioSignature(key, { url: request.url, params, signature: request.headers[TWILIO_SIGNATURE_HEADER], signatureSettings });

    const eventType = single(params.EventType);
    if (!eventType || !TASKROUTER_DISPOSITION_EVENTS.has(eventType)) return undefined;
    let attributes: z.infer<typeof taskAttributesSchema>;
    try {
      attributes = parsed(taskAttributesSchema, JSON.parse(single(params.TaskAttributes) ?? '{}'), 'TaskAttributes');
    } catch (error) {
      if (error instanceof BadRequestError) throw error;
      throw new BadRequestError('TaskAttributes is not valid JSON.');
    }
    const outbound = attributes.direction?.toLowerCase().startsWith('outbound');
    const phone = outbound ? attributes.to : attributes.from;
    const disposition = attributes.conversations?.outcome ?? single(params.TaskCompletedReason);
    const callId = single(params.TaskSid);
    if (!callId) throw new BadRequestError('TaskSid is missing.');
    if (!phone) throw new BadRequestError(`TaskAttributes.${outbound ? 'to' : 'from'} (the customer's number) is missing.`);
    if (!disposition) return undefined; // a task closed without an outcome says nothing about contact
    return {
      dialer: 'twilio',
      callId: parsed(id, callId, 'TaskSid'),
      phone: stripTel(phone),
      code: parsed(code, disposition, 'outcome'),
      agentId: parsed(agent.optional(), single(params.WorkerSid), 'WorkerSid'),
      occurredAt: readTime(single(params.Timestamp)),
    };
  },
};

/**
 * Genesys Cloud through the Amazon EventBridge integration: the AfterCallWork event of topic
 * `v2.detail.events.conversation.{id}.acw`, in `detail.eventBody`. The wrap-up code is an id;
 * map it in DISPOSITION_MAP under `genesys`.
 */
const genesysSchema = z
  .object({
    detail: z
      .object({
        topicName: z.string().optional(),
        eventBody: z
          .object({
            conversationId: id,
            userId: agent.optional(),
            wrapupCode: code,
            eventTime: z.union([z.string(), z.number()]).optional(),
            ani: z.string().optional(),
            dnis: z.string().optional(),
            direction: z.string().optional(),
          })
          .loose(),
      })
      .loose(),
  })
  .loose();

const genesys = standardWebhookDialer('genesys', (body) => {
  const event = parsed(genesysSchema, body, 'Genesys Cloud EventBridge').detail.eventBody;
  const outbound = event.direction?.toLowerCase() === 'outbound';
  const phone = outbound ? event.dnis : event.ani;
  if (!phone) throw new BadRequestError(`eventBody.${outbound ? 'dnis' : 'ani'} (the customer's number) is missing.`);
  return {
    dialer: 'genesys',
    callId: event.conversationId,
    phone: stripTel(phone),
    code: event.wrapupCode,
    agentId: event.userId,
    occurredAt: readTime(event.eventTime),
  };
});

/**
 * Amazon Connect: the contact record (or a flow's Details.ContactData) with the disposition in a
 * user-defined contact attribute, `disposition` unless CONNECT_DISPOSITION_ATTRIBUTE says otherwise.
 */
const connectContactSchema = z
  .object({
    ContactId: id,
    CustomerEndpoint: z.object({ Address: z.string().min(1) }).loose(),
    Attributes: z.record(z.string(), z.string()).default({}),
    Agent: z.object({ Username: agent.optional(), ARN: agent.optional() }).loose().nullish(),
    DisconnectTimestamp: z.union([z.string(), z.number()]).nullish(),
    InitiationTimestamp: z.union([z.string(), z.number()]).nullish(),
  })
  .loose();

const connect = standardWebhookDialer('connect', (body) => {
  const contactData = (body as { Details?: { ContactData?: unknown } } | null)?.Details?.ContactData ?? body;
  const contact = parsed(connectContactSchema, contactData, 'Amazon Connect contact');
  const attribute = connectDispositionAttribute();
  const disposition = contact.Attributes[attribute];
  if (!disposition) return undefined; // the flow set no disposition: nothing to act on
  return {
    dialer: 'connect',
    callId: contact.ContactId,
    phone: contact.CustomerEndpoint.Address,
    code: parsed(code, disposition, `Attributes.${attribute}`),
    agentId: contact.Agent?.Username ?? contact.Agent?.ARN,
    occurredAt: readTime(contact.DisconnectTimestamp ?? contact.InitiationTimestamp ?? undefined),
  };
});

/**
 * Five9: a Web Connector triggered on disposition, posting its call variables under their Five9
 * names (`Call.number`, `Call.ANI`, `Call.disposition_name`, `Call.call_id`, `Agent.user_name`,
 * `Call.end_timestamp`), as JSON or form fields.
 */
const five9Schema = z
  .object({
    'Call.call_id': id,
    'Call.number': z.string().optional(),
    'Call.ANI': z.string().optional(),
    'Call.disposition_name': code,
    'Agent.user_name': agent.optional(),
    'Agent.id': agent.optional(),
    'Call.end_timestamp': z.string().optional(),
    'Call.start_timestamp': z.string().optional(),
  })
  .loose();

const five9 = standardWebhookDialer('five9', (body) => {
  const flat = Object.fromEntries(Object.entries((body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const call = parsed(five9Schema, flat, 'Five9 connector');
  const phone = call['Call.number'] || call['Call.ANI'];
  if (!phone) throw new BadRequestError("Call.number (or Call.ANI), the customer's number, is missing.");
  return {
    dialer: 'five9',
    callId: call['Call.call_id'],
    phone,
    code: call['Call.disposition_name'],
    agentId: call['Agent.user_name'] || call['Agent.id'],
    occurredAt: readTime(call['Call.end_timestamp'] || call['Call.start_timestamp']),
  };
});

export const dialers: Record<string, DialerAdapter> = { generic, twilio, genesys, connect, five9 };

export function dialer(name: string): DialerAdapter {
  if (!Object.hasOwn(dialers, name)) throw new NotFoundError(`Unknown dialer "${name}"; known: ${Object.keys(dialers).join(', ')}.`);
  return dialers[name]!;
}
