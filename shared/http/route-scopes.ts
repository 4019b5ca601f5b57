import type { Scope } from '../core/api-keys.js';

/**
 * The scope each API-key route needs, by API Gateway route key, for the authorizer (which sees
 * only the route key). Handlers name their scope in code too (requireApiKey); a route missing here
 * needs `admin`, so forgetting an entry fails closed.
 */
export const routeScopes: Record<string, Scope> = {
  'GET /v1/suppressions/{channel}/{address}': 'check',
  'POST /v1/suppressions/check': 'check',
  'GET /v1/suppressions/{channel}': 'check',
  'POST /v1/requests': 'ingest',
  'POST /v1/requests/batch': 'ingest',
  'POST /v1/acks': 'ack',
  'GET /v1/people': 'admin',
  'GET /v1/people/{id}': 'admin',
  'GET /v1/people/{id}/history': 'admin',
  'POST /v1/people/{id}/identities': 'admin',
  'POST /v1/people/merge': 'admin',
};

export function scopeForRoute(routeKey: string): Scope {
  return routeScopes[routeKey] ?? 'admin';
}
