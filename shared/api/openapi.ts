import { consoleOperations } from './console-operations.js';
import { z } from 'zod';
import { ackRequestSchema, MAX_ACKS_PER_REQUEST } from '../audit/acks.js';
import { MAX_BATCH_CHECK } from '../distribution/enforcement.js';
import { requestSchema } from '../intake/requests/requests.js';
import { routes, type RouteDeclaration } from '../platform/resources.js';
import { linkIdentitySchema, mergeSchema } from '../record/people.js';
import {
  ackAnswerSchema,
  contactCheckAnswerSchema,
  contactCheckRequestSchema,
  contactExemptionAnswerSchema,
  contactExemptionRequestSchema,
  batchAnswerSchema,
  batchCheckAnswerSchema,
  batchCheckSchema,
  callAnswerSchema,
  checkAnswerSchema,
  documentedBatchSchema,
  exportPageSchema,
  healthSchema,
  historyAnswerSchema,
  openApiDocumentSchema,
  personChangeAnswerSchema,
  personSchema,
  problemSchema,
  recordAnswerSchema,
  suppressionMessageSchema,
  unsubscribeAnswerSchema,
} from './schemas.js';

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the route declarations
 * (shared/platform/resources.ts) and the zod schemas the handlers parse requests with and type
 * their answers with (schemas.ts). Nothing here is written by hand that the code already says:
 * paths, methods and auth come from the routes, bodies from the schemas.
 */

export const API_VERSION = '1.0.0';

/**
 * Every named schema, and whether it describes what a caller sends (`input`: defaults are
 * optional) or what the API answers (`output`).
 */
const components = {
  Problem: { schema: problemSchema, io: 'output' },
  CheckAnswer: { schema: checkAnswerSchema, io: 'output' },
  BatchCheckRequest: { schema: batchCheckSchema, io: 'input' },
  BatchCheckAnswer: { schema: batchCheckAnswerSchema, io: 'output' },
  SuppressionMessage: { schema: suppressionMessageSchema, io: 'output' },
  ExportPage: { schema: exportPageSchema, io: 'output' },
  Request: { schema: requestSchema, io: 'input' },
  RecordAnswer: { schema: recordAnswerSchema, io: 'output' },
  RequestBatch: { schema: documentedBatchSchema, io: 'input' },
  BatchAnswer: { schema: batchAnswerSchema, io: 'output' },
  AckRequest: { schema: ackRequestSchema, io: 'input' },
  AckAnswer: { schema: ackAnswerSchema, io: 'output' },
  Person: { schema: personSchema, io: 'output' },
  History: { schema: historyAnswerSchema, io: 'output' },
  LinkIdentityRequest: { schema: linkIdentitySchema, io: 'input' },
  MergeRequest: { schema: mergeSchema, io: 'input' },
  PersonChangeAnswer: { schema: personChangeAnswerSchema, io: 'output' },
  Health: { schema: healthSchema, io: 'output' },
  CallAnswer: { schema: callAnswerSchema, io: 'output' },
  UnsubscribeAnswer: { schema: unsubscribeAnswerSchema, io: 'output' },
  OpenApiDocument: { schema: openApiDocumentSchema, io: 'output' },
  ContactCheckRequest: { schema: contactCheckRequestSchema, io: 'input' },
  ContactCheckAnswer: { schema: contactCheckAnswerSchema, io: 'output' },
  ContactExemptionRequest: { schema: contactExemptionRequestSchema, io: 'input' },
  ContactExemptionAnswer: { schema: contactExemptionAnswerSchema, io: 'output' },
} as const satisfies Record<string, { schema: z.ZodType; io: 'input' | 'output' }>;

export type ComponentName = keyof typeof components;

/** A body: a named schema for JSON, or `text` for a format the schemas do not model (HTML, XML, forms). */
type Content = Record<string, ComponentName | 'text'>;

interface ResponseSpec {
  description: string;
  content?: Content;
  headers?: Record<string, string>;
}

interface ParameterSpec {
  name: string;
  description: string;
  required?: boolean;
}

interface OperationSpec {
  tag: string;
  summary: string;
  description: string;
  query?: ParameterSpec[];
  body?: { description?: string; content: Content };
  responses: Record<string, ResponseSpec>;
}

const json = (name: ComponentName): Content => ({ 'application/json': name });
const problem = (description: string): ResponseSpec => ({ description, content: { 'application/problem+json': 'Problem' } });

/** The refusals every API-key route shares. */
const keyProblems = {
  '400': problem('The request is malformed; `detail` (and `errors`, for a body) says what is wrong. Nothing was written.'),
  '401': {
    ...problem('No API key, or one that is not valid (or has expired).'),
    headers: { 'www-authenticate': 'Bearer' },
  },
  '403': problem('The API key lacks the scope this route needs.'),
  '503': problem('The store did not answer in time. Nothing was acknowledged: retry.'),
};

const webhookProblems = {
  '400': problem('The payload cannot be read, or a field is over its documented limit. Nothing was written; do not retry as is.'),
  '401': problem('Credentials are missing or wrong (HTTP Basic schemes carry a `WWW-Authenticate` challenge).'),
  '403': problem('The signature does not verify, or is outside its time window. Nothing was written.'),
  '404': problem('No such provider.'),
  '500': problem('The provider has no secret configured: every request is refused (`misconfigured`).'),
  '503': problem('The store did not answer in time. Nothing was acknowledged: the provider retries.'),
};

const pathParameters: Record<string, string> = {
  provider: 'The provider the webhook was set up for (SMS: twilio, vonage, telnyx, plivo, bandwidth, sinch; email: sendgrid, mailgun, postmark, ses)',
  dialer: 'The dialer: generic, twilio, genesys, connect or five9',
  token: 'The signed unsubscribe token of the link',
  channel: 'sms, email, voice or mail',
  address: 'The address, percent-encoded (`%2B` for the `+` of a phone number); mail addresses by their postal key STREET|CITY|STATE|POSTALCODE|COUNTRY',
  id: 'The person id (`p-…`); a merged person id leads to the person they were merged into',
};

const smsWebhook: OperationSpec = {
  tag: 'Webhooks',
  summary: 'An inbound SMS from a provider',
  description:
    "The provider's own inbound-message callback, verified the provider's way before anything in it is used (README, SMS providers). Opt-out keywords suppress the sender for SMS, START and UNSTOP re-allow it, HELP is recorded. Vonage's SMS API may call with GET, the fields in the query string.",
  body: {
    description: "The provider's own payload (form fields or JSON)",
    content: { 'application/x-www-form-urlencoded': 'text', 'application/json': 'text' },
  },
  responses: {
    '200': {
      description:
        'Recorded (or nothing to record). Twilio gets TwiML and Plivo gets Plivo XML, with the confirmation message when one is configured; the others get an empty body.',
      content: { 'text/xml': 'text' },
    },
    ...webhookProblems,
  },
};

const unsubscribeProblems = {
  '400': {
    description:
      'The link is not valid (tampered, too old, unknown key). A browser (Accept: text/html) gets a page; anything else problem+json. Nothing was written.',
    content: { 'text/html': 'text', 'application/problem+json': 'Problem' },
  },
  '500': problem('UNSUBSCRIBE_TOKEN_KEYS is not configured.'),
  '503': problem('The store did not answer in time. Nothing was acknowledged: retry.'),
} satisfies Record<string, ResponseSpec>;

/** What each declared route does, by API Gateway route key. A route missing here fails the document's build. */
export const operations: Record<string, OperationSpec> = {
  'POST /webhooks/sms/{provider}': smsWebhook,
  'GET /webhooks/sms/{provider}': { ...smsWebhook, summary: 'An inbound SMS from Vonage (SMS API, GET)', body: undefined },
  'GET /v1/suppressions/{channel}/{address}': {
    tag: 'Enforcement',
    summary: 'May this address be contacted?',
    description:
      'The pre-send check, a strongly consistent read. Without `purpose` the answer is the strictest one. It fails closed: when the store does not answer, the answer is a 503 problem, never "allowed".',
    query: [{ name: 'purpose', description: '`all`, `marketing` or a topic named in PURPOSES' }],
    responses: { '200': { description: 'The answer for the address.', content: json('CheckAnswer') }, ...keyProblems },
  },
  'POST /v1/suppressions/check': {
    tag: 'Enforcement',
    summary: `Check up to ${MAX_BATCH_CHECK.toLocaleString('en-US')} addresses of one channel`,
    description:
      'One answer per address, in the order given. Fails closed per address: one the store could not answer for is not sendable (`check-failed`). When the store answered for none, the whole request is a 503 problem that still carries `summary` and `results`.',
    body: { content: json('BatchCheckRequest') },
    responses: { '200': { description: 'One answer per address.', content: json('BatchCheckAnswer') }, ...keyProblems },
  },
  'GET /v1/suppressions/{channel}': {
    tag: 'Enforcement',
    summary: 'Export: every change of a channel since a cursor',
    description:
      'Without `since`, the whole channel (a snapshot), oldest change first; its last `nextCursor` then continues as a delta feed. Items are the messages channel queues carry. Pages stop EXPORT_SETTLE_SECONDS behind now, so no change is ever skipped.',
    query: [
      { name: 'since', description: 'A `nextCursor` this export returned' },
      { name: 'limit', description: 'Items per page, 1 to 1,000 (default 500)' },
    ],
    responses: { '200': { description: 'A page of changes.', content: json('ExportPage') }, ...keyProblems },
  },
  'POST /v1/requests': {
    tag: 'Requests',
    summary: 'Record an opt-out or opt-in',
    description: 'From a back office, a CRM or any system. `requestId` makes a retry a no-op (200, `duplicate: true`).',
    body: { content: json('Request') },
    responses: {
      '201': { description: 'Recorded; what it changed.', content: json('RecordAnswer') },
      '200': { description: 'Recorded before under this requestId: nothing changed.', content: json('RecordAnswer') },
      ...keyProblems,
      '422': problem('The request cannot be applied as asked (a person-wide opt-in without evidence, a change over 100 items). Nothing was written.'),
    },
  },
  'POST /v1/requests/batch': {
    tag: 'Requests',
    summary: `Record up to 500 requests`,
    description: 'Each item is read and recorded like POST /v1/requests, on its own: one status per item.',
    body: { content: json('RequestBatch') },
    responses: { '207': { description: 'One result per item, in order.', content: json('BatchAnswer') }, ...keyProblems },
  },
  'POST /webhooks/calls/{dialer}': {
    tag: 'Webhooks',
    summary: 'A call disposition from a dialer',
    description:
      'Verified (Standard Webhooks HMAC, or X-Twilio-Signature) before the body is read; the answer is the receipt the agent sees (docs/calls-and-requests.md). A retry gets 200 with the same receipt.',
    body: { description: "The dialer's own payload", content: { 'application/json': 'text', 'application/x-www-form-urlencoded': 'text' } },
    responses: {
      '201': { description: 'Recorded: the receipt.', content: json('CallAnswer') },
      '200': { description: 'Recorded before (the same receipt), a code that asks for nothing, or not a disposition event.', content: json('CallAnswer') },
      ...webhookProblems,
      '404': problem('No such dialer.'),
    },
  },
  'GET /unsubscribe/{token}': {
    tag: 'Unsubscribe links',
    summary: 'The page an unsubscribe link opens',
    description: 'Shows what the link would do and changes nothing, however often a mail scanner fetches it.',
    responses: { '200': { description: 'The page.', content: { 'text/html': 'text' } }, ...unsubscribeProblems },
  },
  'POST /unsubscribe/{token}': {
    tag: 'Unsubscribe links',
    summary: 'One-click unsubscribe (RFC 8058), or the page\u2019s form',
    description: 'Records the opt-out and says what the pre-send check now answers. No redirect, no cookie.',
    body: {
      description: '`List-Unsubscribe=One-Click`, or the page\u2019s form',
      content: { 'application/x-www-form-urlencoded': 'text', 'multipart/form-data': 'text' },
    },
    responses: {
      '200': { description: 'Recorded; a page for a browser, JSON otherwise.', content: { 'application/json': 'UnsubscribeAnswer', 'text/html': 'text' } },
      ...unsubscribeProblems,
    },
  },
  'HEAD /unsubscribe/{token}': {
    tag: 'Unsubscribe links',
    summary: 'A mail scanner probing the link',
    description: 'The status and headers GET would answer, without a body and without a write.',
    responses: { '200': { description: 'The link is valid.' }, '400': { description: 'The link is not valid.' } },
  },
  'OPTIONS /unsubscribe/{token}': {
    tag: 'Unsubscribe links',
    summary: 'Which methods the link answers',
    description: 'No token check and no write.',
    responses: { '204': { description: 'The methods, in `Allow`.', headers: { allow: 'GET, HEAD, POST, OPTIONS' } } },
  },
  'POST /webhooks/email/{provider}': {
    tag: 'Webhooks',
    summary: 'Events from an email service provider',
    description: "SendGrid, Mailgun, Postmark or SES (via SNS), verified the ESP's way; unsubscribes and complaints are recorded (docs/email.md).",
    body: { description: "The ESP's own payload", content: { 'application/json': 'text', 'text/plain': 'text' } },
    responses: { '200': { description: 'Every event is recorded; the body is empty.' }, ...webhookProblems },
  },
  'GET /v1/people': {
    tag: 'People',
    summary: 'Find a person by one identity',
    description: 'Exactly one of `phone`, `email` or `externalId`.',
    query: [
      { name: 'phone', description: 'A phone number (E.164, or national in DEFAULT_PHONE_REGION)' },
      { name: 'email', description: 'An email address' },
      { name: 'externalId', description: 'The id another system knows the person by' },
    ],
    responses: { '200': { description: 'The person.', content: json('Person') }, ...keyProblems, '404': problem('Nobody has that identity.') },
  },
  'GET /v1/people/{id}': {
    tag: 'People',
    summary: 'A person',
    description: 'Identities, preferences and the suppressions they imply.',
    responses: { '200': { description: 'The person.', content: json('Person') }, ...keyProblems, '404': problem('No such person.') },
  },
  'GET /v1/people/{id}/history': {
    tag: 'People',
    summary: "A person's history",
    description: 'Every event, in the order the person acted, with where each change went: enqueued, acked, and whether target and deadline were met.',
    responses: { '200': { description: 'The events.', content: json('History') }, ...keyProblems, '404': problem('No such person.') },
  },
  'POST /v1/people/{id}/identities': {
    tag: 'People',
    summary: 'Link an identity to a person',
    description: 'The person\u2019s suppressions reach the new identity (a person-wide opt-out suppresses a phone linked later).',
    body: { content: json('LinkIdentityRequest') },
    responses: {
      '201': { description: 'Linked.', content: json('PersonChangeAnswer') },
      '200': { description: 'Already linked: nothing changed.', content: json('PersonChangeAnswer') },
      ...keyProblems,
      '404': problem('No such person.'),
      '409': problem('The identity belongs to another person: merge them instead.'),
    },
  },
  'POST /v1/people/merge': {
    tag: 'People',
    summary: 'Merge two people',
    description: 'Nothing suppressed becomes allowed; the merged id leads to the survivor.',
    body: { content: json('MergeRequest') },
    responses: {
      '200': { description: 'Merged.', content: json('PersonChangeAnswer') },
      ...keyProblems,
      '404': problem('No such person.'),
      '409': problem('One of them was already merged into someone else: merge with that person.'),
      '422': problem('The merge would touch more than 100 items. Nothing was written.'),
    },
  },
  'GET /v1/health': {
    tag: 'Operations',
    summary: 'Whether every table and queue answers',
    description: 'For load balancers and scripts.',
    responses: {
      '200': { description: 'Everything answers.', content: json('Health') },
      '503': { description: 'Something does not answer; the body says what.', content: json('Health') },
    },
  },
  'POST /v1/acks': {
    tag: 'Distribution',
    summary: 'Confirm that an integration applied suppression versions',
    description: `Up to ${MAX_ACKS_PER_REQUEST.toLocaleString('en-US')} (channel, address, version)s. Acking version N also acks the older versions of that address. Unknown versions are reported per item, not refused; retrying is safe.`,
    body: { content: json('AckRequest') },
    responses: { '200': { description: 'One result per item, in order.', content: json('AckAnswer') }, ...keyProblems },
  },
  'POST /v1/contact-check': {
    tag: 'Enforcement',
    summary: 'May this number be called or texted now, for this purpose?',
    description:
      'Opt-outs, the Do-Not-Call lists (national, state, litigator, your own) with exemptions, the calling window at the called party, and reassigned numbers, in one answer (docs/registries-and-calling-windows.md). One check is answered with its answer (503 when a source could not be read: never allowed); a batch of `checks` with a summary and one answer per check.',
    body: { content: json('ContactCheckRequest') },
    responses: {
      '200': { description: 'The answer (one check) or `{ summary, results }` (a batch).', content: json('ContactCheckAnswer') },
      ...keyProblems,
      '503': problem('A source of the check did not answer: the number may not be contacted.'),
    },
  },
  'POST /v1/contact-exemptions': {
    tag: 'Enforcement',
    summary: 'Record an established business relationship or written consent for a number',
    description:
      'Exempts the number from the national and state Do-Not-Call lists only, from its date until it expires (EBR) or is revoked (consent); never from an internal opt-out.',
    body: { content: json('ContactExemptionRequest') },
    responses: {
      '201': { description: 'Recorded.', content: json('ContactExemptionAnswer') },
      '200': { description: 'The same exemption was already recorded.', content: json('ContactExemptionAnswer') },
      ...keyProblems,
    },
  },
  'GET /v1/openapi.json': {
    tag: 'Operations',
    summary: 'This document',
    description: 'OpenAPI 3.1, generated from the code.',
    responses: { '200': { description: 'The document.', content: json('OpenApiDocument') } },
  },
  'GET /v1/docs': {
    tag: 'Operations',
    summary: 'This reference, as a page',
    description: 'Rendered from the same document; no script, nothing fetched from elsewhere.',
    responses: { '200': { description: 'The page.', content: { 'text/html': 'text' } } },
  },
  // The browser console (docs/console.md).
  ...consoleOperations,
};

function jsonSchemaOf(name: ComponentName): Record<string, unknown> {
  const { schema, io } = components[name];
  // OpenAPI 3.1's default dialect is JSON Schema 2020-12, so the document names no $schema of its own.
  const { $schema: _dialect, ...generated } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return generated;
}

function contentOf(content: Content): Record<string, { schema: Record<string, unknown> }> {
  return Object.fromEntries(
    Object.entries(content).map(([type, name]) => [type, { schema: name === 'text' ? { type: 'string' } : { $ref: `#/components/schemas/${name}` } }]),
  );
}

function operationObject(route: RouteDeclaration, spec: OperationSpec): Record<string, unknown> {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  const parameters = [
    ...names.map((name) => ({ name, in: 'path', required: true, description: pathParameters[name] ?? name, schema: { type: 'string' } })),
    ...(spec.query ?? []).map((query) => ({
      name: query.name,
      in: 'query',
      required: query.required ?? false,
      description: query.description,
      schema: { type: 'string' },
    })),
  ];
  const auth =
    route.auth === 'api-key'
      ? `Needs an API key with the \`${route.scope}\` scope.`
      : route.auth === 'provider-signature'
        ? "The caller proves itself with the provider's own signature or credentials."
        : route.auth === 'signed-token'
          ? 'The signed token in the path is the credential.'
          : route.auth === 'console-session'
            ? 'A console session cookie (docs/console.md); every POST also carries its CSRF token.'
            : 'No credentials.';
  return {
    operationId: `${route.method.toLowerCase()}${route.path.replace(/\{(\w+)\}/g, (_m, name: string) => `By${name[0]!.toUpperCase()}${name.slice(1)}`).replace(/[^A-Za-z0-9]+(.)?/g, (_m, next: string | undefined) => (next ?? '').toUpperCase())}`,
    tags: [spec.tag],
    summary: spec.summary,
    description: `${spec.description} ${auth}`,
    ...(parameters.length ? { parameters } : {}),
    ...(spec.body
      ? { requestBody: { required: true, ...(spec.body.description ? { description: spec.body.description } : {}), content: contentOf(spec.body.content) } }
      : {}),
    responses: {
      ...Object.fromEntries(
        Object.entries(spec.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.headers
              ? {
                  headers: Object.fromEntries(Object.entries(response.headers).map(([name, example]) => [name, { schema: { type: 'string' }, example }])),
                }
              : {}),
            ...(response.content ? { content: contentOf(response.content) } : {}),
          },
        ]),
      ),
      ...(route.method === 'HEAD' || route.method === 'OPTIONS' ? {} : { default: otherProblems() }),
    },
    ...(route.auth === 'api-key' ? { security: [{ apiKey: [] }, { bearer: [] }], 'x-scope': route.scope } : { security: [] }),
  };
}

function otherProblems() {
  return { description: 'Any other refusal or failure, as an RFC 9457 problem.', content: contentOf({ 'application/problem+json': 'Problem' }) };
}

export type OpenApiDocument = z.infer<typeof openApiDocumentSchema> & {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, Record<string, unknown>>; securitySchemes: Record<string, Record<string, unknown>> };
};

let built: OpenApiDocument | undefined;

/** The document, built once per process from the declared routes and the schemas. */
export function openApiDocument(): OpenApiDocument {
  if (built) return built;
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    const spec = operations[key];
    if (!spec) throw new Error(`The OpenAPI document has no operation for the declared route ${key}.`);
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operationObject(route, spec) };
  }
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: 'optout-hub',
      version: API_VERSION,
      summary: 'Every "stop contacting me" counts everywhere.',
      description:
        'Receives every opt-out signal, records it in one master preference record, fans changes out to per-channel queues and answers "may I contact this address?". Every refusal is an RFC 9457 problem (`application/problem+json`).',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    // Relative: the API is wherever this document was fetched from.
    servers: [{ url: '/' }],
    tags: ['Enforcement', 'Requests', 'Distribution', 'People', 'Webhooks', 'Unsubscribe links', 'Operations', 'Console'].map((name) => ({ name })),
    paths,
    components: {
      schemas: Object.fromEntries((Object.keys(components) as ComponentName[]).map((name) => [name, jsonSchemaOf(name)])),
      securitySchemes: {
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-api-key',
          description: 'An API key (API_KEYS or `optout-hub api-keys create`); each route needs one scope.',
        },
        bearer: { type: 'http', scheme: 'bearer', description: 'The same API key as `Authorization: Bearer KEY`.' },
      },
    },
  };
  built = document;
  return document;
}
