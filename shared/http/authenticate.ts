import { createHash, timingSafeEqual } from 'node:crypto';
import { apiKeysTable, secret } from '../platform/config.js';
import { ConfigurationError, ForbiddenError, InvalidCredentialsError, UnauthenticatedError } from '../core/errors.js';
import { documents } from '../store/clients.js';
import { LAST_USED_INTERVAL_MS, findApiKey, isExpired, recordApiKeyUse, type ApiKeyStore } from '../store/api-keys.js';
import { logger } from '../platform/logger.js';
import { parseApiKeys, type ApiKey, type Scope } from '../core/api-keys.js';

/**
 * Who is calling, from the key they present: first the keys in API_KEYS (the bootstrap and local
 * fallback, compared in constant time against every one), then the keys issued into the api-keys
 * table. One answer for the handlers and the API Gateway authorizer alike.
 */

export interface Caller {
  id: string;
  scopes: Scope[];
  /** Where the key was found. */
  source: 'config' | 'store';
}

export interface KeySources {
  configured: readonly ApiKey[];
  store?: ApiKeyStore;
}

/** A 401 must name a scheme (RFC 9110); keys are also accepted as Bearer tokens. */
export const API_KEY_CHALLENGE = 'Bearer realm="optout-hub"';

/** A 401 for a request that presented no key (`invalid` false) or one that is not valid. */
export function unauthenticated(detail: string, invalid = false): UnauthenticatedError {
  return (invalid ? new InvalidCredentialsError(detail) : new UnauthenticatedError(detail)).withHeader('www-authenticate', API_KEY_CHALLENGE);
}

export async function authenticate(presented: string | undefined, sources: KeySources, now = new Date()): Promise<Caller> {
  if (!presented) throw unauthenticated('Send an API key in the x-api-key header.');
  const hash = createHash('sha256').update(presented).digest();
  let configured: ApiKey | undefined;
  for (const key of sources.configured) {
    if (timingSafeEqual(key.hash, hash)) configured = key;
  }
  if (configured) return { id: configured.id, scopes: configured.scopes, source: 'config' };
  const stored = sources.store ? await findApiKey(sources.store, presented) : undefined;
  if (stored && sources.store) {
    if (isExpired(stored, now)) throw unauthenticated('The API key has expired.', true);
    // Skip the write when the item read just now shows a recent use; the condition covers races.
    if (!stored.lastUsedAt || Date.parse(stored.lastUsedAt) <= now.getTime() - LAST_USED_INTERVAL_MS) {
      // Bookkeeping only: a key that works is never refused because its use could not be noted.
      await recordApiKeyUse(sources.store, stored.id, now).catch((error: unknown) =>
        logger.warn('could not record an API key use', { keyId: stored.id, error: error as Error }),
      );
    }
    return { id: stored.id, scopes: stored.scopes, source: 'store' };
  }
  throw unauthenticated('The API key is not valid.', true);
}

export function requireScope(caller: Pick<Caller, 'scopes'>, scope: Scope): void {
  if (!caller.scopes.includes(scope)) throw new ForbiddenError(`The API key does not have the "${scope}" scope.`);
}

/** The api-keys table, when this process was given one. */
export function apiKeyStoreFromEnvironment(): ApiKeyStore | undefined {
  const table = apiKeysTable();
  return table ? { documents, table } : undefined;
}

let parsed: { spec: string; keys: ApiKey[] } | undefined;

/** API_KEYS (environment or config secret) and the api-keys table; at least one must exist. */
export async function configuredKeySources(): Promise<KeySources> {
  const spec = (await secret('API_KEYS')) ?? '';
  const store = apiKeyStoreFromEnvironment();
  if (!spec.trim() && !store) throw new ConfigurationError('No API keys are configured (API_KEYS or the api-keys table), so every request is refused.');
  if (parsed?.spec !== spec) parsed = { spec, keys: spec.trim() ? parseApiKeys(spec) : [] };
  return { configured: parsed.keys, store };
}
