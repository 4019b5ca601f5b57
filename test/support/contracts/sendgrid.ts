import { FixedWindow, InjectedFailures, looksLikeEmail, startContractServer, type ContractAnswer, type ContractRequest } from './http-contract.js';

/**
 * SendGrid's v3 suppression endpoints as its API reference documents them
 * (twilio.com/docs/sendgrid/api-reference: "Suppressions - Global suppressions" and
 * "Suppressions - Suppressions"), holding the account's state:
 *
 *   POST   /v3/asm/suppressions/global                     { recipient_emails: string<email>[] } → 201 { recipient_emails }
 *   DELETE /v3/asm/suppressions/global/{email}                                                   → 204
 *   POST   /v3/asm/groups/{group_id}/suppressions          { recipient_emails }                  → 201 { recipient_emails }
 *          (a group that does not exist: the addresses go to the global suppressions, as documented)
 *   DELETE /v3/asm/groups/{group_id}/suppressions/{email}                                        → 204
 *
 * Authorization: Bearer <API key>; `on-behalf-of` is recorded. Every answer carries
 * X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (UTC epoch seconds); past the
 * limit it answers 429 `{"errors":[{"field":null,"message":"too many requests"}]}` with no
 * Retry-After, as the "Rate Limits" page shows. Errors are `{"errors":[{"field","message"}]}`.
 */

export interface SendGridContractOptions {
  apiKey: string;
  /** The unsubscribe groups the account has. */
  groups?: number[];
  /** Requests per window (SendGrid's are per endpoint and plan; the test or bench sets one). */
  rateLimit?: { limit: number; windowMs: number };
  /** Addresses one POST may carry before the server answers 400 (SendGrid documents none; a test sets one). */
  maxRecipients?: number;
}

export interface SendGridContract {
  url: string;
  /** Globally unsubscribed addresses. */
  global: Set<string>;
  /** Group id → suppressed addresses. */
  groups: Map<number, Set<string>>;
  /** Every request, in order: method, path, recipient count. */
  requests: { method: string; path: string; recipients: number; onBehalfOf?: string }[];
  /** The next `times` requests answer 429 with the window reset `resetInSeconds` away. */
  throttle(times: number, resetInSeconds: number): void;
  /** The next `times` requests answer `status` (5xx). */
  fail(times: number, status?: number): void;
  close(): Promise<void>;
}

const error = (status: number, message: string, field: string | null = null, headers: Record<string, string> = {}): ContractAnswer => ({
  status,
  headers,
  body: { errors: [{ field, message }] },
});

export async function startSendGridContract(options: SendGridContractOptions): Promise<SendGridContract> {
  const window = new FixedWindow(options.rateLimit?.limit ?? 600, options.rateLimit?.windowMs ?? 60_000);
  const failures = new InjectedFailures();
  const state = {
    global: new Set<string>(),
    groups: new Map<number, Set<string>>((options.groups ?? []).map((id) => [id, new Set<string>()])),
    requests: [] as SendGridContract['requests'],
  };

  const rateHeaders = (now: number, resetAt = window.resetsAt(now)) => ({
    'x-ratelimit-limit': String(window.limit),
    'x-ratelimit-remaining': String(window.remaining(now)),
    'x-ratelimit-reset': String(Math.ceil(resetAt / 1000)),
  });

  const recipients = (request: ContractRequest): string[] | ContractAnswer => {
    const body = request.body as { recipient_emails?: unknown } | undefined;
    if (!body || typeof body !== 'object' || !Array.isArray(body.recipient_emails) || body.recipient_emails.length === 0) {
      return error(400, 'recipient_emails is required and must be a non-empty array', 'recipient_emails');
    }
    if (options.maxRecipients !== undefined && body.recipient_emails.length > options.maxRecipients) {
      return error(400, `recipient_emails may hold at most ${options.maxRecipients} addresses`, 'recipient_emails');
    }
    const invalid = body.recipient_emails.find((email) => !looksLikeEmail(email));
    if (invalid !== undefined) return error(400, 'email address is invalid', 'recipient_emails');
    return body.recipient_emails as string[];
  };

  const server = await startContractServer((request) => {
    const now = Date.now();
    const body = request.body as { recipient_emails?: unknown[] } | undefined;
    state.requests.push({
      method: request.method,
      path: request.path,
      recipients: Array.isArray(body?.recipient_emails) ? body.recipient_emails.length : 0,
      ...(typeof request.headers['on-behalf-of'] === 'string' ? { onBehalfOf: request.headers['on-behalf-of'] } : {}),
    });
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return error(401, 'authorization required');
    }
    const injected = failures.next();
    if (injected) {
      if (injected.status === 429) {
        return error(429, 'too many requests', null, { ...rateHeaders(now, now + (injected.retryAfterSeconds ?? 1) * 1000), 'x-ratelimit-remaining': '0' });
      }
      return error(injected.status, 'internal server error');
    }
    if (!window.take(now)) return error(429, 'too many requests', null, rateHeaders(now));
    const headers = rateHeaders(now);

    const global = /^\/v3\/asm\/suppressions\/global(?:\/(.+))?$/.exec(request.path);
    const group = /^\/v3\/asm\/groups\/(\d+)\/suppressions(?:\/(.+))?$/.exec(request.path);
    if (request.method === 'POST' && global && !global[1]) {
      const emails = recipients(request);
      if (!Array.isArray(emails)) return { ...emails, headers };
      for (const email of emails) state.global.add(email);
      return { status: 201, headers, body: { recipient_emails: emails } };
    }
    if (request.method === 'DELETE' && global?.[1]) {
      state.global.delete(global[1]);
      return { status: 204, headers };
    }
    if (request.method === 'POST' && group && !group[2]) {
      const emails = recipients(request);
      if (!Array.isArray(emails)) return { ...emails, headers };
      const members = state.groups.get(Number(group[1])) ?? state.global;
      for (const email of emails) members.add(email);
      return { status: 201, headers, body: { recipient_emails: emails } };
    }
    if (request.method === 'DELETE' && group?.[2]) {
      const members = state.groups.get(Number(group[1]));
      if (!members) return error(404, 'Unsubscribe group not found', null, headers);
      members.delete(group[2]);
      return { status: 204, headers };
    }
    return error(404, 'not found', null, headers);
  });

  return {
    url: server.url,
    ...state,
    throttle: (times, resetInSeconds) => failures.add(times, 429, resetInSeconds),
    fail: (times, status = 503) => failures.add(times, status),
    close: server.close,
  };
}
