import { createHash } from 'node:crypto';
import { ConfigurationError } from './errors.js';

export const scopes = ['ingest', 'check', 'ack', 'admin'] as const;
export type Scope = (typeof scopes)[number];

export interface ApiKey {
  id: string;
  /** SHA-256 of the key; the key itself is never kept in memory longer than parsing. */
  hash: Buffer;
  scopes: Scope[];
}

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
