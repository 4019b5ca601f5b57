import { randomBytes } from 'node:crypto';
import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUnsubscribeHandler } from '../../functions/unsubscribe.js';
import { createGateway } from '../../infra/local/gateway.js';
import { createUnsubscribeToken, parseTokenKeys } from '../../shared/intake/email/tokens.js';
import { routes } from '../../shared/platform/resources.js';
import { getSuppression } from '../../shared/store/suppressions.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';

/**
 * /unsubscribe/{token} through the local gateway, as mail scanners reach it: HEAD and OPTIONS
 * probes, and bursts of them on kept-alive connections, each answered and none writing.
 */

const KEYS = `k1:${randomBytes(32).toString('base64')}`;
let stack: TestStack;
let server: Server;
let base: string;
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

beforeAll(async () => {
  stack = await createTestStack();
  Object.assign(process.env, stack.environment, { UNSUBSCRIBE_TOKEN_KEYS: KEYS, PURPOSES: 'newsletter' });
  const handler = createUnsubscribeHandler(stack.store);
  server = createGateway(
    routes.filter((route) => route.function === 'unsubscribe'),
    () => handler,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  agent.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${base}${path}`, { method, agent, headers }, (incoming) => {
      let body = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => {
        body += chunk;
      });
      incoming.on('end', () => resolve({ status: incoming.statusCode!, headers: incoming.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

const address = () => `u${randomBytes(5).toString('hex')}@example.com`;
const linkFor = (email: string) => `/unsubscribe/${createUnsubscribeToken(parseTokenKeys(KEYS), email, 'newsletter')}`;

describe('/unsubscribe/{token} through the local gateway', () => {
  it('answers HEAD like GET, without a body and without a write', async () => {
    const email = address();
    const link = linkFor(email);
    const get = await send('GET', link, { accept: 'text/html' });
    const head = await send('HEAD', link, { accept: 'text/html' });
    expect(get.status).toBe(200);
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['cache-control']).toBe('no-store');
    expect(head.headers['referrer-policy']).toBe('no-referrer');
    expect(head.headers.connection).not.toBe('close');
    expect(await getSuppression(stack.store, 'email', email)).toBeUndefined();
  });

  it('answers HEAD of a bad link with the 400 a GET gets, without a body', async () => {
    const head = await send('HEAD', '/unsubscribe/k1.not.valid');
    expect(head.status).toBe(400);
    expect(head.headers['content-type']).toBe('application/problem+json');
    expect(head.body).toBe('');
  });

  it('answers OPTIONS with 204 and the methods the link takes', async () => {
    const options = await send('OPTIONS', linkFor(address()));
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
    expect(options.body).toBe('');
  });

  it('answers a burst of 40 concurrent GET and HEAD on kept-alive connections, every one, writing nothing', async () => {
    const email = address();
    const link = linkFor(email);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => send(i % 2 ? 'HEAD' : 'GET', link, { accept: 'text/html' })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(40).fill(200));
    for (const [i, answer] of answers.entries()) {
      expect(answer.headers.connection).not.toBe('close');
      if (i % 2) expect(answer.body).toBe('');
      else expect(answer.body).toContain('Unsubscribe');
    }
    expect(await getSuppression(stack.store, 'email', email)).toBeUndefined();
  });

  it('answers another method with 405 naming the four, and no token in the problem', async () => {
    const link = linkFor(address());
    const answer = await send('DELETE', link);
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
    expect(answer.body).not.toContain(link.slice('/unsubscribe/'.length));
  });
});
