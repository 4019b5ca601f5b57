import type { z } from 'zod';
import type { Channel } from '../core/channels.js';
import type { SuppressionMessage } from '../distribution/fanout.js';
import type { IntegrationDeclaration } from '../platform/integrations.js';

/**
 * What a connector is: the code that makes one vendor's system hold what optout-hub holds. The
 * runtime (runtime.ts) does everything that is the same for every vendor (apply by version,
 * acks, back-off, partial batch failures); a connector only says what each change became.
 */

/** What became of one change at the vendor. */
export type ChangeOutcome =
  | { outcome: 'applied' }
  /** The vendor refused it for good (an address it cannot hold): recorded as such, never retried. */
  | { outcome: 'refused'; reason: string }
  /** Not now (throttled, unavailable): the message comes back, after `afterMs` when the vendor said. */
  | { outcome: 'retry'; reason: string; afterMs?: number };

export interface Connector {
  /** One outcome per change, in order. Throwing RetryLater (or anything) retries the whole chunk. */
  apply(changes: readonly SuppressionMessage[]): Promise<ChangeOutcome[]>;
}

export interface ConnectorContext<S> {
  integration: IntegrationDeclaration;
  settings: S;
  /** The integration's INTEGRATION_SECRETS entry; undefined when none is set. */
  secret: string | undefined;
  /** Injected so a test can point a connector at a contract server's clock; `fetch` otherwise. */
  fetch: typeof fetch;
}

export interface ConnectorDefinition<S = unknown> {
  kind: string;
  /** The channels the vendor can hold suppressions for. */
  channels: readonly Channel[];
  /** The integration's `settings`, checked at `npm start` and `cdk synth`. */
  settings: z.ZodType<S>;
  /** What the INTEGRATION_SECRETS entry holds, for error messages; undefined when none is needed. */
  secret?: string;
  /** Changes per vendor call (the vendor's documented batch limit). */
  batchSize: number;
  /** Vendor calls per second across the integration (the vendor's documented limit), unless settings say otherwise. */
  requestsPerSecond: number;
  /** False for `queue`: its subscription is consumed by the customer's own code, which acks through the API. */
  runsFunction: boolean;
  /**
   * AWS actions the integration's function needs (a connector whose vendor is an AWS service),
   * from its settings; the stack grants exactly these and nothing else.
   */
  awsPermissions?: (settings: S) => { actions: string[]; resources: string[] }[];
  /** Indexes the function queries besides what every connector does (print-file reads the mail channel's changes). */
  queriesIndexes?: Partial<Record<'suppressions', readonly string[]>>;
  /**
   * Work the connector does on a schedule besides applying changes (the print vendor's file):
   * the stack adds an EventBridge rule and the local runtime a timer, each invoking the
   * integration's function with `{ "scheduled": true }`, which calls `scheduled`.
   */
  schedule?: { rate: string };
  create(context: ConnectorContext<S>): Connector & { scheduled?: () => Promise<void> };
}

/** A vendor said "not now": 429, 5xx, a timeout or a dropped connection. */
export class RetryLater extends Error {
  override name = 'RetryLater';
  constructor(
    message: string,
    /** From the vendor's Retry-After (or rate-limit reset), when it sent one. */
    readonly afterMs?: number,
  ) {
    super(message);
  }
}

/** The delay a Retry-After header asks for: delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now: Date = new Date()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/**
 * A vendor call that turns the answers every vendor shares into RetryLater: 429 (with its
 * Retry-After), 5xx, 408, a timeout and a network failure. Other answers are the connector's to read.
 */
export async function vendorFetch(fetcher: typeof fetch, url: string, init: RequestInit & { timeoutMs?: number }): Promise<Response> {
  const { timeoutMs = 10_000, ...request } = init;
  let response: Response;
  try {
    response = await fetcher(url, { ...request, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new RetryLater(`The vendor did not answer (${error instanceof Error ? error.name : 'error'}).`);
  }
  if (response.status === 429 || response.status === 408 || response.status >= 500) {
    // Drain the body so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    throw new RetryLater(`The vendor answered ${response.status}.`, retryAfterMs(response.headers.get('retry-after')));
  }
  return response;
}

/** A short, safe reason from a vendor's refusal: its status and the start of its body, never our data. */
export async function refusalReason(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  return `${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
}

/**
 * Messages the queue hands the function at once: at least 10 (SQS's receive limit, which needs no
 * batching window), more when the vendor takes bigger batches (then with a batching window).
 */
export function queueBatchSize(definition: Pick<ConnectorDefinition, 'batchSize'>): number {
  return Math.max(10, definition.batchSize);
}
