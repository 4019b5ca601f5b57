import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { scopes } from '../../shared/core/api-keys.js';
import { routes } from '../../shared/platform/resources.js';

/**
 * The authorizer's route-to-scope table, every entry: on each API-key route, a key holding only
 * the scope the route declares is let through, and a key holding every other scope is denied.
 * Keys come from API_KEYS alone (no api-keys table), one per scope.
 */

type Authorizer = (event: APIGatewayRequestAuthorizerEventV2) => Promise<{ isAuthorized: boolean; context?: Record<string, string> }>;
let authorizer: Authorizer;

const keyOf = (scope: string) => `${scope}-only-key-0123456789`;

beforeAll(async () => {
  delete process.env.API_KEYS_TABLE;
  process.env.API_KEYS = [
    ...scopes.map((scope) => `${scope}-only:${keyOf(scope)}:${scope}`),
    `every-scope:every-scope-key-0123456789:${scopes.join('+')}`,
  ].join(',');
  ({ handler: authorizer } = (await import('../../functions/authorizer.js')) as unknown as { handler: Authorizer });
});

const event = (routeKey: string, key: string) =>
  ({
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn',
    identitySource: [],
    routeKey,
    rawPath: '/',
    rawQueryString: '',
    headers: { 'x-api-key': key },
    requestContext: {},
  }) as unknown as APIGatewayRequestAuthorizerEventV2;

const keyRoutes = routes.flatMap((route) => (route.auth === 'api-key' ? [[`${route.method} ${route.path}`, route.scope] as const] : []));

describe('the authorizer on every API-key route', () => {
  it('covers every API-key route declared', () => {
    expect(keyRoutes.length).toBe(routes.filter((route) => route.auth === 'api-key').length);
    expect(keyRoutes.length).toBeGreaterThanOrEqual(11);
  });

  it.each(keyRoutes)('%s: lets through only a key with the %s scope', async (routeKey, scope) => {
    for (const held of scopes) {
      const answer = await authorizer(event(routeKey, keyOf(held)));
      expect(answer.isAuthorized, `${held} on ${routeKey}`).toBe(held === scope);
      expect(answer.context).toMatchObject({ authenticated: 'true', keyId: `${held}-only`, scopes: held });
    }
    expect((await authorizer(event(routeKey, 'every-scope-key-0123456789'))).isAuthorized).toBe(true);
  });
});
