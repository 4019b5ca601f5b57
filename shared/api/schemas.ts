import { z } from 'zod';
import { channels } from '../core/channels.js';
import { identityTypes } from '../core/identity.js';
import { MAX_BATCH_CHECK } from '../distribution/enforcement.js';
import { MAX_CONTACT_CHECKS } from '../distribution/contact-check.js';
import { exemptionSchema } from '../core/exemptions.js';
import { MAX_BATCH_ITEMS } from '../intake/requests/batch.js';
import { requestSchema } from '../intake/requests/requests.js';

/**
 * The shapes of what the HTTP API answers, as zod schemas. The handlers type their answers with
 * them (`satisfies`), compile-time checks below tie them to the domain types that produce the
 * values, and the OpenAPI document (openapi.ts) is generated from them and from the request
 * schemas the handlers parse with, so the document cannot drift from the code.
 */

const channel = z.enum(channels).describe('sms, email, voice or mail');
const status = z.enum(['suppressed', 'allowed']);
const timestamp = z.string().describe('An ISO 8601 time in UTC');
const purposes = z.record(z.string(), status).describe('Status per purpose; `all` stands for every purpose not named');
const problemType = z.string().describe('https://optout-hub.dev/problems/{slug}');

/** RFC 9457 problem details: every refusal and failure. Extensions (such as `errors`) may follow. */
export const problemSchema = z.looseObject({
  type: problemType,
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  errors: z
    .array(z.looseObject({ path: z.string(), message: z.string() }))
    .optional()
    .describe('What is wrong with the body, field by field'),
});

/** The body of POST /v1/suppressions/check. */
export const batchCheckSchema = z.object({
  channel: z.string().describe('sms, email, voice or mail'),
  purpose: z.string().optional().describe('Without one, an address suppressed for any purpose is not sendable'),
  addresses: z.array(z.string().max(1000)).min(1).max(MAX_BATCH_CHECK),
});

/** The body of POST /v1/requests/batch as documented: each item is read like POST /v1/requests, one at a time. */
export const documentedBatchSchema = z.object({ requests: z.array(requestSchema).min(1).max(MAX_BATCH_ITEMS) }).strict();

export const checkAnswerSchema = z.object({
  channel,
  address: z.string().describe('The normalized address the answer is for'),
  purpose: z.string().nullable(),
  suppressed: z.boolean(),
  status,
  purposes,
  since: timestamp.nullable().describe('When the person acted; null when nothing is recorded'),
  eventId: z.string().nullable(),
  version: z.number().int().min(0).describe('0 when nothing is recorded for the address'),
});
export type CheckAnswer = z.infer<typeof checkAnswerSchema>;

export const addressCheckSchema = z.object({
  input: z.string(),
  address: z.string().nullable(),
  sendable: z.boolean(),
  suppressed: z.boolean().nullable(),
  status: status.nullable(),
  reason: z.enum(['suppressed', 'invalid-address', 'check-failed']).nullable(),
  detail: z.string().optional(),
  since: timestamp.nullable(),
  eventId: z.string().nullable(),
  version: z.number().int().min(0),
});

const batchCheckSummarySchema = z.object({
  sendable: z.number().int(),
  suppressed: z.number().int(),
  invalid: z.number().int(),
  failed: z.number().int(),
});

export const batchCheckAnswerSchema = z.object({
  channel,
  purpose: z.string().nullable(),
  summary: batchCheckSummarySchema,
  results: z.array(addressCheckSchema),
});
export type BatchCheckAnswer = z.infer<typeof batchCheckAnswerSchema>;

/** What a channel queue carries for one change of one address, and what the export pages through. */
export const suppressionMessageSchema = z.object({
  type: z.literal('suppression.changed'),
  schemaVersion: z.literal(1),
  messageId: z.string().describe('Stable per (channel, address, version): deduplicate on it'),
  channel,
  address: z.string(),
  personId: z.string(),
  status,
  suppressed: z.boolean(),
  purposes,
  version: z.number().int().min(1).describe('Per address; drop any message older than one already applied'),
  eventId: z.string(),
  since: timestamp,
  recordedAt: timestamp,
});
export type SuppressionMessageBody = z.infer<typeof suppressionMessageSchema>;

export const exportPageSchema = z.object({
  channel,
  items: z.array(suppressionMessageSchema),
  nextCursor: z.string().describe('Pass as `since` to continue'),
  hasMore: z.boolean(),
  completeUpTo: timestamp,
});
export type ExportPageAnswer = z.infer<typeof exportPageSchema>;

const recordedSuppressionSchema = z.object({ channel, address: z.string(), status, purposes, version: z.number().int() });

export const recordAnswerSchema = z.object({
  eventId: z.string(),
  personId: z.string(),
  duplicate: z.boolean().describe('true when the requestId was recorded before: nothing changed'),
  effect: z.enum(['applied', 'superseded', 'recorded']),
  suppressions: z.array(recordedSuppressionSchema),
});
export type RecordAnswer = z.infer<typeof recordAnswerSchema>;

export const batchItemResultSchema = z.object({
  index: z.number().int(),
  requestId: z.string().optional(),
  status: z.number().int().describe('201 recorded, 200 already recorded, 4xx refused (fix and resend), 5xx not recorded (resend as is)'),
  eventId: z.string().optional(),
  personId: z.string().optional(),
  effect: z.enum(['applied', 'superseded', 'recorded']).optional(),
  error: z.object({ type: z.string(), detail: z.string(), errors: z.unknown().optional() }).optional(),
});

export const batchAnswerSchema = z.object({
  summary: z.object({ recorded: z.number().int(), duplicates: z.number().int(), refused: z.number().int(), failed: z.number().int() }),
  results: z.array(batchItemResultSchema),
});
export type BatchAnswer = z.infer<typeof batchAnswerSchema>;

const ackStatus = z.enum(['acked', 'already-acked', 'not-enqueued-yet', 'unknown']);

export const ackResultSchema = z.object({
  channel,
  address: z.string(),
  version: z.number().int(),
  status: ackStatus,
  ackedAt: timestamp.optional(),
  integrationAckedAt: timestamp.optional(),
  alsoAcked: z.array(z.number().int()).optional().describe('Older versions of the address this ack also covered'),
  reason: z.string().optional(),
});

export const ackAnswerSchema = z.object({
  integration: z.string(),
  counts: z.object({ acked: z.number().int(), 'already-acked': z.number().int(), 'not-enqueued-yet': z.number().int(), unknown: z.number().int() }),
  results: z.array(ackResultSchema),
});
export type AckAnswer = z.infer<typeof ackAnswerSchema>;

const identitySchema = z.object({ type: z.enum(identityTypes), value: z.string() });

/** Where one integration stands with one delivery (shared/audit/acks.ts integrationStates). */
const integrationStateSchema = z.object({
  integration: z.string(),
  state: z.enum(['applied', 'refused', 'pending']),
  at: timestamp.optional(),
  version: z.number().int().optional(),
  reason: z.string().optional(),
});

export const personSchema = z.object({
  personId: z.string(),
  identities: z.array(identitySchema),
  preferences: z.array(
    z.object({
      channel,
      purpose: z.string(),
      scope: z.enum(['address', 'person']),
      address: z.string().optional(),
      status,
      since: timestamp,
      occurredAt: timestamp,
      eventId: z.string(),
    }),
  ),
  suppressions: z.array(
    z.object({
      channel,
      address: z.string(),
      status,
      purposes,
      since: timestamp,
      eventId: z.string(),
      /** The current version, when the suppression item exists. */
      version: z.number().int().optional(),
      enqueuedAt: timestamp.optional(),
      /** When every integration expected on the channel had applied the current version. */
      appliedAt: timestamp.optional(),
      /** Per integration of the channel: applied, refused by its vendor, or pending (GET /v1/people only). */
      integrations: z.array(integrationStateSchema).optional(),
    }),
  ),
  mergedFrom: z.array(z.string()),
  revision: z.number().int(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type PersonAnswer = z.infer<typeof personSchema>;

const timeliness = z.enum(['met', 'missed', 'pending', 'approaching']);

const channelTimingSchema = z.object({
  channel,
  address: z.string(),
  state: z.enum(['applied', 'enqueued', 'not-enqueued', 'already-in-effect']),
  version: z.number().int().optional(),
  enqueuedAt: timestamp.optional(),
  appliedAt: timestamp.optional(),
  ackedBy: z.string().optional(),
  ackedByKey: z.string().optional(),
  acks: z.record(z.string(), z.object({ at: timestamp, version: z.number().int(), keyId: z.string().optional(), refused: z.string().optional() })).optional(),
  integrations: z.array(integrationStateSchema),
  target: timeliness.exclude(['approaching']),
  targetAt: timestamp,
  deadline: timeliness.optional(),
  deadlineAt: timestamp.optional(),
  recordedLate: z.literal(true).optional(),
  coveredBy: z.object({ eventId: z.string().optional(), version: z.number().int() }).optional(),
});

/** One event of a person's history: the stored event's details (they differ by kind) and where it went. */
export const historyEventSchema = z.looseObject({
  eventId: z.string(),
  personId: z.string(),
  kind: z.string(),
  occurredAt: timestamp,
  recordedAt: timestamp,
  distribution: z.array(channelTimingSchema),
});

export const historyAnswerSchema = z.object({ personId: z.string(), events: z.array(historyEventSchema) });
export type HistoryAnswer = z.infer<typeof historyAnswerSchema>;

export const personChangeAnswerSchema = z.object({
  eventId: z.string().nullable().describe('null when the identity was already linked (nothing changed)'),
  person: personSchema,
  changed: z.array(z.object({ channel, address: z.string(), status, version: z.number().int() })),
});
export type PersonChangeAnswer = z.infer<typeof personChangeAnswerSchema>;

const check = z.enum(['ok', 'unavailable']);

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  store: z.record(z.string(), check),
  queues: z.record(z.string(), check),
});
export type HealthAnswer = z.infer<typeof healthSchema>;

export const callReceiptSchema = z.object({
  requestId: z.string(),
  dialer: z.string(),
  callId: z.string(),
  disposition: z.object({ code: z.string(), action: z.string().describe('The mapped action, or `unknown`') }),
  outcome: z.enum(['suppressed', 'unlinked', 'overridden', 'recorded', 'ignored']),
  personId: z.string().optional(),
  scope: z.enum(['address', 'person']).optional(),
  channels: z.array(channel),
  suppressed: z.array(z.object({ channel, address: z.string() })),
  occurredAt: timestamp,
  effectiveAt: timestamp.optional(),
  deadlines: z
    .object({
      regulatory: timestamp,
      byChannel: z.partialRecord(channel, timestamp),
      sla: timestamp,
    })
    .optional(),
});

/** A dialer event that is not a disposition (a ringing, an answer): acknowledged, nothing recorded. */
export const ignoredCallEventSchema = z.object({ outcome: z.literal('ignored'), reason: z.string() });

export const callAnswerSchema = z.union([callReceiptSchema, ignoredCallEventSchema]);
export type CallAnswer = z.infer<typeof callAnswerSchema>;

export const unsubscribeAnswerSchema = z.object({
  status: z.enum(['unsubscribed', 'superseded']).describe('superseded: a later opt-in leaves the address allowed for a purpose asked about'),
  channel: z.literal('email'),
  purposes: z.array(z.string()),
  current: purposes.describe('What the pre-send check now answers, per purpose asked about'),
  recordedAt: timestamp,
});
export type UnsubscribeAnswer = z.infer<typeof unsubscribeAnswerSchema>;

/** The OpenAPI document itself, as far as a schema says anything useful about it. */
export const openApiDocumentSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

/** One pre-contact question (POST /v1/contact-check; docs/registries-and-calling-windows.md). */
const contactCheckSchema = z.object({
  channel: z.enum(['voice', 'sms']),
  phone: z.string().min(1).max(100),
  purpose: z.string().min(1).max(100),
  at: z.string().max(64).optional(),
  kind: z.enum(['solicitation', 'informational']).optional(),
  state: z.string().max(5).optional(),
  timeZone: z.string().max(64).optional(),
});

/** One check, or a batch of up to MAX_CONTACT_CHECKS. */
export const contactCheckRequestSchema = z.union([
  z.object({ checks: z.array(contactCheckSchema).min(1).max(MAX_CONTACT_CHECKS) }).strict(),
  contactCheckSchema.strict(),
]);

/** The answer to one check: the decision, then every fact it rests on. */
export const contactAnswerSchema = z.looseObject({
  allowed: z.boolean(),
  reasons: z.array(z.string()),
  exemptionsApplied: z.array(z.looseObject({})),
  nextAllowedAt: timestamp.nullable(),
  listedOn: z.array(z.string()),
  staleLists: z.array(z.object({ list: z.string(), asOf: z.string() })),
  failures: z.array(z.string()),
  phone: z.string(),
  address: z.string().nullable(),
  channel: z.string(),
  purpose: z.string(),
  at: z.string(),
});

const contactBatchAnswerSchema = z.object({ summary: z.looseObject({}), results: z.array(contactAnswerSchema) });

/** One check's answer, or a batch's summary and answers. */
export const contactCheckAnswerSchema = z.union([contactAnswerSchema, contactBatchAnswerSchema]);

/** POST /v1/contact-exemptions: an exemption from the national and state lists, with its evidence. */
export const contactExemptionRequestSchema = exemptionSchema.extend({ phone: z.string().min(1).max(100) }).strict();

export const contactExemptionAnswerSchema = z.looseObject({
  phone: z.string(),
  kind: z.string(),
  date: z.string(),
  evidence: z.string(),
  expiresOn: z.string().nullable(),
  recordedAt: timestamp,
  created: z.boolean(),
});
