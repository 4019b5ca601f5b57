import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigurationError, ProblemError } from '../../core/errors.js';
import { normalizeEmail } from '../../core/identity.js';
import { CLOCK_SKEW_MS } from '../../core/time.js';

/**
 * The opaque part of an unsubscribe link: `kid.payload.mac`, all base64url. The payload names the
 * address, the purpose (topic) and when the link was issued; the MAC is HMAC-SHA256 under the key
 * `kid` over `kid.payload`, so changing any byte (address, topic, date or key id) invalidates it.
 * Keys rotate by adding a new first key: it signs, and every listed key still verifies, so links
 * already in inboxes keep working. The payload is signed, not encrypted: it only ever travels in
 * mail to the address it names.
 */

/** An unsubscribe link that cannot be trusted: tampered with, unknown key, expired or malformed. */
export class InvalidUnsubscribeTokenError extends ProblemError {
  readonly status = 400;
  readonly slug = 'invalid-unsubscribe-link';
  readonly title = 'The unsubscribe link is not valid';
}

export interface TokenKey {
  kid: string;
  key: Buffer;
}

export interface UnsubscribeClaims {
  email: string;
  purpose: string;
  issuedAt: Date;
  kid: string;
}

/** Development-only keys for `npm start` (set as UNSUBSCRIBE_TOKEN_KEYS there); never a fallback in code. */
export const localDevUnsubscribeKeys = `local:${Buffer.from('optout-hub local development unsubscribe key!!').toString('base64')}`;

const KID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const PURPOSE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const MIN_KEY_BYTES = 32;

let parsed: { spec: string; keys: TokenKey[] } | undefined;

/** UNSUBSCRIBE_TOKEN_KEYS: `kid:base64key,kid2:base64key`; the first signs, all verify. */
export function parseTokenKeys(spec: string): TokenKey[] {
  if (parsed?.spec === spec) return parsed.keys;
  const keys = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(':');
      const kid = entry.slice(0, colon);
      const key = Buffer.from(entry.slice(colon + 1), 'base64');
      if (colon <= 0 || !KID.test(kid)) throw new ConfigurationError(`UNSUBSCRIBE_TOKEN_KEYS entry for "${kid}" needs a key id of letters, digits, - or _.`);
      if (key.length < MIN_KEY_BYTES) throw new ConfigurationError(`UNSUBSCRIBE_TOKEN_KEYS key "${kid}" is shorter than ${MIN_KEY_BYTES} bytes.`);
      return { kid, key };
    });
  if (keys.length === 0) throw new ConfigurationError('UNSUBSCRIBE_TOKEN_KEYS holds no keys, so unsubscribe links can be neither made nor checked.');
  if (new Set(keys.map((key) => key.kid)).size !== keys.length) throw new ConfigurationError('UNSUBSCRIBE_TOKEN_KEYS names a key id twice.');
  parsed = { spec, keys };
  return keys;
}

const mac = (key: Buffer, signed: string) => createHmac('sha256', key).update(signed, 'utf8').digest();

/** A link token for `email` and `purpose`, signed with the first key. */
export function createUnsubscribeToken(keys: readonly TokenKey[], email: string, purpose: string, issuedAt: Date = new Date()): string {
  const signer = keys[0];
  if (!signer) throw new ConfigurationError('No unsubscribe token key is configured.');
  if (!PURPOSE.test(purpose)) throw new ConfigurationError(`"${purpose}" cannot be a purpose of an unsubscribe link.`);
  const payload = Buffer.from(JSON.stringify({ e: normalizeEmail(email), p: purpose, t: Math.floor(issuedAt.getTime() / 1000) })).toString('base64url');
  const signed = `${signer.kid}.${payload}`;
  return `${signed}.${mac(signer.key, signed).toString('base64url')}`;
}

/** Canonical base64url only, so one token has one spelling. */
function decode(part: string): Buffer | undefined {
  if (!BASE64URL.test(part)) return undefined;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : undefined;
}

/**
 * The claims of a genuine, unexpired token; anything else is InvalidUnsubscribeTokenError. The MAC
 * is checked (in constant time) before a byte of the payload is read.
 */
export function verifyUnsubscribeToken(keys: readonly TokenKey[], token: string, now: Date, maxAgeDays: number): UnsubscribeClaims {
  const invalid = (why: string) => new InvalidUnsubscribeTokenError(`This unsubscribe link ${why}.`);
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 2048) throw invalid('is malformed');
  const [kid, payloadPart, macPart] = parts as [string, string, string];
  const key = keys.find((candidate) => candidate.kid === kid);
  if (!key) throw invalid('was signed with a key this service does not hold');
  const given = decode(macPart);
  const expected = mac(key.key, `${kid}.${payloadPart}`);
  if (!given || given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('has been altered');
  const payloadBytes = decode(payloadPart);
  let payload: unknown;
  try {
    payload = JSON.parse(payloadBytes?.toString('utf8') ?? '');
  } catch {
    throw invalid('is malformed');
  }
  const { e, p, t } = (payload ?? {}) as Record<string, unknown>;
  if (typeof e !== 'string' || typeof p !== 'string' || !PURPOSE.test(p) || typeof t !== 'number' || !Number.isInteger(t)) {
    throw invalid('is malformed');
  }
  const issuedAt = new Date(t * 1000);
  if (issuedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) throw invalid('is dated in the future');
  if (now.getTime() - issuedAt.getTime() > maxAgeDays * 86_400_000) throw invalid('has expired');
  let email: string;
  try {
    email = normalizeEmail(e);
  } catch {
    throw invalid('is malformed');
  }
  return { email, purpose: p, issuedAt, kid };
}
