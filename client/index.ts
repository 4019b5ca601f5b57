import type { z } from 'zod';
import type { OpenApiDocument } from '../shared/api/openapi.js';
import type {
  AckAnswer,
  BatchAnswer,
  BatchCheckAnswer,
  batchCheckSchema,
  CheckAnswer,
  documentedBatchSchema,
  ExportPageAnswer,
  HealthAnswer,
  HistoryAnswer,
  PersonAnswer,
  PersonChangeAnswer,
  problemSchema,
  RecordAnswer,
} from '../shared/api/schemas.js';
import type { ackRequestSchema } from '../shared/audit/acks.js';
import type { requestSchema } from '../shared/intake/requests/requests.js';
import type { linkIdentitySchema, mergeSchema } from '../shared/record/people.js';

/**
 * A small typed client of the optout-hub HTTP API. Its types come from the same zod schemas the
 * handlers parse requests with and type their answers with (and the OpenAPI document is generated
 * from), so a change of the API is a compile error here. It imports nothing of the server at run
 * time: only `fetch`.
 */

export type Channel = CheckAnswer['channel'];
export type Problem = z.output<typeof problemSchema>;
export type RequestBody = z.input<typeof requestSchema>;
export type RequestBatchBody = z.input<typeof documentedBatchSchema>;
export type BatchCheckRequest = z.input<typeof batchCheckSchema>;
export type AckRequest = z.input<typeof ackRequestSchema>;
export type LinkIdentityRequest = z.input<typeof linkIdentitySchema>;
export type MergeRequest = z.input<typeof mergeSchema>;
export type {
  AckAnswer,
  BatchAnswer,
  BatchCheckAnswer,
  CheckAnswer,
  ExportPageAnswer,
  HealthAnswer,
  HistoryAnswer,
  OpenApiDocument,
  PersonAnswer,
  PersonChangeAnswer,
  RecordAnswer,
};

export interface ClientOptions {
  /** Where the API is: `http://localhost:3000`, `https://hooks.example.com`. */
  baseUrl: string;
  /** Sent as `x-api-key`; the routes a call uses decide the scopes it needs. */
  apiKey?: string;
  fetch?: typeof fetch;
}

/** A refusal or failure: the problem the API answered (`application/problem+json`). */
export class ProblemResponseError extends Error {
  override name = 'ProblemResponseError';
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${status} ${problem.title}: ${problem.detail}`);
  }

  /** 5xx (and 429): nothing was acknowledged, and the same request may be sent again. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}

type Json = Record<string, unknown>;

export function createClient(options: ClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const send = options.fetch ?? fetch;

  async function call<T>(method: string, path: string, body?: unknown, answered: readonly number[] = []): Promise<T> {
    const response = await send(`${base}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = (text ? JSON.parse(text) : {}) as Json;
    if (response.ok || answered.includes(response.status)) return parsed as T;
    const problem: Problem =
      typeof parsed.type === 'string' && typeof parsed.title === 'string'
        ? (parsed as Problem)
        : { type: 'about:blank', title: response.statusText, status: response.status, detail: text.slice(0, 500) };
    throw new ProblemResponseError(response.status, problem);
  }

  const segment = encodeURIComponent;
  const query = (params: Record<string, string | number | undefined>) => {
    const defined = Object.entries(params).flatMap(([name, value]): [string, string][] => (value === undefined ? [] : [[name, String(value)]]));
    return defined.length ? `?${new URLSearchParams(defined)}` : '';
  };

  return {
    /** GET /v1/suppressions/{channel}/{address}: may this address be contacted? (scope `check`) */
    check: (channel: Channel, address: string, options: { purpose?: string } = {}) =>
      call<CheckAnswer>('GET', `/v1/suppressions/${segment(channel)}/${segment(address)}${query({ purpose: options.purpose })}`),
    /** POST /v1/suppressions/check: up to 1,000 addresses (scope `check`). */
    checkBatch: (request: BatchCheckRequest) => call<BatchCheckAnswer>('POST', '/v1/suppressions/check', request),
    /** GET /v1/suppressions/{channel}: a page of changes since a cursor (scope `check`). */
    exportChanges: (channel: Channel, options: { since?: string; limit?: number } = {}) =>
      call<ExportPageAnswer>('GET', `/v1/suppressions/${segment(channel)}${query(options)}`),
    /** POST /v1/requests: record an opt-out or opt-in (scope `ingest`). */
    recordRequest: (request: RequestBody) => call<RecordAnswer>('POST', '/v1/requests', request),
    /** POST /v1/requests/batch: up to 500 requests, one result each (scope `ingest`). */
    recordRequests: (batch: RequestBatchBody) => call<BatchAnswer>('POST', '/v1/requests/batch', batch),
    /** POST /v1/acks: this integration applied these versions (scope `ack`). */
    ack: (request: AckRequest) => call<AckAnswer>('POST', '/v1/acks', request),
    /** GET /v1/people?phone=…|email=…|externalId=… (scope `admin`). */
    findPerson: (by: { phone: string } | { email: string } | { externalId: string }) => call<PersonAnswer>('GET', `/v1/people${query(by)}`),
    /** GET /v1/people/{id} (scope `admin`). */
    person: (id: string) => call<PersonAnswer>('GET', `/v1/people/${segment(id)}`),
    /** GET /v1/people/{id}/history (scope `admin`). */
    history: (id: string) => call<HistoryAnswer>('GET', `/v1/people/${segment(id)}/history`),
    /** POST /v1/people/{id}/identities (scope `admin`). */
    linkIdentity: (id: string, request: LinkIdentityRequest) => call<PersonChangeAnswer>('POST', `/v1/people/${segment(id)}/identities`, request),
    /** POST /v1/people/merge (scope `admin`). */
    merge: (request: MergeRequest) => call<PersonChangeAnswer>('POST', '/v1/people/merge', request),
    /** GET /v1/health: answered as given, whether `ok` (200) or `degraded` (503). */
    health: () => call<HealthAnswer>('GET', '/v1/health', undefined, [503]),
    /** GET /v1/openapi.json: the contract these types come from. */
    openApi: () => call<OpenApiDocument>('GET', '/v1/openapi.json'),
  };
}

export type OptoutHubClient = ReturnType<typeof createClient>;
