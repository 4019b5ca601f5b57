import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';

/**
 * A receiver of optout-hub's `webhook` connector, as an integrator would write one from the
 * Standard Webhooks spec: it verifies every request with the official `standardwebhooks` library
 * (signature and the 5-minute timestamp tolerance) and answers as the test sets it to.
 */

export type ReceiverMode =
  | { kind: 'ok' }
  /** 503 with Retry-After (seconds): a vendor down for a while. */
  | { kind: 'down'; retryAfterSeconds: number }
  /** 429 with Retry-After for the next `times` requests, then ok. */
  | { kind: 'throttle'; retryAfterSeconds: number; times: number };

export interface WebhookReceiver {
  url: string;
  /** Verified messages, in arrival order (duplicates included). */
  received: { id: string; body: Record<string, unknown> }[];
  /** Requests refused for a bad signature. */
  forged: number;
  /** Requests answered 429 or 503. */
  deferred: number;
  setMode(mode: ReceiverMode): void;
  /** Answer 422 to any message about this address. */
  refuse(address: string): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const verifier = new Webhook(secret);
  let mode: ReceiverMode = { kind: 'ok' };
  const refused = new Set<string>();
  const receiver: Omit<WebhookReceiver, 'url' | 'close'> & { url?: string } = {
    received: [],
    forged: 0,
    deferred: 0,
    setMode: (next) => {
      mode = next;
    },
    refuse: (address) => refused.add(address),
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const payload = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown>;
      try {
        body = verifier.verify(payload, request.headers as Record<string, string>) as Record<string, unknown>;
      } catch {
        receiver.forged++;
        response.writeHead(401).end();
        return;
      }
      if (mode.kind === 'down' || (mode.kind === 'throttle' && mode.times > 0)) {
        if (mode.kind === 'throttle') mode.times--;
        receiver.deferred++;
        response.writeHead(mode.kind === 'down' ? 503 : 429, { 'retry-after': String(mode.retryAfterSeconds) }).end();
        return;
      }
      if (refused.has(String(body.address))) {
        response.writeHead(422, { 'content-type': 'application/json' }).end('{"error":"address not accepted"}');
        return;
      }
      receiver.received.push({ id: String(request.headers['webhook-id']), body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/optout-hub`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  }) as WebhookReceiver;
}
