import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';

/**
 * Five9's Configuration Web Services (SOAP 1.1, namespace http://service.admin.ws.five9.com/) as
 * the Configuration Web Services guide documents them, for the DNC list:
 * - POST <endpoint> with HTTP Basic auth of an administrator (401 otherwise), `SOAPAction: ""`,
 *   a text/xml envelope whose Body holds one `ser:<method>` element;
 * - addNumbersToDnc (numbers*) → return: how many were added. An "upload" request: at most
 *   50,000 numbers (ImportSizeLimitExceededFault), 20 a minute, 400 an hour, 2,000 a day, and
 *   only in the upload window, 11 PM to 6 AM Pacific (the guide says "an exception" without naming
 *   it; this server answers ExecutionRestrictionFault);
 * - removeNumbersFromDnc (numbers*) → return 0. A "modify" request: 140 a minute, 7,200 an hour;
 * - getCallCountersState → the limits and counts per period (60, 3600, 86400 seconds);
 * - a request past a limit gets OperationsLimitExceededFault (limit, operationType);
 * - a number that is neither 10 digits nor 011 + an international number gets IncorrectArgumentFault
 *   naming it, and the request changes nothing;
 * - a second request with the same credentials while one is running gets SessionClosedFault.
 * Faults are SOAP 1.1 faults on HTTP 500.
 */

export interface Five9Options {
  username: string;
  password: string;
  /** Per operation type and period: [per minute, per hour, per day]. */
  limits?: { Upload?: [number, number, number]; Modify?: [number, number, number] };
  maxRecordsPerUpload?: number;
  /** When addNumbersToDnc is accepted; null: always. */
  addWindow?: { timeZone: string; from: string; to: string } | null;
  /** Milliseconds each request takes, so concurrent requests overlap. */
  latencyMs?: number;
}

export interface Five9Server {
  endpoint: string;
  /** The domain's DNC list, as Five9 writes numbers (10 digits, or 011…). */
  dnc: Set<string>;
  /** The requests that reached a method, in order: method and how many numbers. */
  calls: { method: string; count: number }[];
  faults: string[];
  reject(number: string): void;
  /** The next `times` requests get this HTTP status (429 with Retry-After, 503), before any SOAP processing. */
  failNext(status: number, times: number, retryAfterSeconds?: number): void;
  close(): Promise<void>;
}

const NUMBER = /^(\d{10}|011[1-9]\d{6,14})$/;
const PERIODS = [60, 3600, 86_400] as const;

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function insideWindow(window: { timeZone: string; from: string; to: string }, now: Date): boolean {
  const [hour, minute] = new Intl.DateTimeFormat('en-GB', { timeZone: window.timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' })
    .format(now)
    .split(':')
    .map(Number);
  const at = hour! * 60 + minute!;
  const clock = (value: string) => Number(value.slice(0, 2)) * 60 + Number(value.slice(3));
  const [from, to] = [clock(window.from), clock(window.to)];
  return from <= to ? at >= from && at < to : at >= from || at < to;
}

const envelope = (inner: string) =>
  `<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Header/><env:Body>${inner}</env:Body></env:Envelope>`;

export async function startFive9(options: Five9Options): Promise<Five9Server> {
  const limits = { Upload: options.limits?.Upload ?? [20, 400, 2000], Modify: options.limits?.Modify ?? [140, 7200, 172_800] };
  const maxRecords = options.maxRecordsPerUpload ?? 50_000;
  const addWindow = options.addWindow === undefined ? { timeZone: 'America/Los_Angeles', from: '23:00', to: '06:00' } : options.addWindow;
  const counts = new Map<string, number>();
  const rejected = new Set<string>();
  let inFlight = 0;
  let failure: { status: number; times: number; retryAfterSeconds?: number } | undefined;
  const state: Omit<Five9Server, 'endpoint' | 'close'> = {
    dnc: new Set(),
    calls: [],
    faults: [],
    reject: (number) => rejected.add(number),
    failNext: (status, times, retryAfterSeconds) => {
      failure = { status, times, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
    },
  };

  const reply = (response: ServerResponse, status: number, inner: string) =>
    response.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' }).end(envelope(inner));
  const fault = (response: ServerResponse, name: string, message: string, fields = '') => {
    state.faults.push(name);
    reply(
      response,
      500,
      `<env:Fault><faultcode>env:Server</faultcode><faultstring>${message}</faultstring><detail><ns2:${name} xmlns:ns2="http://service.admin.ws.five9.com/"><message>${message}</message>${fields}</ns2:${name}></detail></env:Fault>`,
    );
  };
  const counterKey = (type: string, period: number, now: number) => `${type}:${period}:${Math.floor(now / (period * 1000))}`;

  /** Counts a request of this type; the exceeded limit when one is. */
  function count(type: 'Upload' | 'Modify'): number | undefined {
    const now = Date.now();
    const exceeded = PERIODS.findIndex((period, index) => (counts.get(counterKey(type, period, now)) ?? 0) >= limits[type][index]!);
    if (exceeded >= 0) return limits[type][exceeded];
    for (const period of PERIODS) counts.set(counterKey(type, period, now), (counts.get(counterKey(type, period, now)) ?? 0) + 1);
    return undefined;
  }

  function counters(): string {
    const now = Date.now();
    return PERIODS.map(
      (period, index) =>
        `<return>${(['Upload', 'Modify'] as const)
          .map(
            (type) =>
              `<callCounterStates><limit>${limits[type][index]}</limit><operationType>${type}</operationType><value>${counts.get(counterKey(type, period, now)) ?? 0}</value></callCounterStates>`,
          )
          .join('')}<timeout>${period}</timeout></return>`,
    ).join('');
  }

  function handle(body: string, response: ServerResponse) {
    const method = /<soapenv:Body>\s*<ser:(\w+)/.exec(body)?.[1] ?? /<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)/.exec(body)?.[1];
    if (!method || !body.includes('http://service.admin.ws.five9.com/')) return fault(response, 'IncorrectArgumentFault', 'Unreadable request.');
    const numbers = [...body.matchAll(/<numbers>([^<]*)<\/numbers>/g)].map((match) => match[1]!);
    if (method === 'getCallCountersState')
      return reply(
        response,
        200,
        `<ns2:getCallCountersStateResponse xmlns:ns2="http://service.admin.ws.five9.com/">${counters()}</ns2:getCallCountersStateResponse>`,
      );
    if (method !== 'addNumbersToDnc' && method !== 'removeNumbersFromDnc') return fault(response, 'IncorrectArgumentFault', `Unknown method ${method}.`);
    const type = method === 'addNumbersToDnc' ? 'Upload' : 'Modify';
    const limit = count(type);
    if (limit !== undefined) {
      return fault(
        response,
        'OperationsLimitExceededFault',
        `Limit of ${limit} requests exceeded.`,
        `<limit>${limit}</limit><operationType>${type}</operationType>`,
      );
    }
    if (type === 'Upload' && numbers.length > maxRecords) {
      return fault(response, 'ImportSizeLimitExceededFault', 'Too many records.', `<limit>${maxRecords}</limit><recordsCount>${numbers.length}</recordsCount>`);
    }
    if (type === 'Upload' && addWindow && !insideWindow(addWindow, new Date())) {
      return fault(response, 'ExecutionRestrictionFault', 'DNC numbers can be imported only from 11:00 PM to 6:00 AM Pacific Time.');
    }
    const invalid = numbers.find((number) => !NUMBER.test(number) || rejected.has(number));
    if (invalid !== undefined) {
      return fault(
        response,
        'IncorrectArgumentFault',
        `Number ${invalid} must either be 10 digits for dialing within North America or begin with 011 for International number.`,
      );
    }
    state.calls.push({ method, count: numbers.length });
    let added = 0;
    for (const number of numbers) {
      if (type === 'Upload') {
        if (!state.dnc.has(number)) added++;
        state.dnc.add(number);
      } else state.dnc.delete(number);
    }
    reply(
      response,
      200,
      `<ns2:${method}Response xmlns:ns2="http://service.admin.ws.five9.com/"><return>${type === 'Upload' ? added : 0}</return></ns2:${method}Response>`,
    );
  }

  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      if (request.method !== 'POST' || !request.url?.startsWith('/wsadmin/')) return response.writeHead(404).end();
      if (!same(String(request.headers.authorization ?? ''), expected)) return response.writeHead(401, { 'www-authenticate': 'Basic realm="Five9"' }).end();
      if (!String(request.headers['content-type'] ?? '').startsWith('text/xml') || request.headers.soapaction === undefined) {
        return response.writeHead(415).end();
      }
      if (failure && failure.times > 0) {
        failure.times--;
        const headers: Record<string, string> = failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
        return response.writeHead(failure.status, headers).end();
      }
      if (inFlight > 0) return fault(response, 'SessionClosedFault', 'Session closed: another session was started with the same credentials.');
      inFlight++;
      try {
        if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
        handle(Buffer.concat(chunks).toString('utf8'), response);
      } finally {
        inFlight--;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(state, {
    endpoint: `http://127.0.0.1:${port}/wsadmin/v13/AdminWebService`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
