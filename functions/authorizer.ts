import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { presentedKey } from '../shared/core/api-keys.js';
import { authenticate, configuredKeySources } from '../shared/http/authenticate.js';
import { scopeForRoute } from '../shared/http/api-key.js';
import { InvalidCredentialsError, UnauthenticatedError } from '../shared/core/errors.js';
import { logger } from '../shared/platform/logger.js';

type Result = APIGatewaySimpleAuthorizerWithContextResult<Record<string, string>>;

/**
 * API Gateway Lambda authorizer (payload 2.0, simple responses, caching off so a revoked key
 * stops at once) for every /v1 route with an API key: the same authenticate() the handlers use.
 * A valid key without the route's scope is denied here (403). A missing or invalid key is passed
 * on marked unauthenticated, because an HTTP API can only turn a denial into 403 and the contract
 * says 401; the handler's requireApiKey answers it before touching anything.
 */
export async function handler(event: APIGatewayRequestAuthorizerEventV2): Promise<Result> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const scope = scopeForRoute(event.routeKey);
  try {
    const caller = await authenticate(presentedKey(headers), await configuredKeySources());
    const allowed = caller.scopes.includes(scope);
    logger.info('authorizer', { routeKey: event.routeKey, keyId: caller.id, scope, allowed });
    return { isAuthorized: allowed, context: { authenticated: 'true', keyId: caller.id, scopes: caller.scopes.join(' ') } };
  } catch (error) {
    if (error instanceof UnauthenticatedError) {
      return {
        isAuthorized: true,
        context: { authenticated: 'false', reason: error.detail, credentials: error instanceof InvalidCredentialsError ? 'invalid' : 'missing' },
      };
    }
    throw error; // the store did not answer: API Gateway answers 500 and nothing runs
  }
}
