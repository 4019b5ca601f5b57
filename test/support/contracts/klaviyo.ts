import { randomUUID } from 'node:crypto';
import { FixedWindow, InjectedFailures, looksLikeEmail, startContractServer, type ContractAnswer, type ContractRequest } from './http-contract.js';

/**
 * Klaviyo's Bulk Suppress and Bulk Unsuppress Profiles endpoints as developers.klaviyo.com
 * documents them, holding the account's suppressions:
 *
 *   POST /api/profile-suppression-bulk-create-jobs   { data: { type: "profile-suppression-bulk-create-job",
 *                                                      attributes: { profiles: { data: [{ type: "profile", attributes: { email } }] } } } }
 *   POST /api/profile-suppression-bulk-delete-jobs   (type "profile-suppression-bulk-delete-job")
 *
 * Authorization: `Klaviyo-API-Key <private key>`; a `revision` header (YYYY-MM-DD, optionally
 * with a suffix) is required. At most 100 emails a request. Answers 202 with the job; the job is
 * completed at once here (Klaviyo runs it asynchronously). Errors are JSON:API
 * `{"errors":[{"id","status","code","title","detail","source":{"pointer"}}]}`.
 * Rate limits ("Rate limits, status codes, and errors"): per account and endpoint, a burst window
 * (1 s) and a steady window (1 min), 75/s and 750/m for these two. Answers that are not 429 carry
 * RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (seconds) for the steady window; a 429
 * carries Retry-After (seconds).
 */

export interface KlaviyoContractOptions {
  apiKey: string;
  rateLimits?: { burst: number; steady: number };
}

export interface KlaviyoContract {
  url: string;
  /** Emails suppressed by request (reason USER_SUPPRESSED). */
  suppressed: Set<string>;
  requests: { path: string; emails: number; revision?: string }[];
  /** The next `times` requests answer 429 with `Retry-After: retryAfterSeconds`. */
  throttle(times: number, retryAfterSeconds: number): void;
  fail(times: number, status?: number): void;
  close(): Promise<void>;
}

const MAX_EMAILS = 100;
const JOBS = {
  '/api/profile-suppression-bulk-create-jobs': 'profile-suppression-bulk-create-job',
  '/api/profile-suppression-bulk-delete-jobs': 'profile-suppression-bulk-delete-job',
} as const;

const problem = (status: number, code: string, title: string, detail: string, pointer?: string, headers: Record<string, string> = {}): ContractAnswer => ({
  status,
  headers,
  body: { errors: [{ id: randomUUID(), status, code, title, detail, ...(pointer ? { source: { pointer } } : {}) }] },
});

export async function startKlaviyoContract(options: KlaviyoContractOptions): Promise<KlaviyoContract> {
  const limits = { burst: options.rateLimits?.burst ?? 75, steady: options.rateLimits?.steady ?? 750 };
  const windows = new Map(
    Object.keys(JOBS).map((path) => [path, { burst: new FixedWindow(limits.burst, 1000), steady: new FixedWindow(limits.steady, 60_000) }]),
  );
  const failures = new InjectedFailures();
  const state = { suppressed: new Set<string>(), requests: [] as KlaviyoContract['requests'] };

  const emailsOf = (request: ContractRequest, type: string): string[] | ContractAnswer => {
    const data = (request.body as { data?: { type?: unknown; attributes?: { profiles?: { data?: unknown } } } } | undefined)?.data;
    if (!data || data.type !== type) return problem(400, 'invalid', 'Invalid input.', `'type' must be '${type}'`, '/data/type');
    const list = data.attributes?.profiles?.data;
    if (!Array.isArray(list) || list.length === 0) return problem(400, 'invalid', 'Invalid input.', "'profiles' is required", '/data/attributes/profiles/data');
    if (list.length > MAX_EMAILS)
      return problem(400, 'invalid', 'Invalid input.', `At most ${MAX_EMAILS} profiles may be given`, '/data/attributes/profiles/data');
    for (const [index, profile] of list.entries()) {
      const entry = profile as { type?: unknown; attributes?: { email?: unknown } };
      if (entry.type !== 'profile' || !looksLikeEmail(entry.attributes?.email)) {
        return problem(400, 'invalid', 'Invalid input.', 'Invalid email address', `/data/attributes/profiles/data/${index}/attributes/email`);
      }
    }
    return list.map((profile) => (profile as { attributes: { email: string } }).attributes.email);
  };

  const server = await startContractServer((request) => {
    const now = Date.now();
    const list = (request.body as { data?: { attributes?: { profiles?: { data?: unknown } } } } | undefined)?.data?.attributes?.profiles?.data;
    const revision = typeof request.headers.revision === 'string' ? request.headers.revision : undefined;
    state.requests.push({ path: request.path, emails: Array.isArray(list) ? list.length : 0, ...(revision ? { revision } : {}) });
    if (request.headers.authorization !== `Klaviyo-API-Key ${options.apiKey}`) {
      return problem(401, 'not_authenticated', 'Authentication credentials were not provided.', 'Missing or invalid private key.');
    }
    if (!revision || !/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(revision))
      return problem(400, 'invalid', 'Invalid input.', "A valid 'revision' header is required.");
    const job = JOBS[request.path as keyof typeof JOBS];
    if (request.method !== 'POST' || !job) return problem(404, 'not_found', 'Not found.', 'Not found.');
    const injected = failures.next();
    if (injected?.status === 429) {
      return problem(429, 'throttled', 'Request was throttled.', 'Request was throttled.', undefined, {
        'retry-after': String(injected.retryAfterSeconds ?? 1),
      });
    }
    if (injected) return problem(injected.status, 'error', 'A server error occurred.', 'A server error occurred.');
    const { burst, steady } = windows.get(request.path)!;
    if (!burst.take(now) || !steady.take(now)) {
      const until = Math.max(1, Math.ceil(((burst.remaining(now) === 0 ? burst.resetsAt(now) : steady.resetsAt(now)) - now) / 1000));
      return problem(429, 'throttled', 'Request was throttled.', `Request was throttled. Expected available in ${until} second(s).`, undefined, {
        'retry-after': String(until),
      });
    }
    const headers = {
      'ratelimit-limit': String(steady.limit),
      'ratelimit-remaining': String(steady.remaining(now)),
      'ratelimit-reset': String(Math.ceil((steady.resetsAt(now) - now) / 1000)),
    };
    const emails = emailsOf(request, job);
    if (!Array.isArray(emails)) return { ...emails, headers };
    for (const email of emails) {
      if (job === 'profile-suppression-bulk-create-job') state.suppressed.add(email);
      else state.suppressed.delete(email);
    }
    const at = new Date(now).toISOString();
    return {
      status: 202,
      headers: { ...headers, 'content-type': 'application/vnd.api+json' },
      body: {
        data: {
          type: job,
          id: randomUUID(),
          attributes: { status: 'completed', created_at: at, total_count: emails.length, completed_count: emails.length, skipped_count: 0, completed_at: at },
          links: { self: `${request.path}/${randomUUID()}` },
        },
      },
    };
  });

  return {
    url: server.url,
    ...state,
    throttle: (times, retryAfterSeconds) => failures.add(times, 429, retryAfterSeconds),
    fail: (times, status = 503) => failures.add(times, status),
    close: server.close,
  };
}
