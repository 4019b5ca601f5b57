import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../infra/local/gateway.js';
import type { RouteDeclaration } from '../../shared/platform/resources.js';

/** The local gateway of `npm start`, spoken to over a raw socket as a scanner or a broken client would. */

const routes: RouteDeclaration[] = [
  { method: 'GET', path: '/v1/health', function: 'health', auth: 'none' },
  { method: 'GET', path: '/unsubscribe/{token}', function: 'unsubscribe', auth: 'signed-token' },
  { method: 'POST', path: '/unsubscribe/{token}', function: 'unsubscribe', auth: 'signed-token' },
];

let server: Server;
let port: number;

beforeAll(async () => {
  server = createGateway(routes, () => async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends `head` (request line and headers) as is and resolves with everything the server answers until it closes. */
function raw(head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head}\r\nhost: localhost\r\nconnection: close\r\n\r\n`));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;

describe('local gateway', () => {
  it.each(['GET http://:99999/v1/health HTTP/1.1', 'GET http://[::1/v1/health HTTP/1.1', 'GET http://%zz/v1/health HTTP/1.1'])(
    'answers the odd request line %j with 400 problem+json and keeps running',
    async (line) => {
      const answer = await raw(line);
      expect(statusOf(answer)).toBe(400);
      expect(answer).toMatch(/content-type: application\/problem\+json/i);
      expect(bodyOf(answer)).toMatchObject({ status: 400, title: 'The request is not valid' });
      // Still serving.
      expect(statusOf(await raw('GET /v1/health HTTP/1.1'))).toBe(200);
    },
  );

  it('answers a method the path has no route for with 405 and an Allow header', async () => {
    const answer = await raw('DELETE /unsubscribe/k1.secret-token.mac HTTP/1.1');
    expect(statusOf(answer)).toBe(405);
    expect(answer).toMatch(/\r\nallow: GET, POST\r\n/i);
    const problem = bodyOf(answer);
    expect(problem).toMatchObject({ status: 405, type: 'https://optout-hub.dev/problems/method-not-allowed' });
    // The token in the path is a credential: never echoed.
    expect(JSON.stringify(problem)).not.toContain('secret-token');
    expect(problem.instance).toBe('/unsubscribe/{token}');
  });

  it('still answers an unknown path with 404', async () => {
    const answer = await raw('GET /nowhere HTTP/1.1');
    expect(statusOf(answer)).toBe(404);
    expect(answer).toMatch(/content-type: application\/problem\+json/i);
    expect(bodyOf(answer)).toMatchObject({ status: 404, type: 'https://optout-hub.dev/problems/not-found' });
  });

  it.each(['/unsubscribe/k1.secret-token.mac/extra', '/v1/suppressions/sms/%2B14155550100/extra'])(
    'answers the unmatched path %j with a 404 that does not echo it',
    async (path) => {
      const answer = await raw(`GET ${path} HTTP/1.1`);
      expect(statusOf(answer)).toBe(404);
      const problem = bodyOf(answer);
      expect(problem).not.toHaveProperty('instance');
      expect(answer).not.toContain('secret-token');
      expect(answer).not.toContain('14155550100');
      expect(answer).not.toContain('/extra');
    },
  );
});
