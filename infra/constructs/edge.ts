import { Duration } from 'aws-cdk-lib';
import { CfnAuthorizer, HttpRoute, type CfnStage, type HttpApi, type HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { routes, type FunctionName, type RouteDeclaration } from '../../shared/platform/resources.js';
import type { HandlerFunction } from './handler-function.js';

/** Requests per second (steady) and burst, as API Gateway throttles a route. */
export interface Throttle {
  readonly rate: number;
  readonly burst: number;
}

/**
 * Which limit a route gets. Each family has its own, so a flood on one (junk posted to a webhook
 * path, a campaign's check peak) is refused on that family's routes and never uses up another's.
 */
export type RouteFamily = 'sms-webhooks' | 'call-webhooks' | 'email-webhooks' | 'unsubscribe' | 'check' | 'ingest' | 'admin' | 'acks' | 'health';

export function routeFamily(route: Pick<RouteDeclaration, 'path' | 'function'>): RouteFamily {
  if (route.path.startsWith('/webhooks/sms/')) return 'sms-webhooks';
  if (route.path.startsWith('/webhooks/calls/')) return 'call-webhooks';
  if (route.path.startsWith('/webhooks/email/')) return 'email-webhooks';
  if (route.path.startsWith('/unsubscribe/')) return 'unsubscribe';
  if (route.path.startsWith('/v1/suppressions')) return 'check';
  if (route.path.startsWith('/v1/requests')) return 'ingest';
  if (route.path.startsWith('/v1/acks')) return 'acks';
  if (route.path === '/v1/health') return 'health';
  return 'admin';
}

/**
 * Defaults per family. Checks run before every send, so they get the most; webhooks carry every
 * STOP a campaign provokes; people and health need little. Override with `routeThrottles`.
 */
export const DEFAULT_ROUTE_THROTTLES: Record<RouteFamily, Throttle> = {
  'sms-webhooks': { rate: 200, burst: 400 },
  'call-webhooks': { rate: 100, burst: 200 },
  'email-webhooks': { rate: 200, burst: 400 },
  unsubscribe: { rate: 100, burst: 200 },
  check: { rate: 1000, burst: 2000 },
  ingest: { rate: 100, burst: 200 },
  acks: { rate: 100, burst: 200 },
  admin: { rate: 20, burst: 40 },
  health: { rate: 10, burst: 20 },
};

/**
 * Reserved concurrency per function when `reservedConcurrency` is on: a floor that a check burst
 * or a reconciliation run cannot take from the STOP intake and fan-out, and a ceiling on the
 * check and reconcile so they cannot take the account's whole pool. Together 465, so the account
 * needs a concurrency quota of at least 565 (Lambda keeps 100 unreserved).
 */
export const DEFAULT_RESERVED_CONCURRENCY: Partial<Record<FunctionName, number>> = {
  'sms-inbound': 50,
  'calls-inbound': 20,
  'email-inbound': 30,
  unsubscribe: 20,
  fanout: 20,
  check: 200,
  'check-batch': 50,
  'suppressions-export': 10,
  authorizer: 60,
  reconcile: 5,
};

export interface EdgeProps {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly handlers: Partial<Record<string, HandlerFunction>>;
  /** Per-family overrides of DEFAULT_ROUTE_THROTTLES. */
  readonly routeThrottles?: Partial<Record<RouteFamily, Throttle>>;
  /**
   * Caches the authorizer's answer for this long, per API key and route. 0 (the default) calls
   * it on every request. See docs/operations.md: callers must then send the key in x-api-key.
   */
  readonly authorizerCacheSeconds?: number;
  /** Reserve concurrency: true for DEFAULT_RESERVED_CONCURRENCY, or an explicit map. */
  readonly reservedConcurrency?: boolean | Partial<Record<string, number>>;
}

/** API Gateway's ceiling on an HTTP API authorizer's cache TTL. */
const MAX_AUTHORIZER_TTL_SECONDS = 3600;

/** Throttling per route family, the authorizer's cache, and reserved concurrency. */
export class Edge extends Construct {
  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    for (const [family, throttle] of Object.entries(props.routeThrottles ?? {})) {
      if (!(family in DEFAULT_ROUTE_THROTTLES))
        throw new Error(`routeThrottles names ${family}; the route families are ${Object.keys(DEFAULT_ROUTE_THROTTLES).join(', ')}.`);
      if (!throttle || !(throttle.rate > 0) || !(throttle.burst > 0)) throw new Error(`routeThrottles.${family} needs a positive rate and burst.`);
    }
    const throttles = { ...DEFAULT_ROUTE_THROTTLES, ...props.routeThrottles };
    const stage = props.stage.node.defaultChild as CfnStage;
    stage.routeSettings = Object.fromEntries(
      routes.map((route) => {
        const { rate, burst } = throttles[routeFamily(route)];
        // RouteSettings is a JSON map in the L1, so its keys are written as CloudFormation spells them.
        return [`${route.method} ${route.path}`, { ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst }];
      }),
    );
    // Route settings must name routes that exist: deploy the stage after them.
    for (const route of props.api.node.findAll().filter((construct) => construct instanceof HttpRoute)) stage.node.addDependency(route);

    const ttl = props.authorizerCacheSeconds ?? 0;
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_AUTHORIZER_TTL_SECONDS) {
      throw new Error(`authorizerCacheSeconds must be a whole number of seconds from 0 to ${MAX_AUTHORIZER_TTL_SECONDS}.`);
    }
    if (ttl > 0) {
      for (const authorizer of props.api.node.findAll().filter((construct): construct is CfnAuthorizer => construct instanceof CfnAuthorizer)) {
        // Per key and per route: a key allowed on one route must not be let through on another by the cache.
        authorizer.identitySource = ['$request.header.x-api-key', '$context.routeKey'];
        authorizer.authorizerResultTtlInSeconds = Duration.seconds(ttl).toSeconds();
      }
    }

    const reserved = props.reservedConcurrency === true ? DEFAULT_RESERVED_CONCURRENCY : props.reservedConcurrency || {};
    for (const [name, concurrency] of Object.entries(reserved)) {
      const handler = props.handlers[name];
      if (!handler) throw new Error(`reservedConcurrency names ${name}, which is not a function of this stack.`);
      if (!Number.isInteger(concurrency) || concurrency! < 1) throw new Error(`reservedConcurrency for ${name} must be a whole number from 1.`);
      (handler.lambda.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = concurrency;
    }
  }
}
