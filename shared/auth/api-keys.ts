import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigurationError, ForbiddenError, UnauthenticatedError } from '../errors.js';

export const scopes = ['ingest', 'check', 'ack', 'admin'] as const;
export type Scope = (typeof scopes)[number];

export interface ApiKey {
  id: string;
  /** SHA-256 of the key; the key itself is never kept in memory longer than parsing. */
  hash: Buffer;
  scopes: Scope[];
}

/** A 401 must name a scheme (RFC 9110); keys are also accepted as Bearer tokens. */
const API_KEY_CHALLENGE = 'Bearer realm="optout-hub"';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * API_KEYS is a comma-separated list of `id:key:scope+scope`, for example
 * `crm:3f9c…:ingest,dialer:77ab…:check+ack`.
 */
export function parseApiKeys(spec: string): ApiKey[] {
  return spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const parts = entry.split(':');
      const [id, key, scopeList] = parts;
      const parsed = (scopeList ?? '').split('+').filter(Boolean);
      if (parts.length !== 3 || !id || !key || parsed.length === 0 || parsed.some((scope) => !(scopes as readonly string[]).includes(scope))) {
        // Name the entry by position: a malformed entry's first part may be the key itself.
        throw new ConfigurationError(`API_KEYS entry ${index + 1} must look like id:key:scope+scope with scopes from ${scopes.join(', ')}.`);
      }
      return { id, hash: digest(key), scopes: parsed as Scope[] };
    });
}

/** The caller's key from `x-api-key` or `Authorization: Bearer`. */
export function presentedKey(headers: Record<string, string | undefined>): string | undefined {
  const direct = headers['x-api-key'];
  if (direct) return direct;
  const authorization = headers.authorization;
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i);
  return bearer?.[1];
}

/** The matching key when it grants `scope`; 401 without a valid key, 403 with the wrong scope. */
export function authorize(keys: readonly ApiKey[], presented: string | undefined, scope: Scope): ApiKey {
  if (!presented) throw new UnauthenticatedError('Send an API key in the x-api-key header.').withHeader('www-authenticate', API_KEY_CHALLENGE);
  const hash = digest(presented);
  // Compare against every key so timing says nothing about which (if any) matched.
  let match: ApiKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(key.hash, hash)) match = key;
  }
  if (!match) throw new UnauthenticatedError('The API key is not valid.').withHeader('www-authenticate', API_KEY_CHALLENGE);
  if (!match.scopes.includes(scope)) throw new ForbiddenError(`The API key does not have the "${scope}" scope.`);
  return match;
}
