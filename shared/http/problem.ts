import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ProblemError } from '../core/errors.js';
import { routes, type RouteDeclaration } from '../platform/resources.js';

export const PROBLEM_TYPE_BASE = 'https://optout-hub.dev/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

/** The declared route an API Gateway route key (`GET /unsubscribe/{token}`) names. */
export function routeOf(routeKey: string | undefined): RouteDeclaration | undefined {
  return routes.find((route) => `${route.method} ${route.path}` === routeKey);
}

/**
 * What a problem's `instance` names: the request path, except on a signed-token route, where the
 * path parameter is the credential itself (an unsubscribe link works for whoever holds it), so the
 * route's template stands in and the token is never echoed into a response, a log or a proxy's cache.
 */
export function problemInstance(route: Pick<RouteDeclaration, 'auth' | 'path'> | undefined, rawPath: string): string {
  return route?.auth === 'signed-token' ? route.path : rawPath;
}

/** The headers a failure asks for, if it is one of ours. */
export function problemHeaders(error: unknown): Record<string, string> {
  return error instanceof ProblemError ? error.headers : {};
}

/** The only place a failure becomes an HTTP response. */
export function toProblem(error: unknown, instance?: string): Problem {
  if (error instanceof ProblemError) {
    return {
      // Extensions first: they may add members, never replace the standard ones.
      ...error.extensions,
      type: PROBLEM_TYPE_BASE + error.slug,
      title: error.title,
      status: error.status,
      detail: error.detail,
      ...(instance ? { instance } : {}),
    };
  }
  return {
    type: `${PROBLEM_TYPE_BASE}internal`,
    title: 'Internal error',
    status: 500,
    detail: 'The request could not be completed; it was not acknowledged and may be retried.',
    ...(instance ? { instance } : {}),
  };
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { ...headers, 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
    body: JSON.stringify(problem),
  };
}

export function jsonResponse(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}
