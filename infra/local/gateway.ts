import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BadRequestError, NotFoundError, ProblemError } from '../../shared/core/errors.js';
import { problemHeaders, problemInstance, problemResponse, toProblem } from '../../shared/http/problem.js';
import type { RouteDeclaration } from '../../shared/platform/resources.js';

/**
 * A stand-in for API Gateway (HTTP API, payload format 2.0): it matches the declared routes and
 * hands each request to the same handler Lambda would run, as the same event shape.
 */

export type HttpFunction = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** API Gateway's own payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Bodies API Gateway passes as text; anything else arrives base64-encoded. */
const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|problem\+json)|multipart\/form-data)/i;

interface CompiledRoute {
  route: RouteDeclaration;
  pattern: RegExp;
  names: string[];
}

function compile(route: RouteDeclaration): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_match, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), names };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequestError('The request body is larger than 10 MiB.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toEvent(request: IncomingMessage, body: Buffer, compiled: CompiledRoute, match: RegExpExecArray, url: URL): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && name !== 'cookie') headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const contentType = headers['content-type'] ?? '';
  const isText = body.length === 0 || TEXT_TYPES.test(contentType);
  const now = new Date();
  const routeKey = `${compiled.route.method} ${compiled.route.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    cookies: request.headers.cookie?.split(/;\s*/),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: compiled.names.length ? Object.fromEntries(compiled.names.map((name, i) => [name, match[i + 1]!])) : undefined,
    body: body.length ? (isText ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: !isText,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!,
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
  };
}

function send(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) response.setHeader('set-cookie', result.cookies);
  const body = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  // As API Gateway does: a length rather than chunks. HEAD's empty body is not the length of what GET would send, so it gets none.
  if (response.req?.method !== 'HEAD' && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) {
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(body);
}

/** The request target as a URL, or a 400: `http://:99999/`, `http://[::1/` and `http://%zz/` do not parse. */
function requestUrl(request: IncomingMessage): URL {
  try {
    return new URL(request.url ?? '/', 'http://localhost');
  } catch {
    throw new BadRequestError('The request target is not a valid URL.');
  }
}

/** A method the path has no route for: 405 naming the ones it has (RFC 9110 §15.5.6). */
class MethodNotAllowedError extends ProblemError {
  readonly status = 405;
  readonly slug = 'method-not-allowed';
  readonly title = 'The method is not allowed here';
}

export function createGateway(routes: readonly RouteDeclaration[], resolveHandler: (route: RouteDeclaration) => HttpFunction): Server {
  const compiled = routes.map(compile);
  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let instance: string | undefined;
    try {
      const url = requestUrl(request);
      const onPath = compiled.map((candidate) => ({ candidate, match: candidate.pattern.exec(url.pathname) })).filter(({ match }) => match !== null);
      // A signed-token path carries its credential: name it by its template (shared/http/problem.ts).
      instance = problemInstance(onPath[0]?.candidate.route, url.pathname);
      const body = await readBody(request);
      const found = onPath.find(({ candidate }) => candidate.route.method === request.method);
      if (found) {
        const event = toEvent(request, body, found.candidate, found.match!, url);
        const result = await resolveHandler(found.candidate.route)(
          event,
          lambdaContext(found.candidate.route.function, 30_000, event.requestContext.requestId),
        );
        send(response, result);
        return;
      }
      if (onPath.length) {
        const allow = [...new Set(onPath.map(({ candidate }) => candidate.route.method))].join(', ');
        throw new MethodNotAllowedError(`${request.method} is not allowed on this path; it allows ${allow}.`).withHeader('allow', allow);
      }
      // Neither the detail nor `instance` names the path: an unmatched one may still carry a
      // credential or an address (an unsubscribe link with a segment too many), and it is the
      // caller's own input. API Gateway's 404 does not name it either.
      instance = undefined;
      throw new NotFoundError('No route serves this path.');
    } catch (error) {
      if (!(error instanceof ProblemError)) console.error('local gateway: handler failed', error);
      send(response, problemResponse(toProblem(error, instance), problemHeaders(error)));
    }
  }
  return createServer((request, response) => {
    // Whatever fails, the request is answered and the process stays up (it also runs DynamoDB Local).
    answer(request, response).catch((error: unknown) => {
      console.error('local gateway: could not answer', error);
      if (!response.headersSent) send(response, problemResponse(toProblem(error)));
      else response.destroy();
    });
  });
}
