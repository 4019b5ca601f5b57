/**
 * The one declaration of what optout-hub is made of: channels, tables, queues, functions and
 * routes. The CDK stack (infra/stack.ts) and the local runtime (infra/local) both read this file,
 * so what runs on a laptop and what is deployed cannot drift apart.
 */

import type { Scope } from '../core/api-keys.js';
import { channels, type Channel } from '../core/channels.js';

export interface TableDeclaration {
  /** Logical name; the physical name is generated on AWS and `${prefix}${name}` locally. */
  name: string;
  /** Environment variable through which a function learns the physical name. */
  env: string;
  partitionKey: string;
  sortKey?: string;
  /** The stream is what fan-out reads; only tables whose changes are distributed have one. */
  stream?: 'NEW_AND_OLD_IMAGES';
  /** Global secondary indexes (string keys, every attribute projected); sparse when items lack a key. */
  indexes?: readonly IndexDeclaration[];
  /**
   * DynamoDB deletes an item some time after this attribute (Unix seconds) has passed. Only on
   * tables that hold nothing but expendable items: never on the record tables, which are evidence.
   */
  timeToLiveAttribute?: string;
}

export interface IndexDeclaration {
  name: string;
  partitionKey: string;
  sortKey?: string;
}

export const tables = {
  /** The master record: people, identities, immutable events and channel states. */
  preferences: {
    name: 'preferences',
    env: 'PREFERENCES_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
  },
  /** One item per (channel, normalized address): what the pre-send check reads. */
  suppressions: {
    name: 'suppressions',
    env: 'SUPPRESSIONS_TABLE',
    partitionKey: 'pk',
    stream: 'NEW_AND_OLD_IMAGES',
    /**
     * Every change of a channel in the order it was recorded (changeKey = recorded-at millis, address,
     * version): what the reconciliation export pages through. See docs/distribution-and-enforcement.md.
     */
    indexes: [{ name: 'changes', partitionKey: 'channel', sortKey: 'changeKey' }],
  },
  /** API keys by id (`APIKEY#id`): SHA-256 of the secret part and scopes, never the key itself. */
  apiKeys: {
    name: 'api-keys',
    env: 'API_KEYS_TABLE',
    partitionKey: 'pk',
  },
  /**
   * Webhook tokens that may be used once (`MAILGUN_TOKEN#sha256`: Mailgun signs timestamp + token,
   * not the body), each kept until its timestamp has left the replay window, then expired by TTL.
   * A table of their own, so expiry can never reach an event or a record.
   */
  replayGuards: {
    name: 'replay-guards',
    env: 'REPLAY_GUARDS_TABLE',
    partitionKey: 'pk',
    timeToLiveAttribute: 'expiresAt',
  },
  /**
   * Do-Not-Call lists (national, state, litigator, internal) as one item per list and block of
   * 10,000 numbers, their catalogue and load checkpoints, and exemptions per number
   * (shared/store/registries.ts; docs/registries-and-calling-windows.md).
   */
  registries: {
    name: 'registries',
    env: 'REGISTRIES_TABLE',
    partitionKey: 'pk',
    sortKey: 'sk',
  },
  /**
   * Answers of the reassigned-numbers database per number and consent date
   * (`REASSIGNED#<NPANXXXXXX>#<date>`), kept a day and then expired by TTL: the database changes
   * monthly and every query is paid for. Nothing else is ever stored here.
   */
  reassignedAnswers: {
    name: 'reassigned-answers',
    env: 'REASSIGNED_ANSWERS_TABLE',
    partitionKey: 'pk',
    timeToLiveAttribute: 'expiresAt',
  },
} as const satisfies Record<string, TableDeclaration>;

export type TableKey = keyof typeof tables;

export interface QueueDeclaration {
  name: string;
  env: string;
  /** Environment variable naming the queue's dead-letter queue (read by the operator CLI). */
  dlqEnv: string;
  /** Messages received this many times without being deleted move to the queue's DLQ. */
  maxReceiveCount: number;
}

/**
 * Every change of a channel is published once to the channel's topic; each subscriber gets its
 * own copy. Subscribers: the channel queue below (one consumer of your own) and the queue of
 * every declared integration of that channel (platform/integrations.ts).
 */
export const channelTopics: Record<Channel, { name: string; env: string }> = Object.fromEntries(
  channels.map((channel) => [channel, { name: `suppressions-${channel}`, env: `SUPPRESSIONS_${channel.toUpperCase()}_TOPIC_ARN` }]),
) as Record<Channel, { name: string; env: string }>;

/**
 * One queue per channel, subscribed to its topic without a filter: for a single consumer of your
 * own. SQS gives each message to one consumer, so a second system must be an integration with
 * its own queue (connector `queue` if you run its consumer yourself), never a second reader here.
 */
export const channelQueues: Record<Channel, QueueDeclaration> = Object.fromEntries(
  channels.map((channel) => [
    channel,
    {
      name: `suppressions-${channel}`,
      env: `SUPPRESSIONS_${channel.toUpperCase()}_QUEUE_URL`,
      dlqEnv: `SUPPRESSIONS_${channel.toUpperCase()}_DLQ_URL`,
      maxReceiveCount: 5,
    },
  ]),
) as Record<Channel, QueueDeclaration>;

/** Where the stream event source puts records that fan-out could not deliver after its retries. */
export const fanoutFailureQueue = {
  name: 'fanout-failures',
  env: 'FANOUT_FAILURE_QUEUE_URL',
} as const;

export function dlqName(queueName: string): string {
  return `${queueName}-dlq`;
}

/**
 * The DynamoDB item actions a function performs on a table: exactly what its code sends (a
 * TransactWriteItems of Puts needs PutItem), and the stack grants nothing more. test/infra checks
 * each granted action against the SDK commands in the function's bundle.
 */
export type TableOperation = 'GetItem' | 'BatchGetItem' | 'Query' | 'Scan' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

export type Access = readonly TableOperation[];

export interface FunctionDeclaration {
  /** Path of the handler module, relative to the repository root. */
  entry: string;
  description: string;
  /** Least privilege: the tables this function touches and the exact operations on each. */
  tables: Partial<Record<TableKey, Access>>;
  /** Global secondary indexes this function queries (dynamodb:Query on that index only), by table. */
  queriesIndexes?: Partial<Record<TableKey, readonly string[]>>;
  /**
   * The partition-key prefixes of every item this function touches, by table: IAM then refuses any
   * other item (dynamodb:LeadingKeys), so a function that keeps delivery records cannot touch a person.
   */
  keyPrefixes?: Partial<Record<TableKey, readonly string[]>>;
  /** Channel queues this function sends to. */
  sendsTo?: readonly Channel[];
  /** Channel topics this function publishes changes to. */
  publishesTo?: readonly Channel[];
  /** Needs describe/attributes access to every table and queue (health checks only). */
  inspectsResources?: boolean;
  /** The secrets (one per provider or purpose, see `secretGroups`) this function may read. */
  secrets?: readonly SecretGroupKey[];
  /** Buckets this function writes objects to. */
  writesTo?: readonly BucketKey[];
  /**
   * Receives and deletes letters on the fan-out failure queue and reads back, from the streams
   * fan-out consumes, the records a letter names (Lambda's on-failure message carries only where they are).
   */
  redrivesFanoutFailures?: boolean;
  /** Reads how many messages wait on each dead-letter queue and on the fan-out failure queue (the console's health page). */
  inspectsDeadLetters?: boolean;
  /** Longer than the 10-second default, for scheduled jobs that walk whole tables. */
  timeoutSeconds?: number;
}

/** S3 buckets: encrypted, SSL-only, versioned and retained on AWS; fauxqs's S3 locally. */
export const buckets = {
  /** Reconciliation: a full JSON-lines snapshot per channel and the drift and SLA report of each run. */
  snapshots: { name: 'snapshots', env: 'SNAPSHOT_BUCKET' },
} as const satisfies Record<string, { name: string; env: string }>;

export type BucketKey = keyof typeof buckets;

export const functions = {
  'sms-inbound': {
    entry: 'functions/sms-inbound.ts',
    description: 'Verifies inbound SMS webhooks and records opt-out and opt-in keywords',
    // recordSignal: reads the event, the claims and the person, then one transaction of Puts.
    tables: { preferences: ['GetItem', 'BatchGetItem', 'PutItem'], suppressions: ['BatchGetItem', 'PutItem'] },
    secrets: ['twilio', 'smsWebhooks', 'smsSending', 'logPseudonyms'],
  },
  check: {
    entry: 'functions/check.ts',
    description: 'Answers whether an address may be contacted on a channel',
    tables: { suppressions: ['GetItem'] },
    // The authorizer has checked the key; no API key secret here.
    secrets: ['logPseudonyms'],
  },
  requests: {
    entry: 'functions/requests.ts',
    description: 'Records opt-out and opt-in requests from back offices, CRMs and other systems',
    tables: { preferences: ['GetItem', 'BatchGetItem', 'PutItem'], suppressions: ['BatchGetItem', 'PutItem'] },
    secrets: ['logPseudonyms'],
  },
  people: {
    entry: 'functions/people.ts',
    description: 'Reads a person: identities, preferences, suppressions and history',
    // The person, their claims and history, the deliveries of each event (trace) and the current suppressions.
    tables: { preferences: ['GetItem', 'BatchGetItem', 'Query'], suppressions: ['GetItem'] },
    secrets: ['logPseudonyms'],
  },
  'people-changes': {
    entry: 'functions/people-changes.ts',
    description: 'Links identities to people and merges people',
    tables: { preferences: ['GetItem', 'BatchGetItem', 'PutItem'], suppressions: ['BatchGetItem', 'PutItem'] },
    secrets: ['logPseudonyms'],
  },
  'calls-inbound': {
    entry: 'functions/calls-inbound.ts',
    description: 'Verifies dialer disposition webhooks, records do-not-call, do-not-contact and wrong-number, and returns the receipt',
    // recordSignal, plus the event's receipt: kept once (UpdateItem) and read back (suppressions by GetItem).
    tables: { preferences: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'], suppressions: ['GetItem', 'BatchGetItem', 'PutItem'] },
    secrets: ['twilio', 'dialers', 'logPseudonyms'],
  },
  authorizer: {
    entry: 'functions/authorizer.ts',
    description: 'API Gateway authorizer for /v1: checks the API key and the scope the route needs',
    // Looks a key up by id and notes its use (lastUsedAt, at most once per interval).
    tables: { apiKeys: ['GetItem', 'UpdateItem'] },
    secrets: ['apiKeys', 'logPseudonyms'],
  },
  health: {
    entry: 'functions/health.ts',
    description: 'Reports whether the store and the queues answer',
    tables: {},
    inspectsResources: true,
  },
  fanout: {
    entry: 'functions/fanout.ts',
    description: 'Turns each changed suppression into one versioned message on its channel topic',
    // Writes the DELIVERY# item of each message it published (acks and trace read them).
    tables: { preferences: ['GetItem', 'UpdateItem'] },
    publishesTo: channels,
    keyPrefixes: { preferences: ['DELIVERY#'] },
    // No secrets (least privilege): it logs which event a change came from, never an address.
  },
  unsubscribe: {
    entry: 'functions/unsubscribe.ts',
    description: 'Unsubscribe links: shows the page (GET changes nothing) and records the RFC 8058 one-click POST',
    // recordSignal; a repeated POST reads back what the check answers (GetItem).
    tables: { preferences: ['GetItem', 'BatchGetItem', 'PutItem'], suppressions: ['GetItem', 'BatchGetItem', 'PutItem'] },
    secrets: ['unsubscribeTokens', 'logPseudonyms'],
  },
  'email-inbound': {
    entry: 'functions/email-inbound.ts',
    description: 'Verifies ESP webhooks (SendGrid, Mailgun, Postmark, SES via SNS) and records unsubscribes and complaints',
    tables: {
      preferences: ['GetItem', 'BatchGetItem', 'PutItem'],
      suppressions: ['BatchGetItem', 'PutItem'],
      // Claims a Mailgun token once: a conditional Put, or an Update of an expired claim.
      replayGuards: ['PutItem', 'UpdateItem'],
    },
    secrets: ['emailWebhooks', 'logPseudonyms'],
  },
  'check-batch': {
    entry: 'functions/check-batch.ts',
    description: 'Answers, per address, whether up to 1,000 addresses may be contacted on a channel',
    tables: { suppressions: ['BatchGetItem'] },
    secrets: ['logPseudonyms'],
  },
  'suppressions-export': {
    entry: 'functions/suppressions-export.ts',
    description: 'Pages through every suppression change of a channel since a cursor (reconciliation)',
    // Pages through the changes index only: never a Scan, never a single item.
    tables: { suppressions: [] },
    queriesIndexes: { suppressions: ['changes'] },
    secrets: ['logPseudonyms'],
  },
  acks: {
    entry: 'functions/acks.ts',
    description: 'Records that an integration applied given suppression versions',
    // Reads and updates DELIVERY# items (older versions by Query) and reads the current suppression.
    tables: { preferences: ['GetItem', 'UpdateItem', 'Query'], suppressions: ['GetItem'] },
    keyPrefixes: { preferences: ['DELIVERY#'] },
    secrets: ['logPseudonyms'],
  },
  reconcile: {
    entry: 'functions/reconcile.ts',
    description: 'Snapshots each channel to S3, reports drift and flags changes not applied within target or deadline',
    tables: { preferences: ['Scan', 'GetItem', 'BatchGetItem'], suppressions: ['Scan', 'BatchGetItem'] },
    writesTo: ['snapshots'],
    timeoutSeconds: 900,
  },
  redrive: {
    entry: 'functions/redrive.ts',
    description: 'Publishes changes parked on the fan-out failure queue to their channel topics once those answer again',
    // Reads the current suppression of each parked change; writes its DELIVERY# item, as fan-out does.
    tables: { preferences: ['GetItem', 'UpdateItem'], suppressions: ['GetItem'] },
    keyPrefixes: { preferences: ['DELIVERY#'] },
    // Publishing also grants GetTopicAttributes: the probe that says the topic answers again.
    publishesTo: channels,
    redrivesFanoutFailures: true,
    // Under the 5-minute schedule, so runs do not pile up; it stops receiving 30 s before the end.
    timeoutSeconds: 240,
  },
  console: {
    entry: 'functions/console.ts',
    description: 'The browser console for compliance staff and agents: sign-in, search, people, recording requests, SLA and health, keywords, API keys',
    // Records requests as POST /v1/requests does (GetItem, BatchGetItem, PutItem); reads people, history,
    // deliveries and its own log (Query) and writes that log (PutItem); the SLA check walks every channel
    // as reconcile does (Scan); the propagation charts page the changes index; API keys are listed,
    // created and revoked.
    tables: {
      preferences: ['GetItem', 'BatchGetItem', 'Query', 'Scan', 'PutItem'],
      suppressions: ['GetItem', 'BatchGetItem', 'Scan', 'PutItem'],
      apiKeys: ['Scan', 'PutItem', 'UpdateItem'],
    },
    queriesIndexes: { suppressions: ['changes'] },
    inspectsResources: true,
    inspectsDeadLetters: true,
    // Not the API keys secret: only the authorizer reads it; the console manages the keys in the api-keys table.
    secrets: ['console', 'logPseudonyms'],
    // The SLA check on the health page reads every channel, as reconciliation does; API Gateway waits 30 s at most.
    timeoutSeconds: 29,
  },
  'api-docs': {
    entry: 'functions/api-docs.ts',
    description: 'Serves the OpenAPI document of the HTTP API and its reference page, both generated from the code',
    tables: {},
  },
  'contact-check': {
    entry: 'functions/contact-check.ts',
    description: 'Answers whether a number may be called or texted now: opt-outs, Do-Not-Call lists, exemptions, calling windows, reassigned numbers',
    // preferences: the postal address on record says where a person is when the caller does not.
    tables: {
      preferences: ['GetItem'],
      suppressions: ['GetItem', 'BatchGetItem'],
      registries: ['GetItem', 'BatchGetItem', 'Query'],
      reassignedAnswers: ['GetItem', 'PutItem'],
    },
    secrets: ['reassignedNumbers', 'logPseudonyms'],
  },
  'contact-exemptions': {
    entry: 'functions/contact-exemptions.ts',
    description: 'Records an established business relationship or written consent for a number, with its evidence and dates',
    // An exemption is read and written whole, guarded by its version.
    tables: { registries: ['GetItem', 'PutItem'] },
    secrets: ['logPseudonyms'],
  },
} as const satisfies Record<string, FunctionDeclaration>;

export type FunctionName = keyof typeof functions;

/**
 * The function each declared integration with a connector gets (one per integration, named
 * after it), consuming that integration's queue: shared/connectors/runtime.ts.
 */
export const connectorFunction = {
  entry: 'functions/connector.ts',
  description: 'Applies suppression changes to one integration (a vendor API) and records its acks',
  // Applied versions and acks (preferences); the current suppression when an ack names an unknown version.
  // Applied versions (BatchGetItem, UpdateItem) and acks (UpdateItem, GetItem, Query of older versions).
  tables: { preferences: ['GetItem', 'BatchGetItem', 'UpdateItem', 'Query'], suppressions: ['GetItem'] },
  keyPrefixes: { preferences: ['DELIVERY#', 'APPLIED#'] },
  secrets: ['integrations', 'logPseudonyms'],
  timeoutSeconds: 60,
} as const satisfies FunctionDeclaration;

/** An integration's own queue and dead-letter queue, and the variables naming them. */
export function integrationQueue(integration: string): QueueDeclaration {
  const variable = integration.toUpperCase().replace(/-/g, '_');
  return {
    name: `integration-${integration}`,
    env: `INTEGRATION_${variable}_QUEUE_URL`,
    dlqEnv: `INTEGRATION_${variable}_DLQ_URL`,
    // Connectors back off exponentially (runtime.ts): 10 receives span about 8 hours of a vendor outage.
    maxReceiveCount: 10,
  };
}

export type RouteAuth = 'provider-signature' | 'api-key' | 'none' | 'signed-token' | 'console-session';

interface RouteBase {
  method: 'GET' | 'POST' | 'HEAD' | 'OPTIONS';
  /** API Gateway path syntax: `{name}` is a path parameter. */
  path: string;
  function: FunctionName;
}

/**
 * Who the caller proves to be. An API-key route also names the scope its key needs: the
 * authorizer (by route key) and the handler's requireApiKey (by function) both read it here.
 */
export type RouteDeclaration = RouteBase & ({ auth: 'api-key'; scope: Scope } | { auth: Exclude<RouteAuth, 'api-key'> });

export const routes: readonly RouteDeclaration[] = [
  { method: 'POST', path: '/webhooks/sms/{provider}', function: 'sms-inbound', auth: 'provider-signature' },
  // Vonage's SMS API can be set to deliver inbound messages with GET.
  { method: 'GET', path: '/webhooks/sms/{provider}', function: 'sms-inbound', auth: 'provider-signature' },
  { method: 'GET', path: '/v1/suppressions/{channel}/{address}', function: 'check', auth: 'api-key', scope: 'check' },
  { method: 'POST', path: '/v1/suppressions/check', function: 'check-batch', auth: 'api-key', scope: 'check' },
  { method: 'GET', path: '/v1/suppressions/{channel}', function: 'suppressions-export', auth: 'api-key', scope: 'check' },
  { method: 'POST', path: '/v1/requests', function: 'requests', auth: 'api-key', scope: 'ingest' },
  { method: 'POST', path: '/v1/requests/batch', function: 'requests', auth: 'api-key', scope: 'ingest' },
  { method: 'POST', path: '/webhooks/calls/{dialer}', function: 'calls-inbound', auth: 'provider-signature' },
  // The link in an email: GET shows a page and changes nothing; POST is the RFC 8058 one-click.
  { method: 'GET', path: '/unsubscribe/{token}', function: 'unsubscribe', auth: 'signed-token' },
  { method: 'POST', path: '/unsubscribe/{token}', function: 'unsubscribe', auth: 'signed-token' },
  // Mail scanners and link previews probe with HEAD (answered like GET, without a body or a write)
  // and OPTIONS (204 with Allow); an HTTP API answers methods it has no route for with 404.
  { method: 'HEAD', path: '/unsubscribe/{token}', function: 'unsubscribe', auth: 'signed-token' },
  { method: 'OPTIONS', path: '/unsubscribe/{token}', function: 'unsubscribe', auth: 'signed-token' },
  { method: 'POST', path: '/webhooks/email/{provider}', function: 'email-inbound', auth: 'provider-signature' },
  { method: 'GET', path: '/v1/people', function: 'people', auth: 'api-key', scope: 'admin' },
  { method: 'GET', path: '/v1/people/{id}', function: 'people', auth: 'api-key', scope: 'admin' },
  { method: 'GET', path: '/v1/people/{id}/history', function: 'people', auth: 'api-key', scope: 'admin' },
  { method: 'POST', path: '/v1/people/{id}/identities', function: 'people-changes', auth: 'api-key', scope: 'admin' },
  { method: 'POST', path: '/v1/people/merge', function: 'people-changes', auth: 'api-key', scope: 'admin' },
  { method: 'GET', path: '/v1/health', function: 'health', auth: 'none' },
  { method: 'POST', path: '/v1/acks', function: 'acks', auth: 'api-key', scope: 'ack' },
  // The contract of this API (OpenAPI 3.1) and its reference page, generated from the schemas the handlers use.
  { method: 'GET', path: '/v1/openapi.json', function: 'api-docs', auth: 'none' },
  { method: 'GET', path: '/v1/docs', function: 'api-docs', auth: 'none' },
  { method: 'POST', path: '/v1/contact-check', function: 'contact-check', auth: 'api-key', scope: 'check' },
  { method: 'POST', path: '/v1/contact-exemptions', function: 'contact-exemptions', auth: 'api-key', scope: 'ingest' },
  // The console (docs/console.md): pages and forms behind a signed session cookie; every POST also carries a CSRF token.
  ...(
    [
      ['GET', '/console'],
      ['GET', '/console/console.css'],
      ['GET', '/console/sign-in'],
      ['POST', '/console/sign-in'],
      ['GET', '/console/sign-in/start'],
      ['GET', '/console/callback'],
      ['POST', '/console/sign-out'],
      ['POST', '/console/search'],
      ['GET', '/console/people/{id}'],
      ['GET', '/console/people/{id}/proof'],
      ['GET', '/console/requests/new'],
      ['POST', '/console/requests'],
      ['GET', '/console/health'],
      ['GET', '/console/keywords'],
      ['POST', '/console/keywords'],
      ['GET', '/console/api-keys'],
      ['POST', '/console/api-keys'],
      ['POST', '/console/api-keys/{id}/revoke'],
      ['GET', '/console/activity'],
    ] as const
  ).map(([method, path]): RouteDeclaration => ({ method, path, function: 'console', auth: 'console-session' })),
];

export interface ScheduleDeclaration {
  function: FunctionName;
  /** EventBridge rate expression; the local runtime runs the same interval on a timer. */
  rate: string;
  /** The event the function receives. */
  input: Record<string, unknown>;
}

/**
 * Scheduled runs: reconciliation once a day per channel by default (change a channel's rate here),
 * and the redrive of the fan-out failure queue every 5 minutes, so a change parked during a queue
 * outage reaches its channel within minutes of the queue answering again.
 */
export const schedules: readonly ScheduleDeclaration[] = [
  ...channels.map(
    (channel): ScheduleDeclaration => ({
      function: 'reconcile',
      rate: 'rate(1 day)',
      input: { channels: [channel] },
    }),
  ),
  { function: 'redrive', rate: 'rate(5 minutes)', input: {} },
];

/** The DynamoDB stream consumers: the suppressions stream feeds fan-out. */
export const streamConsumers = [{ table: 'suppressions', function: 'fanout' }] as const satisfies readonly {
  table: TableKey;
  function: FunctionName;
}[];

/**
 * A Secrets Manager secret: a JSON object whose keys are the names below (the same names as the
 * environment variables that override them locally). One secret per provider or purpose, so a
 * function can read only the credentials it needs, and each is rotated on its own.
 */
export interface SecretGroupDeclaration {
  /** Logical name; the secret on AWS is named `optout-hub/${name}` (prefixed by the stack's `secretPrefix`). */
  name: string;
  /** Environment variable through which a function learns the secret's ARN. */
  env: string;
  keys: readonly string[];
  description: string;
}

export const secretGroups = {
  integrations: {
    name: 'integrations',
    env: 'INTEGRATIONS_SECRET_ARN',
    keys: ['INTEGRATION_SECRETS'],
    description: "Each integration connector's vendor credential, `name:secret,…` (docs/connectors/)",
  },
  reassignedNumbers: {
    name: 'reassigned-numbers',
    env: 'REASSIGNED_NUMBERS_SECRET_ARN',
    keys: ['REASSIGNED_NUMBERS_API_KEY'],
    description: 'The reassigned-numbers query key (docs/registries-and-calling-windows.md)',
  },
  apiKeys: {
    name: 'api-keys',
    env: 'API_KEYS_SECRET_ARN',
    keys: ['API_KEYS'],
    description: 'Bootstrap API keys (API_KEYS); keys issued later live hashed in the api-keys table',
  },
  twilio: {
    name: 'twilio',
    env: 'TWILIO_SECRET_ARN',
    keys: ['TWILIO_AUTH_TOKEN', 'TWILIO_WEBHOOK_SHARED_KEY'],
    description: 'Twilio webhook verification (SMS and voice callbacks)',
  },
  smsWebhooks: {
    name: 'sms-webhooks',
    env: 'SMS_WEBHOOKS_SECRET_ARN',
    keys: [
      'VONAGE_SIGNATURE_SECRET',
      'VONAGE_SIGNATURE_METHOD',
      'TELNYX_PUBLIC_KEY',
      'PLIVO_AUTH_TOKEN',
      'BANDWIDTH_USERNAME',
      'BANDWIDTH_PASSWORD',
      'SINCH_WEBHOOK_SECRET',
      'SINCH_USERNAME',
      'SINCH_PASSWORD',
    ],
    description: 'Inbound SMS webhook verification for Vonage, Telnyx, Plivo, Bandwidth and Sinch',
  },
  smsSending: {
    name: 'sms-sending',
    env: 'SMS_SENDING_SECRET_ARN',
    keys: [
      'VONAGE_API_KEY',
      'VONAGE_API_SECRET',
      'TELNYX_API_KEY',
      'BANDWIDTH_ACCOUNT_ID',
      'BANDWIDTH_API_USERNAME',
      'BANDWIDTH_API_PASSWORD',
      'BANDWIDTH_APPLICATION_ID',
      'SINCH_SERVICE_PLAN_ID',
      'SINCH_API_TOKEN',
      'SINCH_REGION',
    ],
    description: 'Provider API credentials that can send SMS (the one opt-out confirmation, docs/sms-confirmations.md)',
  },
  dialers: {
    name: 'dialers',
    env: 'DIALERS_SECRET_ARN',
    // Per-dialer Standard Webhooks secrets, `dialer:whsec_…,dialer:whsec_…` (docs/calls-and-requests.md).
    keys: ['DIALER_WEBHOOK_SECRETS'],
    description: 'Dialer disposition webhook secrets',
  },
  emailWebhooks: {
    name: 'email-webhooks',
    env: 'EMAIL_WEBHOOKS_SECRET_ARN',
    keys: ['SENDGRID_WEBHOOK_PUBLIC_KEY', 'MAILGUN_WEBHOOK_SIGNING_KEY', 'POSTMARK_WEBHOOK_USERNAME', 'POSTMARK_WEBHOOK_PASSWORD'],
    description: 'ESP webhook verification (SendGrid, Mailgun, Postmark)',
  },
  unsubscribeTokens: {
    name: 'unsubscribe-tokens',
    env: 'UNSUBSCRIBE_TOKENS_SECRET_ARN',
    keys: ['UNSUBSCRIBE_TOKEN_KEYS'],
    description: 'Keys that sign and verify unsubscribe links (docs/email.md)',
  },
  console: {
    name: 'console',
    env: 'CONSOLE_SECRET_ARN',
    keys: ['CONSOLE_SESSION_KEY', 'CONSOLE_OIDC_CLIENT_SECRET'],
    description: "The console's session key and, for a confidential OIDC client, its client secret (docs/console.md)",
  },
  logPseudonyms: {
    name: 'log-pseudonyms',
    env: 'LOG_PSEUDONYMS_SECRET_ARN',
    // The key of the address pseudonyms in the logs (shared/platform/logger.ts redact()).
    keys: ['LOG_PSEUDONYM_KEY'],
    description: 'The key of the address pseudonyms in the logs',
  },
} as const satisfies Record<string, SecretGroupDeclaration>;

export type SecretGroupKey = keyof typeof secretGroups;

/**
 * Environment variable naming one Secrets Manager JSON secret holding any of the names above: the
 * single config secret of earlier releases, read after a function's own secrets (see README, Deploy).
 */
export const secretEnv = 'CONFIG_SECRET_ARN';

/** CloudWatch namespace of the reconciliation metrics (EMF); the stack's alarms watch the same names. */
export const METRICS_NAMESPACE = 'OptoutHub';

/** Emitted once per channel by every completed reconciliation run: the heartbeat alarm watches it. */
export const reconcileHeartbeatMetric = 'SnapshotItems';

/** Metric name for each count of a channel report (dimensions: service, channel). */
export const reconcileMetrics = {
  SuppressionsPastTarget: 'past-target',
  SuppressionsApproachingDeadline: 'approaching-deadline',
  SuppressionsPastDeadline: 'past-deadline',
  DriftStateDiffers: 'state-differs',
  DriftPersonMissing: 'person-missing',
  DriftDeliveryMissing: 'delivery-missing',
  DriftItemMissing: 'item-missing',
} as const;
