import { FixedWindow, InjectedFailures, looksLikeE164, looksLikeEmail, startContractServer, type ContractAnswer } from './http-contract.js';

/**
 * Braze's REST endpoints for subscription state, as braze.com/docs/api documents them, holding the
 * workspace's state:
 *
 *   POST /email/status                { email: string | string[≤50], subscription_state: subscribed|unsubscribed|opted_in }
 *   POST /v2/subscription/status/set  { subscription_groups: [{ subscription_group_id, subscription_state: subscribed|unsubscribed,
 *                                       external_ids | emails | phones (E.164): ≤50 }] }  (emails and phones not in one request)
 *
 * Authorization: Bearer <REST API key>. Success is 201 `{"message":"success"}`; a fatal error is a
 * 4xx `{"message": "<fatal error>", "errors": [...]}`. Rate limits ("API rate limits"):
 * /subscription/status/set 5,000 requests a minute (shared by v1 and v2); /email/status is among
 * the endpoints sharing 250,000 an hour. Every answer carries X-RateLimit-Limit,
 * X-RateLimit-Remaining and X-RateLimit-Reset (UTC epoch seconds); past the limit, 429.
 */

export interface BrazeContractOptions {
  apiKey: string;
  /** The workspace's subscription groups and their channel. */
  groups: Record<string, 'email' | 'sms'>;
  /** Overrides of the documented limits, per endpoint family. */
  rateLimits?: { emailStatus?: { limit: number; windowMs: number }; subscriptionStatus?: { limit: number; windowMs: number } };
}

export type BrazeEmailState = 'subscribed' | 'unsubscribed' | 'opted_in';

export interface BrazeContract {
  url: string;
  /** Global email subscription state per address (absent: never set, which Braze treats as subscribed). */
  email: Map<string, BrazeEmailState>;
  /** Group id → address → state. */
  groups: Map<string, Map<string, 'subscribed' | 'unsubscribed'>>;
  requests: { path: string; addresses: number }[];
  /** The next `times` requests answer 429 with the window reset `resetInSeconds` away. */
  throttle(times: number, resetInSeconds: number): void;
  fail(times: number, status?: number): void;
  close(): Promise<void>;
}

const MAX_PER_CALL = 50;
const fatal = (status: number, message: string, headers: Record<string, string> = {}): ContractAnswer => ({ status, headers, body: { message, errors: [] } });

export async function startBrazeContract(options: BrazeContractOptions): Promise<BrazeContract> {
  const windows = {
    emailStatus: new FixedWindow(options.rateLimits?.emailStatus?.limit ?? 250_000, options.rateLimits?.emailStatus?.windowMs ?? 3_600_000),
    subscriptionStatus: new FixedWindow(options.rateLimits?.subscriptionStatus?.limit ?? 5000, options.rateLimits?.subscriptionStatus?.windowMs ?? 60_000),
  };
  const failures = new InjectedFailures();
  const state = {
    email: new Map<string, BrazeEmailState>(),
    groups: new Map(Object.keys(options.groups).map((id) => [id, new Map<string, 'subscribed' | 'unsubscribed'>()])),
    requests: [] as BrazeContract['requests'],
  };
  const rateHeaders = (window: FixedWindow, now: number, resetAt = window.resetsAt(now)) => ({
    'x-ratelimit-limit': String(window.limit),
    'x-ratelimit-remaining': String(window.remaining(now)),
    'x-ratelimit-reset': String(Math.ceil(resetAt / 1000)),
  });

  const server = await startContractServer((request) => {
    const now = Date.now();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const window = request.path === '/email/status' ? windows.emailStatus : windows.subscriptionStatus;
    const counted = (value: unknown) => (Array.isArray(value) ? value.length : value === undefined ? 0 : 1);
    const groupsOf = Array.isArray(body.subscription_groups) ? (body.subscription_groups as Record<string, unknown>[]) : [];
    state.requests.push({
      path: request.path,
      addresses:
        request.path === '/email/status'
          ? counted(body.email)
          : groupsOf.reduce((sum, group) => sum + counted(group.emails ?? group.phones ?? group.external_ids), 0),
    });
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) return fatal(401, 'Invalid API key');
    const injected = failures.next();
    if (injected?.status === 429) {
      return fatal(429, 'Rate limit exceeded', { ...rateHeaders(window, now, now + (injected.retryAfterSeconds ?? 1) * 1000), 'x-ratelimit-remaining': '0' });
    }
    if (injected) return fatal(injected.status, 'Internal server error');
    if (request.method !== 'POST') return fatal(404, 'Not found');
    if (!window.take(now)) return fatal(429, 'Rate limit exceeded', rateHeaders(window, now));
    const headers = rateHeaders(window, now);

    if (request.path === '/email/status') {
      const emails = typeof body.email === 'string' ? [body.email] : body.email;
      if (!Array.isArray(emails) || emails.length === 0) return fatal(400, "'email' is required", headers);
      if (emails.length > MAX_PER_CALL) return fatal(400, `'email' may hold at most ${MAX_PER_CALL} addresses`, headers);
      if (!['subscribed', 'unsubscribed', 'opted_in'].includes(String(body.subscription_state))) {
        return fatal(400, "'subscription_state' must be subscribed, unsubscribed or opted_in", headers);
      }
      if (!emails.every(looksLikeEmail)) return fatal(400, 'Invalid email address', headers);
      for (const email of emails) state.email.set(email, body.subscription_state as BrazeEmailState);
      return { status: 201, headers, body: { message: 'success' } };
    }

    if (request.path === '/v2/subscription/status/set') {
      if (groupsOf.length === 0) return fatal(400, "'subscription_groups' is required", headers);
      if (groupsOf.some((group) => group.emails !== undefined) && groupsOf.some((group) => group.phones !== undefined)) {
        return fatal(400, 'A request may not include both emails and phones', headers);
      }
      // Validate the whole request before changing anything: a fatal error applies nothing.
      for (const group of groupsOf) {
        const channel = options.groups[String(group.subscription_group_id)];
        if (!channel) return fatal(400, `Subscription group ${String(group.subscription_group_id)} not found`, headers);
        if (!['subscribed', 'unsubscribed'].includes(String(group.subscription_state)))
          return fatal(400, "'subscription_state' must be subscribed or unsubscribed", headers);
        const addresses = channel === 'sms' ? group.phones : group.emails;
        if (!Array.isArray(addresses) || addresses.length === 0)
          return fatal(400, channel === 'sms' ? "'phones' is required for an SMS subscription group" : "'emails' is required", headers);
        if (addresses.length > MAX_PER_CALL) return fatal(400, `at most ${MAX_PER_CALL} users per request`, headers);
        if (!addresses.every(channel === 'sms' ? looksLikeE164 : looksLikeEmail))
          return fatal(400, channel === 'sms' ? 'Invalid phone number' : 'Invalid email address', headers);
      }
      for (const group of groupsOf) {
        const members = state.groups.get(String(group.subscription_group_id))!;
        for (const address of (group.phones ?? group.emails) as string[]) members.set(address, group.subscription_state as 'subscribed' | 'unsubscribed');
      }
      return { status: 201, headers, body: { message: 'success' } };
    }
    return fatal(404, 'Not found', headers);
  });

  return {
    url: server.url,
    ...state,
    throttle: (times, resetInSeconds) => failures.add(times, 429, resetInSeconds),
    fail: (times, status = 503) => failures.add(times, status),
    close: server.close,
  };
}
