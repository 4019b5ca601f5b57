import type middy from '@middy/core';
import { authorize, parseApiKeys, presentedKey, type ApiKey, type Scope } from '../auth/api-keys.js';
import { secret } from '../config.js';
import { ConfigurationError } from '../errors.js';
import type { HttpEvent, HttpResult } from './middleware.js';

let parsed: { spec: string; keys: ApiKey[] } | undefined;

async function configuredKeys(): Promise<ApiKey[]> {
  const spec = await secret('API_KEYS');
  if (!spec) throw new ConfigurationError('No API keys are configured (API_KEYS), so every request is refused.');
  if (parsed?.spec !== spec) parsed = { spec, keys: parseApiKeys(spec) };
  return parsed.keys;
}

/** Refuses the request unless it carries an API key with `scope`. */
export function requireApiKey(scope: Scope): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async (request) => {
      authorize(await configuredKeys(), presentedKey(request.event.headers ?? {}), scope);
    },
  };
}
