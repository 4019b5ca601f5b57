import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * The plumbing the vendor contract servers share: a local HTTP server, JSON bodies, fixed-window
 * rate limits as vendors document them, and the failures a test asks for (429s, 5xx). Each vendor's
 * own file holds its paths, authentication, body checks, limits and state.
 */

export interface ContractRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body; undefined when there was none; the raw text when it was not JSON. */
  body: unknown;
  rawBody: string;
}

export interface ContractAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ContractServer {
  url: string;
  close(): Promise<void>;
}

export async function startContractServer(handle: (request: ContractRequest) => ContractAnswer | Promise<ContractAnswer>): Promise<ContractServer> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      if (rawBody) {
        try {
          body = JSON.parse(rawBody);
        } catch {
          body = rawBody;
        }
      }
      const url = new URL(request.url ?? '/', 'http://contract');
      let answer: ContractAnswer;
      try {
        answer = await handle({ method: request.method ?? 'GET', path: decodeURIComponent(url.pathname), headers: request.headers, body, rawBody });
      } catch (error) {
        answer = { status: 500, body: { error: error instanceof Error ? error.message : String(error) } };
      }
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
      response.writeHead(answer.status, { ...(text ? { 'content-type': 'application/json' } : {}), ...answer.headers });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A fixed window of `limit` requests per `windowMs`, as SendGrid, Braze and Klaviyo describe theirs. */
export class FixedWindow {
  private windowStart = 0;
  private used = 0;
  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts one request; false when the window is spent. */
  take(now = Date.now()): boolean {
    this.roll(now);
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  remaining(now = Date.now()): number {
    this.roll(now);
    return Math.max(0, this.limit - this.used);
  }

  /** When the current window ends, in milliseconds since the epoch. */
  resetsAt(now = Date.now()): number {
    this.roll(now);
    return this.windowStart + this.windowMs;
  }

  private roll(now: number) {
    if (now >= this.windowStart + this.windowMs) {
      this.windowStart = now - (now % this.windowMs);
      this.used = 0;
    }
  }
}

/** Failures a test queues: the next `times` requests answered with `status` (429 or 5xx). */
export class InjectedFailures {
  private queue: { status: number; retryAfterSeconds?: number }[] = [];

  add(times: number, status: number, retryAfterSeconds?: number) {
    for (let index = 0; index < times; index++) this.queue.push({ status, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) });
  }

  next(): { status: number; retryAfterSeconds?: number } | undefined {
    return this.queue.shift();
  }
}

/** A syntactic email check of the kind vendors apply (`string<email>`): one @, a dotted domain, no spaces. */
export function looksLikeEmail(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 254 && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(value) && !value.includes('..');
}

/** E.164: a plus and 8 to 15 digits, the first not zero. */
export function looksLikeE164(value: unknown): value is string {
  return typeof value === 'string' && /^\+[1-9]\d{7,14}$/.test(value);
}
