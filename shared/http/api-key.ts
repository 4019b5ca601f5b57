import type middy from '@middy/core';
import { presentedKey, type Scope } from '../core/api-keys.js';
import { authenticate, configuredKeySources, requireScope, unauthenticated } from './authenticate.js';
import type { HttpEvent, HttpResult } from './middleware.js';
import { routes, type FunctionName } from '../platform/resources.js';

/**
 * What the API Gateway authorizer (functions/authorizer.ts) concluded, passed to the handler in
 * the request context. HTTP APIs answer every authorizer denial with 403, so the authorizer lets
 * a request without a valid key through marked `authenticated: 'false'` and the handler answers
 * the 401 (with its challenge) before doing anything else.
 */
interface AuthorizerContext {
  authenticated?: string;
  reason?: string;
  /** 'invalid' when a key was presented but is not valid (the 401's title says which). */
  credentials?: string;
  keyId?: string;
  scopes?: string;
}

function authorizerContext(event: HttpEvent): AuthorizerContext | undefined {
  const lambda = (event.requestContext as { authorizer?: { lambda?: AuthorizerContext } }).authorizer?.lambda;
  return typeof lambda?.authenticated === 'string' ? lambda : undefined;
}

/** The authenticated caller of a request: the id of the API key that made it. */
export interface ApiCaller {
  keyId: string;
}

// Keyed by the event object middy hands to the handler, so nothing is added to the event itself.
const callers = new WeakMap<HttpEvent, ApiCaller>();

/**
 * Who made a request that passed `requireApiKey`. Throws when the handler is not behind it, a
 * wiring mistake that must not silently record no caller.
 */
export function callerOf(event: HttpEvent): ApiCaller {
  const caller = callers.get(event);
  if (!caller) throw new Error('callerOf: the handler is not behind requireApiKey.');
  return caller;
}

/** The scope an API-key route declares, by API Gateway route key; a route nobody declared needs `admin` (fails closed). */
export function scopeForRoute(routeKey: string): Scope {
  const route = routes.find((candidate) => `${candidate.method} ${candidate.path}` === routeKey);
  return route?.auth === 'api-key' ? route.scope : 'admin';
}

/** The one scope a function's API-key routes declare. A function whose routes disagree is a wiring mistake. */
export function scopeOfFunction(name: FunctionName): Scope {
  const declared = new Set(routes.filter((route) => route.function === name).map((route) => (route.auth === 'api-key' ? route.scope : undefined)));
  const [scope, ...others] = [...declared];
  if (!scope || others.length) throw new Error(`Function ${name} needs exactly one API-key scope across its routes.`);
  return scope;
}

/**
 * Refuses the request unless it carries an API key with the scope the function's routes declare:
 * 401 without a valid key, 403 without the scope.
 */
export function requireApiKey(name: FunctionName): middy.MiddlewareObj<HttpEvent, HttpResult> {
  const scope = scopeOfFunction(name);
  return {
    before: async (request) => {
      const decided = authorizerContext(request.event);
      if (decided) {
        if (decided.authenticated !== 'true') throw unauthenticated(decided.reason || 'The API key is not valid.', decided.credentials !== 'missing');
        requireScope({ scopes: (decided.scopes ?? '').split(' ').filter(Boolean) as Scope[] }, scope);
        if (!decided.keyId) throw unauthenticated('The authorizer did not name the API key.');
        callers.set(request.event, { keyId: decided.keyId });
        return;
      }
      const caller = await authenticate(presentedKey(request.event.headers ?? {}), await configuredKeySources());
      requireScope(caller, scope);
      callers.set(request.event, { keyId: caller.id });
    },
  };
}
