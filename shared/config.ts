import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { BadRequestError, ConfigurationError } from './errors.js';
import { configureKeywords, keywordLanguages, type KeywordLists, type Language } from './keywords.js';
import {
  channelQueues,
  fanoutFailureQueue,
  secretEnv,
  tables,
  type Channel,
  type TableKey,
} from './resources.js';

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

export function fanoutFailureQueueUrl(): string | undefined {
  return process.env[fanoutFailureQueue.env] || undefined;
}

/** Region used to read phone numbers written without a country code. */
export function defaultPhoneRegion(): CountryCode {
  const region = (process.env.DEFAULT_PHONE_REGION ?? 'US').toUpperCase();
  if (!isSupportedCountry(region)) throw new ConfigurationError(`DEFAULT_PHONE_REGION "${region}" is not a known region.`);
  return region;
}

/**
 * Purposes a preference may be for: `all`, `marketing`, and the named topics in PURPOSES
 * (comma-separated, e.g. `newsletter,product-updates`).
 */
export function purposes(): string[] {
  const topics = (process.env.PURPOSES ?? '')
    .split(',')
    .map((topic) => topic.trim())
    .filter(Boolean);
  return [...new Set(['all', 'marketing', ...topics])];
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

/** The base URL providers were told to call, which is what they sign. */
export function publicBaseUrl(): string | undefined {
  return process.env.PUBLIC_BASE_URL || undefined;
}

export const secretNames = [
  'API_KEYS',
  'TWILIO_AUTH_TOKEN',
  'TWILIO_WEBHOOK_SHARED_KEY',
  'VONAGE_SIGNATURE_SECRET',
  'VONAGE_SIGNATURE_METHOD',
  'TELNYX_PUBLIC_KEY',
  'PLIVO_AUTH_TOKEN',
  'BANDWIDTH_USERNAME',
  'BANDWIDTH_PASSWORD',
  'SINCH_WEBHOOK_SECRET',
  'SINCH_USERNAME',
  'SINCH_PASSWORD',
] as const;
export type SecretName = (typeof secretNames)[number];

const SECRET_CACHE_SECONDS = 300;

/** A secret by name, or undefined when neither the environment nor the secret holds it. */
export async function secrets<N extends SecretName>(names: readonly N[]): Promise<Partial<Record<N, string>>> {
  const values = await Promise.all(names.map((name) => secret(name)));
  return Object.fromEntries(names.map((name, i) => [name, values[i]]).filter(([, value]) => value !== undefined));
}

export async function secret(name: SecretName): Promise<string | undefined> {
  const fromEnv = process.env[name];
  if (fromEnv) return fromEnv;
  const arn = process.env[secretEnv];
  if (!arn) return undefined;
  const values = await getSecret<Record<string, unknown>>(arn, { transform: 'json', maxAge: SECRET_CACHE_SECONDS });
  const value = values?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
