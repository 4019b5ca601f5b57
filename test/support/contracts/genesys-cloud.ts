import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * Genesys Cloud's login and outbound DNC endpoints as the Platform API documents them, holding the
 * DNC lists' numbers:
 * - POST /oauth/token (login.<region>): client credentials grant, HTTP Basic clientId:clientSecret,
 *   form body grant_type=client_credentials → { access_token, token_type: "bearer", expires_in }.
 * - POST /api/v2/outbound/dnclists/{dncListId}/phonenumbers: a JSON array of numbers to add.
 * - PATCH on the same path: { action: "Add" | "Remove", phoneNumbers, expirationDateTime? }.
 * Both need `Authorization: Bearer <token>` (401 bad.credentials otherwise) and answer 204.
 * Errors are the API's ErrorBody ({ message, code, status }); a token over its rate limit
 * (300 requests a minute for client credentials) gets 429 with Retry-After.
 */

export interface GenesysCloudOptions {
  clientId: string;
  clientSecret: string;
  /** The DNC lists that exist (internal lists the API may write). */
  dncListIds: string[];
  /** Requests per token per minute (Genesys: 300 for client credentials). */
  requestsPerMinute?: number;
  /** The most numbers one request may carry. */
  maxNumbersPerRequest?: number;
  tokenTtlSeconds?: number;
}

export interface GenesysCloudServer {
  /** Stands for both https://api.<region> and https://login.<region>. */
  url: string;
  /** The numbers a list holds. */
  numbers(dncListId: string): Set<string>;
  /** Every DNC request that reached the list, in order (after auth and rate limit). */
  requests: { method: string; count: number }[];
  tokensIssued: number;
  /** Answer 400 to any request carrying this number, as Genesys does for a number it will not store. */
  reject(number: string): void;
  /** The next `times` DNC requests get `status` (429 or 5xx), with Retry-After when given. */
  failNext(status: number, times: number, retryAfterSeconds?: number): void;
  /** Every token issued so far stops working (as when it expires or is revoked). */
  expireTokens(): void;
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const PATH = /^\/api\/v2\/outbound\/dnclists\/([^/]+)\/phonenumbers$/;

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export async function startGenesysCloud(options: GenesysCloudOptions): Promise<GenesysCloudServer> {
  const requestsPerMinute = options.requestsPerMinute ?? 300;
  const maxNumbers = options.maxNumbersPerRequest ?? 1000;
  const ttl = options.tokenTtlSeconds ?? 86_399;
  const lists = new Map(options.dncListIds.map((id) => [id, new Set<string>()]));
  const tokens = new Map<string, { expiresAt: number; windowStart: number; used: number }>();
  const rejected = new Set<string>();
  let failure: { status: number; times: number; retryAfterSeconds?: number } | undefined;

  const state: Omit<GenesysCloudServer, 'url' | 'close'> = {
    numbers: (id) => lists.get(id) ?? new Set(),
    requests: [],
    tokensIssued: 0,
    reject: (number) => rejected.add(number),
    failNext: (status, times, retryAfterSeconds) => {
      failure = { status, times, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
    },
    expireTokens: () => tokens.clear(),
  };

  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const error = (response: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) =>
    json(response, status, { message, code, status }, headers);

  function token(request: IncomingMessage, body: string, response: ServerResponse) {
    const expected = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;
    if (!same(String(request.headers.authorization ?? ''), expected)) {
      return json(response, 401, { error: 'invalid_client', description: 'client authentication failed' });
    }
    if (!String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return json(response, 400, { error: 'invalid_request', description: 'form body expected' });
    }
    if (new URLSearchParams(body).get('grant_type') !== 'client_credentials') {
      return json(response, 400, { error: 'unsupported_grant_type', description: 'grant_type must be client_credentials' });
    }
    const accessToken = randomBytes(24).toString('base64url');
    tokens.set(accessToken, { expiresAt: Date.now() + ttl * 1000, windowStart: Date.now(), used: 0 });
    state.tokensIssued++;
    json(response, 200, { access_token: accessToken, token_type: 'bearer', expires_in: ttl });
  }

  function dnc(request: IncomingMessage, body: string, response: ServerResponse, listId: string) {
    const bearer = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    const session = bearer ? tokens.get(bearer) : undefined;
    if (!session || session.expiresAt <= Date.now()) return error(response, 401, 'bad.credentials', 'Invalid login credentials.');
    const now = Date.now();
    if (now - session.windowStart >= 60_000) Object.assign(session, { windowStart: now, used: 0 });
    if (++session.used > requestsPerMinute) {
      const retryAfter = Math.max(1, Math.ceil((session.windowStart + 60_000 - now) / 1000));
      return error(response, 429, 'too.many.requests', 'Rate limit exceeded the maximum.', { 'retry-after': String(retryAfter) });
    }
    if (failure && failure.times > 0) {
      failure.times--;
      const headers: Record<string, string> = failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
      return error(response, failure.status, failure.status === 429 ? 'too.many.requests' : 'internal.server.error', 'Not now.', headers);
    }
    const list = lists.get(listId);
    if (!list) return error(response, 404, 'not.found', 'The requested DNC list was not found.');
    if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) {
      return error(response, 415, 'unsupported.media.type', 'application/json expected.');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return error(response, 400, 'bad.request', 'The request body could not be read.');
    }
    let action: 'Add' | 'Remove';
    let numbers: unknown;
    if (request.method === 'POST') {
      action = 'Add';
      numbers = parsed;
    } else {
      const patch = parsed as { action?: unknown; phoneNumbers?: unknown };
      if (patch.action !== 'Add' && patch.action !== 'Remove') return error(response, 400, 'bad.request', 'action must be Add or Remove.');
      action = patch.action;
      numbers = patch.phoneNumbers;
    }
    if (!Array.isArray(numbers) || numbers.length === 0 || numbers.some((number) => typeof number !== 'string')) {
      return error(response, 400, 'bad.request', 'A non-empty list of phone numbers is required.');
    }
    if (numbers.length > maxNumbers) return error(response, 400, 'bad.request', `At most ${maxNumbers} phone numbers per request.`);
    const invalid = (numbers as string[]).find((number) => !E164.test(number) || rejected.has(number));
    // The whole request is refused, without saying which number: the caller must find it.
    if (invalid) return error(response, 400, 'invalid.phone.number', 'The request contains an invalid phone number.');
    state.requests.push({ method: request.method!, count: numbers.length });
    for (const number of numbers as string[]) {
      if (action === 'Add') list.add(number);
      else list.delete(number);
    }
    response.writeHead(204).end();
  }

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (request.method === 'POST' && path === '/oauth/token') return token(request, body, response);
      const match = PATH.exec(path);
      if (match && (request.method === 'POST' || request.method === 'PATCH')) return dnc(request, body, response, decodeURIComponent(match[1]!));
      error(response, 404, 'not.found', 'No such resource.');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
