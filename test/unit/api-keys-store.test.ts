import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseScopes } from '../../shared/store/api-keys.js';
import { parseApiKeys } from '../../shared/core/api-keys.js';
import { authenticate, requireScope } from '../../shared/http/authenticate.js';
import { scopeForRoute, scopeOfFunction } from '../../shared/http/api-key.js';
import { BadRequestError, ForbiddenError, UnauthenticatedError } from '../../shared/core/errors.js';
import { routes } from '../../shared/platform/resources.js';

describe('route scopes', () => {
  it('gives the authorizer (by route key) and each handler (by function) the scope the route declares', () => {
    for (const route of routes) {
      if (route.auth !== 'api-key') continue;
      expect(scopeForRoute(`${route.method} ${route.path}`)).toBe(route.scope);
      expect(scopeOfFunction(route.function)).toBe(route.scope);
    }
    expect(scopeForRoute('GET /v1/suppressions/{channel}/{address}')).toBe('check');
    expect(scopeOfFunction('acks')).toBe('ack');
  });

  it('refuses to wire a function without an API-key route', () => {
    expect(() => scopeOfFunction('health')).toThrow(/exactly one API-key scope/);
  });

  it('needs admin for a route nobody named (fails closed)', () => {
    expect(scopeForRoute('POST /v1/something-new')).toBe('admin');
    expect(scopeForRoute('POST /v1/requests/batch')).toBe('ingest');
  });
});

describe('authenticate (API_KEYS, the bootstrap and local fallback)', () => {
  const configured = parseApiKeys('crm:crm-secret:ingest,ops:ops-secret:ingest+check+ack+admin');

  it('is 401 with a challenge without a key or with an unknown one', async () => {
    await expect(authenticate(undefined, { configured })).rejects.toBeInstanceOf(UnauthenticatedError);
    const refused = await authenticate('guess', { configured }).catch((error) => error);
    expect(refused).toBeInstanceOf(UnauthenticatedError);
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it('finds the key and is 403 for a scope it does not have', async () => {
    const caller = await authenticate('crm-secret', { configured });
    expect(caller).toEqual({ id: 'crm', scopes: ['ingest'], source: 'config' });
    expect(() => requireScope(caller, 'ingest')).not.toThrow();
    expect(() => requireScope(caller, 'check')).toThrow(ForbiddenError);
  });

  it('keeps only hashes of configured keys', () => {
    expect(JSON.stringify(configured)).not.toContain('crm-secret');
    expect(configured[0]!.hash.equals(createHash('sha256').update('crm-secret').digest())).toBe(true);
  });
});

describe('parseScopes', () => {
  it('reads comma or plus separated scopes and refuses unknown ones', () => {
    expect(parseScopes('ingest,check')).toEqual(['ingest', 'check']);
    expect(parseScopes('ack+admin')).toEqual(['ack', 'admin']);
    expect(() => parseScopes('ingest,root')).toThrow(BadRequestError);
    expect(() => parseScopes('')).toThrow(BadRequestError);
  });
});
