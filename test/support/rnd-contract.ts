import { createServer, type Server } from 'node:http';

/**
 * A contract server for the reassigned-numbers query, written from the service's documentation
 * (DNCScrub RNDBasic, https://docs.dncscrub.com/api-reference/reassigned/rnd-basic-get):
 *
 * - `GET /v1.5/Data/RNDBasic?phoneNumber=NPANXXXXXX&date=YYYYMMDD` (the date also as YYYY-MM-DD,
 *   MM/DD/YYYY or MM/DD/YY), with the API key in a `loginId` header;
 * - 200 `{ PhoneNumber, IsReassigned, HasSafeHarbor }`: IsReassigned true when the number was
 *   permanently disconnected on or after the date, false when not, null ("no data") for a date
 *   before 27 January 2021, when the database's data starts;
 * - 400 for a bad number or date, 401 for a missing or wrong key;
 * - the documented limit of 50 requests a minute, answered 429 with Retry-After beyond it.
 *
 * Tests set `disconnected` (number → YYYYMMDD) and may make a number answer 503 (`failing`).
 */
export interface RndContract {
  server: Server;
  url: string;
  queries: { phoneNumber: string | null; date: string | null }[];
  disconnected: Map<string, string>;
  failing: Set<string>;
  /** Requests allowed in the current minute before 429s. */
  perMinute: number;
  /** How many requests were answered 429. */
  limited: number;
  close(): Promise<void>;
}

export const RND_PATH = '/v1.5/Data/RNDBasic';

function yyyymmdd(date: string): string | undefined {
  let match = /^(\d{4})(\d{2})(\d{2})$/.exec(date) ?? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match) return `${match[1]}${match[2]}${match[3]}`;
  match = /^(\d{2})\/(\d{2})\/(\d{4}|\d{2})$/.exec(date);
  if (match) return `${match[3]!.length === 2 ? `20${match[3]}` : match[3]}${match[1]}${match[2]}`;
  return undefined;
}

export async function startRndContract(loginId: string): Promise<RndContract> {
  let windowStart = Date.now();
  let inWindow = 0;
  const contract = {
    queries: [] as RndContract['queries'],
    disconnected: new Map<string, string>(),
    failing: new Set<string>(),
    perMinute: 50,
    limited: 0,
  };
  const json = (response: import('node:http').ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET' || url.pathname !== RND_PATH) return json(response, 404, { Message: 'Not found' });
    if (request.headers.loginid !== loginId) return json(response, 401, { Message: 'Invalid or missing API key' });
    if (Date.now() - windowStart >= 60_000) {
      windowStart = Date.now();
      inWindow = 0;
    }
    if (++inWindow > contract.perMinute) {
      contract.limited++;
      return json(response, 429, { Message: 'Rate limit exceeded' }, { 'retry-after': '1' });
    }
    const phoneNumber = url.searchParams.get('phoneNumber');
    const rawDate = url.searchParams.get('date');
    contract.queries.push({ phoneNumber, date: rawDate });
    const date = rawDate ? yyyymmdd(rawDate) : undefined;
    if (!phoneNumber || !/^\d{10}$/.test(phoneNumber) || !date) return json(response, 400, { Message: 'Invalid phone number or date' });
    if (contract.failing.has(phoneNumber)) return json(response, 503, { Message: 'Service unavailable' });
    const disconnectedOn = contract.disconnected.get(phoneNumber);
    const IsReassigned = date < '20210127' ? null : disconnectedOn !== undefined && date <= disconnectedOn;
    return json(response, 200, { PhoneNumber: phoneNumber, IsReassigned, HasSafeHarbor: IsReassigned === false });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(contract, {
    server,
    url: `http://127.0.0.1:${port}${RND_PATH}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
