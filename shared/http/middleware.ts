import middy, { type MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { loadPseudonymKey, logger } from '../platform/logger.js';
import { problemHeaders, problemInstance, problemResponse, routeOf, toProblem } from './problem.js';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpHandler = MiddyfiedHandler<HttpEvent, HttpResult, Error, Context>;

/** Turns whatever a handler throws into a problem+json response, logging 5xx causes. */
export function problemErrors(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const problem = toProblem(request.error, problemInstance(routeOf(request.event.routeKey), request.event.rawPath));
      if (problem.status >= 500) {
        logger.error('request failed', { route: request.event.routeKey, error: request.error as Error });
      } else {
        logger.warn('request refused', { route: request.event.routeKey, problem: problem.type, status: problem.status });
      }
      const response = problemResponse(problem, problemHeaders(request.error));
      // HEAD gets the status and headers a GET would, never a body (RFC 9110 §9.3.2).
      request.response = request.event.requestContext?.http?.method === 'HEAD' ? { ...response, body: '' } : response;
    },
  };
}

/** Loads the key of the address pseudonyms in the logs before the handler can log one. */
export function pseudonymKey(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return { before: () => loadPseudonymKey() };
}

/** Every HTTP handler: the function body plus the shared edge behaviour. */
export function httpHandler(fn: (event: HttpEvent, context: Context) => Promise<HttpResult>): HttpHandler {
  return middy<HttpEvent, HttpResult, Error, Context>(fn).use(problemErrors()).use(pseudonymKey());
}
