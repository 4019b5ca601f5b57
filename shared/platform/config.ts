import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { BadRequestError, ConfigurationError } from '../core/errors.js';
import { configureKeywords, keywordLanguages, type KeywordLists, type Language } from '../core/keywords.js';
import { slaPolicy, type SlaPolicy } from '../core/sla.js';
import { businessCalendar, type BusinessCalendar } from '../core/time.js';
import {
  buckets,
  channelQueues,
  channelTopics,
  fanoutFailureQueue,
  secretEnv,
  secretGroups,
  tables,
  type SecretGroupDeclaration,
  type TableKey,
} from './resources.js';
import { builtInPurposes, type Channel } from '../core/channels.js';
import { localEndpoint, localPorts } from './local-defaults.js';
import { filterTakes, parseIntegrations, type IntegrationDeclaration } from './integrations.js';

/**
 * Configuration comes from environment variables (documented in README.md). Secrets may also
 * come from one Secrets Manager JSON secret named by CONFIG_SECRET_ARN, whose keys are the same
 * names as the environment variables; an environment variable wins, so a local run needs no AWS.
 */

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new ConfigurationError(`${name} is not set.`);
  return value;
}

export function tableName(table: TableKey): string {
  return required(tables[table].env);
}

export function queueUrl(channel: Channel): string {
  return required(channelQueues[channel].env);
}

export function topicArn(channel: Channel): string {
  return required(channelTopics[channel].env);
}

export function fanoutFailureQueueUrl(): string | undefined {
  return process.env[fanoutFailureQueue.env] || undefined;
}

/** Region used to read phone numbers written without a country code. */
export function defaultPhoneRegion(): CountryCode {
  const region = (process.env.DEFAULT_PHONE_REGION ?? 'US').toUpperCase();
  if (!isSupportedCountry(region)) throw new ConfigurationError(`DEFAULT_PHONE_REGION "${region}" is not a known region.`);
  return region;
}

/** The api-keys table, when this function was given one (API_KEYS_TABLE). */
export function apiKeysTable(): string | undefined {
  return process.env[tables.apiKeys.env]?.trim() || undefined;
}

/** DISPOSITION_MAP: the operator's dialer codes and the actions they mean (parsed by the calls intake). */
export function dispositionMapSpec(): string | undefined {
  return process.env.DISPOSITION_MAP;
}

/** The Amazon Connect contact attribute the flow writes the disposition code to. */
export function connectDispositionAttribute(): string {
  return process.env.CONNECT_DISPOSITION_ATTRIBUTE?.trim() || 'disposition';
}

/**
 * PLIVO_ALLOW_V2_SIGNATURES=true accepts Plivo's V2 signature, which covers only the URL and a
 * nonce, not the message. Off by default; even on, a V2-verified message never opts in
 * (shared/intake/sms/providers/plivo.ts).
 */
export function plivoV2SignaturesAllowed(): boolean {
  return process.env.PLIVO_ALLOW_V2_SIGNATURES?.trim().toLowerCase() === 'true';
}

/**
 * Where DynamoDB Streams answers: AWS_ENDPOINT_URL_DYNAMODB_STREAMS (the SDK's own variable), else
 * AWS_ENDPOINT_URL_DYNAMODB, since DynamoDB Local serves its streams on its one endpoint; unset on AWS.
 */
export function dynamoDbStreamsEndpoint(): string | undefined {
  return process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS?.trim() || process.env.AWS_ENDPOINT_URL_DYNAMODB?.trim() || undefined;
}

/** Path-style S3 addressing, which an emulator standing in for S3 (AWS_ENDPOINT_URL_S3) needs. */
export function s3PathStyle(): boolean {
  return Boolean(process.env.AWS_ENDPOINT_URL_S3);
}

/**
 * Purposes a preference may be for: `all`, `marketing`, and the named topics in PURPOSES
 * (comma-separated, e.g. `newsletter,product-updates`).
 */
export function purposes(): string[] {
  return purposesFrom(process.env.PURPOSES);
}

/** The purposes a PURPOSES value declares, with the built-in ones (what `cdk synth` checks INTEGRATIONS against). */
export function purposesFrom(value: string | undefined): string[] {
  const topics = (value ?? '')
    .split(',')
    .map((topic) => topic.trim())
    .filter(Boolean);
  return [...new Set([...builtInPurposes, ...topics])];
}

export function assertPurpose(purpose: string): string {
  const known = purposes();
  if (!known.includes(purpose)) {
    throw new BadRequestError(`Unknown purpose "${purpose}".`, { knownPurposes: known });
  }
  return purpose;
}

/**
 * The one confirmation sent back after an SMS opt-out (FCC: one message, no marketing, within
 * five minutes), from SMS_CONFIRMATION_TEXT; none when unset.
 */
export function smsConfirmationText(): string | undefined {
  return process.env.SMS_CONFIRMATION_TEXT?.trim() || undefined;
}

/**
 * Where a provider's REST API is reached for that confirmation, from SMS_REPLY_API_BASE_<PROVIDER>
 * (e.g. SMS_REPLY_API_BASE_TELNYX); undefined means the provider's public API.
 */
export function smsReplyApiBase(provider: string): string | undefined {
  return process.env[`SMS_REPLY_API_BASE_${provider.toUpperCase()}`]?.trim() || undefined;
}

/**
 * How long a confirmation sent through a provider's API may take, from SMS_REPLY_TIMEOUT_MS
 * (default 1500: the webhook waits for it, and Telnyx wants its 2xx within 2 seconds).
 */
export function smsReplyTimeoutMs(): number {
  const configured = process.env.SMS_REPLY_TIMEOUT_MS?.trim();
  if (!configured) return 1500;
  const ms = Number(configured);
  if (!Number.isInteger(ms) || ms < 1 || ms > 5000) {
    throw new ConfigurationError(`SMS_REPLY_TIMEOUT_MS "${configured}" is not a whole number of milliseconds from 1 to 5000.`);
  }
  return ms;
}

const listFrom = (name: string) =>
  (process.env[name] ?? '')
    .split(',')
    .map((word) => word.trim())
    .filter(Boolean);

let keywordCache: { key: string; lists: KeywordLists } | undefined;

/**
 * The SMS keyword lists: the languages in SMS_KEYWORD_LANGUAGES (default `en,es,fr`) plus an
 * organisation's own words in SMS_EXTRA_OPT_OUT_KEYWORDS, SMS_EXTRA_OPT_IN_KEYWORDS and
 * SMS_EXTRA_HELP_KEYWORDS (comma-separated). Compiled once per configuration.
 */
export function smsKeywords(): KeywordLists {
  const languages = listFrom('SMS_KEYWORD_LANGUAGES').map((language) => language.toLowerCase());
  const unknown = languages.filter((language) => !Object.hasOwn(keywordLanguages, language));
  if (unknown.length) {
    throw new ConfigurationError(`SMS_KEYWORD_LANGUAGES names unknown languages: ${unknown.join(', ')} (known: ${Object.keys(keywordLanguages).join(', ')}).`);
  }
  const extra = {
    optOut: listFrom('SMS_EXTRA_OPT_OUT_KEYWORDS'),
    optIn: listFrom('SMS_EXTRA_OPT_IN_KEYWORDS'),
    help: listFrom('SMS_EXTRA_HELP_KEYWORDS'),
  };
  const key = JSON.stringify([languages, extra]);
  if (keywordCache?.key !== key) {
    keywordCache = {
      key,
      lists: configureKeywords({ ...(languages.length ? { languages: languages as Language[] } : {}), extra }),
    };
  }
  return keywordCache.lists;
}

/** `a:b,c:d` configuration as a map (SENDGRID_ASM_GROUP_TOPICS, POSTMARK_STREAM_PURPOSES). */
function pairsFrom(name: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const entry of listFrom(name)) {
    const colon = entry.indexOf(':');
    if (colon <= 0 || colon === entry.length - 1) throw new ConfigurationError(`${name} entry "${entry}" is not name:purpose.`);
    pairs.set(entry.slice(0, colon).trim(), assertConfiguredPurpose(name, entry.slice(colon + 1).trim()));
  }
  return pairs;
}

function assertConfiguredPurpose(name: string, purpose: string): string {
  if (!purposes().includes(purpose)) throw new ConfigurationError(`${name} names purpose "${purpose}", which PURPOSES does not list.`);
  return purpose;
}

/** How long an unsubscribe link keeps working, from UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS (default 400; CAN-SPAM needs 30). */
export function unsubscribeTokenMaxAgeDays(): number {
  const configured = process.env.UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS?.trim();
  if (!configured) return 400;
  const days = Number(configured);
  if (!Number.isInteger(days) || days < 30) {
    throw new ConfigurationError(`UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS "${configured}" is not a whole number of days, 30 or more (CAN-SPAM).`);
  }
  return days;
}

/** SendGrid unsubscribe groups (ASM group id) → purpose, from SENDGRID_ASM_GROUP_TOPICS (`10:newsletter,11:product-updates`). */
export function sendgridAsmGroupTopics(): Map<string, string> {
  return pairsFrom('SENDGRID_ASM_GROUP_TOPICS');
}

/** Postmark message streams → purpose, from POSTMARK_STREAM_PURPOSES (`broadcast:marketing`); unnamed streams are `marketing`. */
export function postmarkStreamPurposes(): Map<string, string> {
  return pairsFrom('POSTMARK_STREAM_PURPOSES');
}

/**
 * SNS_SIGNING_CERTIFICATE_PEM: a certificate trusted instead of fetching each SES notification's
 * SigningCertURL. Local development only (`npm start` sets its own); `cdk synth` refuses it.
 */
export function pinnedSnsSigningCertificate(): string | undefined {
  return process.env.SNS_SIGNING_CERTIFICATE_PEM?.trim() || undefined;
}

/** The SNS topics whose SES notifications are accepted, from SES_SNS_TOPIC_ARNS (comma-separated); none means all are refused. */
export function sesSnsTopicArns(): string[] {
  return listFrom('SES_SNS_TOPIC_ARNS');
}

/**
 * The business-day calendar every deadline is counted on (core/time.ts): HOLIDAYS_COUNTRY
 * (ISO 3166-1 code, default `US`: the federal holidays; `none` counts holidays as business days)
 * and HOLIDAYS_REGION (a state or province, adding its own holidays, e.g. `CA`).
 * SLA_SKIP_US_FEDERAL_HOLIDAYS, which it replaces, is still read when HOLIDAYS_COUNTRY is not set:
 * `true` is `US`, `false` is `none`.
 */
export function holidayCalendar(): BusinessCalendar {
  const country = process.env.HOLIDAYS_COUNTRY?.trim() || undefined;
  const legacy = process.env.SLA_SKIP_US_FEDERAL_HOLIDAYS?.trim() || undefined;
  if (legacy !== undefined) {
    if (country) throw new ConfigurationError('Set HOLIDAYS_COUNTRY or SLA_SKIP_US_FEDERAL_HOLIDAYS, not both (HOLIDAYS_COUNTRY replaces it).');
    if (legacy !== 'true' && legacy !== 'false') throw new ConfigurationError(`SLA_SKIP_US_FEDERAL_HOLIDAYS "${legacy}" is not true or false.`);
    return businessCalendar(legacy === 'true' ? 'US' : 'none', process.env.HOLIDAYS_REGION);
  }
  return businessCalendar(country, process.env.HOLIDAYS_REGION);
}

/**
 * Per-channel target and regulatory deadline (docs/acks-sla-audit.md): SLA_TARGET_MINUTES
 * (`sms:15,email:15,voice:1440,mail:1440`), SLA_DEADLINES (`sms:10bd,email:48h`; bd, h or d),
 * counted on the holiday calendar above.
 */
export function channelSlas(): SlaPolicy {
  return slaPolicy({
    targets: process.env.SLA_TARGET_MINUTES,
    deadlines: process.env.SLA_DEADLINES,
    calendar: holidayCalendar(),
  });
}

/** The organisation's own promise for call dispositions, in hours after the call: CALL_SLA_HOURS (default 24, at most 336). */
export function callSlaHours(): number {
  const configured = process.env.CALL_SLA_HOURS?.trim();
  if (!configured) return 24;
  const hours = Number(configured);
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 14) {
    throw new ConfigurationError(`CALL_SLA_HOURS "${configured}" is not a number of hours between 0 and 336.`);
  }
  return hours;
}

let integrationCache: { key: string; declared: IntegrationDeclaration[] } | undefined;

/** The integrations declared in INTEGRATIONS (platform/integrations.ts), checked once per value. */
export function integrations(): IntegrationDeclaration[] {
  const key = `${process.env.INTEGRATIONS ?? ''}\u0000${process.env.PURPOSES ?? ''}`;
  if (integrationCache?.key !== key) integrationCache = { key, declared: parseIntegrations(process.env.INTEGRATIONS, purposes()) };
  return integrationCache.declared;
}

/**
 * Integrations that must each ack a change before its channel counts it applied: every declared
 * integration of the channel whose purpose filter takes the change (`affects`, recorded on the
 * delivery), plus those in ACK_INTEGRATIONS (`voice:dialer-east+dialer-west,email:esp-sync`),
 * systems that ack through POST /v1/acks. With none, the first ack from any integration counts.
 */
export function expectedIntegrations(channel: Channel, delivery?: { affects?: readonly string[] }): string[] {
  const declared = integrations()
    .filter((integration) => integration.channels.includes(channel) && filterTakes(integration, delivery?.affects))
    .map((integration) => integration.name);
  for (const entry of listFrom('ACK_INTEGRATIONS')) {
    const [name, list = ''] = entry.split(':');
    if (name?.trim() === channel)
      return [
        ...new Set([
          ...declared,
          ...list
            .split('+')
            .map((integration) => integration.trim())
            .filter(Boolean),
        ]),
      ];
  }
  return declared;
}

/** The reconciliation snapshot bucket (SNAPSHOT_BUCKET). */
export function snapshotBucket(): string {
  return required(buckets.snapshots.env);
}

/**
 * How far behind now the reconciliation export stops, from EXPORT_SETTLE_SECONDS (default 15):
 * longer than any write takes from choosing its recorded-at time to commit, plus index lag.
 */
export function exportSettleMs(): number {
  const configured = process.env.EXPORT_SETTLE_SECONDS?.trim();
  if (!configured) return 15_000;
  const seconds = Number(configured);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    throw new ConfigurationError(`EXPORT_SETTLE_SECONDS "${configured}" is not a number of seconds from 0 to 3600.`);
  }
  return seconds * 1000;
}

/** The base URL providers were told to call, which is what they sign. */
export function publicBaseUrl(): string | undefined {
  return process.env.PUBLIC_BASE_URL || undefined;
}

function portFrom(name: string, fallback: number): number {
  const configured = process.env[name]?.trim();
  if (!configured) return fallback;
  const port = Number(configured);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigurationError(`${name} "${configured}" is not a port number (1-65535).`);
  return port;
}

/**
 * Where the system `npm start` runs on this machine answers, from DYNAMODB_PORT and SQS_PORT
 * (as there; defaults 8000 and 4566): what the operator CLI talks to when no table is named.
 */
export function localSystemEndpoints(): { dynamodb: string; sqs: string; http: string } {
  return {
    dynamodb: localEndpoint(portFrom('DYNAMODB_PORT', localPorts.dynamodb)),
    sqs: localEndpoint(portFrom('SQS_PORT', localPorts.sqs)),
    http: `http://localhost:${portFrom('PORT', localPorts.http)}`,
  };
}

/** How long a call to the store (DynamoDB, SQS) may take before it counts as failed. */
export interface StoreTimeouts {
  /** Connecting to the endpoint: STORE_CONNECT_TIMEOUT_MS. */
  connectionTimeoutMs: number;
  /** From sending the request to the whole answer: STORE_REQUEST_TIMEOUT_MS. */
  requestTimeoutMs: number;
  /** Tries per call, the first included: STORE_MAX_ATTEMPTS. */
  maxAttempts: number;
}

function wholeNumberFrom(name: string, fallback: number, min: number, max: number, unit: string): number {
  const configured = process.env[name]?.trim();
  if (!configured) return fallback;
  const value = Number(configured);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(`${name} "${configured}" is not a whole number of ${unit} from ${min} to ${max}.`);
  }
  return value;
}

/**
 * Timeouts and tries of every store call. Defaults (1 s to connect, 2 s per answer, 2 tries) keep
 * a frozen store to about 6 s, inside a function's 10 s: the caller gets a 503 that providers
 * retry instead of a request that hangs until the gateway gives up. A healthy DynamoDB or SQS
 * call takes milliseconds, so the second try is for a dropped connection, not for patience.
 */
export function storeTimeouts(): StoreTimeouts {
  return {
    connectionTimeoutMs: wholeNumberFrom('STORE_CONNECT_TIMEOUT_MS', 1000, 1, 60_000, 'milliseconds'),
    requestTimeoutMs: wholeNumberFrom('STORE_REQUEST_TIMEOUT_MS', 2000, 1, 600_000, 'milliseconds'),
    maxAttempts: wholeNumberFrom('STORE_MAX_ATTEMPTS', 2, 1, 10, 'tries'),
  };
}

/** AWS SDK client options applying storeTimeouts(): a timed-out request fails instead of only being logged. */
export function storeClientOptions(): {
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: true };
} {
  const { connectionTimeoutMs, requestTimeoutMs, maxAttempts } = storeTimeouts();
  return { maxAttempts, requestHandler: { connectionTimeout: connectionTimeoutMs, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true } };
}

/** A queue URL some deployment variable names (the CLI falls back to the queue's declared name). */
export function queueUrlFrom(variable: string): string | undefined {
  return process.env[variable]?.trim() || undefined;
}

/** Every secret's name, from the secrets declared in resources.ts (one per provider or purpose). */
export const secretNames = Object.values(secretGroups).flatMap((group) => group.keys);
export type SecretName = (typeof secretGroups)[keyof typeof secretGroups]['keys'][number];

const SECRET_CACHE_SECONDS = 300;

/** A secret by name, or undefined when neither the environment nor the secret holds it. */
export async function secrets<N extends SecretName>(names: readonly N[]): Promise<Partial<Record<N, string>>> {
  const values = await Promise.all(names.map((name) => secret(name)));
  return Object.fromEntries(names.map((name, i) => [name, values[i]]).filter(([, value]) => value !== undefined));
}

/** The secret declared to hold `name` (resources.ts), by key. */
const groupOf = new Map<string, SecretGroupDeclaration>(Object.values(secretGroups).flatMap((group) => group.keys.map((key) => [key, group] as const)));

/**
 * A secret by name: the environment variable of that name, else the secret declared to hold it
 * (its ARN in e.g. TWILIO_SECRET_ARN), else the single config secret (CONFIG_SECRET_ARN).
 */
export async function secret(name: SecretName): Promise<string | undefined> {
  const fromEnv = process.env[name];
  if (fromEnv) return fromEnv;
  const groupEnv = groupOf.get(name)?.env;
  for (const arn of [groupEnv && process.env[groupEnv], process.env[secretEnv]]) {
    if (!arn) continue;
    const values = await getSecret<Record<string, unknown>>(arn, { transform: 'json', maxAge: SECRET_CACHE_SECONDS });
    const value = values?.[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/**
 * The console's development sign-in (CONSOLE_DEV_SIGN_IN=true, set by `npm start`): anyone signs in
 * as anyone. Never inside Lambda, whatever the configuration says: AWS sets AWS_LAMBDA_FUNCTION_NAME there.
 */
export function consoleDevSignIn(): boolean {
  return process.env.CONSOLE_DEV_SIGN_IN?.trim().toLowerCase() === 'true' && !process.env.AWS_LAMBDA_FUNCTION_NAME;
}

export interface ConsoleOidcSettings {
  issuer: string;
  clientId: string;
  /** The claim holding the user's groups or roles (Cognito: `cognito:groups`). */
  rolesClaim: string;
  scopes: string;
}

/** The console's OIDC provider (CONSOLE_OIDC_ISSUER, CONSOLE_OIDC_CLIENT_ID, …), or undefined when none is configured. */
export function consoleOidc(): ConsoleOidcSettings | undefined {
  const issuer = process.env.CONSOLE_OIDC_ISSUER?.trim().replace(/\/+$/, '');
  const clientId = process.env.CONSOLE_OIDC_CLIENT_ID?.trim();
  if (!issuer && !clientId) return undefined;
  if (!issuer || !clientId) throw new ConfigurationError('Set both CONSOLE_OIDC_ISSUER and CONSOLE_OIDC_CLIENT_ID, or neither.');
  if (!/^https:\/\//.test(issuer) && !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(issuer)) {
    throw new ConfigurationError(`CONSOLE_OIDC_ISSUER "${issuer}" must be an https URL.`);
  }
  return {
    issuer,
    clientId,
    rolesClaim: process.env.CONSOLE_OIDC_ROLES_CLAIM?.trim() || 'cognito:groups',
    scopes: process.env.CONSOLE_OIDC_SCOPES?.trim() || 'openid email profile',
  };
}
