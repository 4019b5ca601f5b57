import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { httpEvent } from '../support/http-event.js';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import {
  BadRequestError,
  ConfigurationError,
  DependencyError,
  ForbiddenError,
  InvalidAddressError,
  InvalidCredentialsError,
  InvalidSignatureError,
  NotFoundError,
  UnauthenticatedError,
  type ProblemError,
} from '../../shared/core/errors.js';
import { httpHandler } from '../../shared/http/middleware.js';
import { PROBLEM_TYPE_BASE } from '../../shared/http/problem.js';
import { logger } from '../../shared/platform/logger.js';

function event(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return httpEvent('GET', '/v1/suppressions/sms/%2B14155550100', { routeKey: 'GET /v1/suppressions/{channel}/{address}', ...overrides });
}

const context = {} as Context;

let errorLog: MockInstance;
let warnLog: MockInstance;

beforeEach(() => {
  errorLog = vi.spyOn(logger, 'error').mockImplementation(() => {});
  warnLog = vi.spyOn(logger, 'warn').mockImplementation(() => {});
});

afterEach(() => {
  vi.restoreAllMocks();
});

const failures: [string, () => ProblemError, number, string, string][] = [
  ['BadRequestError', () => new BadRequestError('Missing path parameter "channel".'), 400, 'bad-request', 'The request is not valid'],
  ['InvalidAddressError', () => new InvalidAddressError('The phone number cannot be read.'), 400, 'invalid-address', 'The address cannot be normalized'],
  ['UnauthenticatedError', () => new UnauthenticatedError('Send an API key.'), 401, 'unauthenticated', 'Credentials are missing'],
  ['InvalidCredentialsError', () => new InvalidCredentialsError('The API key is not valid.'), 401, 'unauthenticated', 'Credentials are not valid'],
  [
    'InvalidSignatureError',
    () => new InvalidSignatureError('The signature does not match.'),
    403,
    'invalid-signature',
    'The request signature is missing or invalid',
  ],
  ['ForbiddenError', () => new ForbiddenError('No "check" scope.'), 403, 'forbidden', 'The credentials do not allow this'],
  ['NotFoundError', () => new NotFoundError('No such thing.'), 404, 'not-found', 'Not found'],
  ['DependencyError', () => new DependencyError('DynamoDB did not answer.'), 503, 'dependency-unavailable', 'A dependency did not answer'],
  ['ConfigurationError', () => new ConfigurationError('API_KEYS is not set.'), 500, 'misconfigured', 'The service is not configured for this request'],
];

describe('httpHandler', () => {
  describe.each(failures)('when the function throws %s', (_name, make, status, slug, title) => {
    it.each([
      [
        'throwing',
        (error: Error) => async () => {
          throw error;
        },
      ],
      ['rejecting', (error: Error) => () => Promise.reject(error)],
    ])(`answers ${status} with a problem+json document (%s)`, async (_how, wrap) => {
      const error = make();
      const response = await httpHandler(wrap(error))(event(), context);
      expect(response.statusCode).toBe(status);
      expect(response.headers?.['content-type']).toBe('application/problem+json');
      expect(response.headers?.['cache-control']).toBe('no-store');
      const body = JSON.parse(response.body!) as Record<string, unknown>;
      expect(body).toEqual({
        type: `${PROBLEM_TYPE_BASE}${slug}`,
        title,
        status,
        detail: error.detail,
        instance: '/v1/suppressions/sms/%2B14155550100',
      });
      expect(String(body.type).endsWith(`/${slug}`)).toBe(true);
    });

    it(status >= 500 ? 'logs it as an error' : 'logs it as a refusal, not an error', async () => {
      await httpHandler(async () => {
        throw make();
      })(event(), context);
      if (status >= 500) {
        expect(errorLog).toHaveBeenCalledTimes(1);
        expect(warnLog).not.toHaveBeenCalled();
      } else {
        expect(warnLog).toHaveBeenCalledTimes(1);
        expect(warnLog.mock.calls[0]?.[1]).toMatchObject({ status, problem: `${PROBLEM_TYPE_BASE}${slug}` });
        expect(errorLog).not.toHaveBeenCalled();
      }
    });
  });

  it('adds the error’s extensions to the problem document', async () => {
    const response = await httpHandler(async () => {
      throw new BadRequestError('Unknown SMS provider "x".', { knownProviders: ['twilio'] });
    })(event(), context);
    expect(JSON.parse(response.body!)).toMatchObject({ status: 400, knownProviders: ['twilio'] });
  });

  it('names a signed-token route by its template, never echoing the token', async () => {
    const token = 'k1.eyJlIjoiYW5uQGV4YW1wbGUuY29tIn0.c2VjcmV0LW1hYw';
    const response = await httpHandler(async () => {
      throw new BadRequestError('The unsubscribe link is not valid.');
    })(httpEvent('POST', `/unsubscribe/${token}`, { routeKey: 'POST /unsubscribe/{token}', pathParameters: { token } }), context);
    expect(JSON.parse(response.body!)).toMatchObject({ status: 400, instance: '/unsubscribe/{token}' });
    expect(response.body).not.toContain(token);
  });

  it('answers HEAD with the problem’s status and headers but no body', async () => {
    const response = await httpHandler(async () => {
      throw new BadRequestError('The unsubscribe link is not valid.');
    })(httpEvent('HEAD', '/unsubscribe/x', { routeKey: 'HEAD /unsubscribe/{token}' }), context);
    expect(response).toMatchObject({ statusCode: 400, body: '', headers: { 'content-type': 'application/problem+json' } });
  });

  it('omits instance when the event has no path', async () => {
    const response = await httpHandler(async () => {
      throw new NotFoundError('gone');
    })(event({ rawPath: '' }), context);
    expect(JSON.parse(response.body!)).not.toHaveProperty('instance');
  });

  it.each([
    ['an Error', new Error('ECONNREFUSED 10.0.0.5:8000 table optout-prod-preferences secret=hunter2')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'hunter2')")],
    ['an Error with a cause', new Error('outer hunter2', { cause: new Error('inner hunter2') })],
  ])('answers 500 for %s without leaking its message', async (_label, error) => {
    const response = await httpHandler(async () => {
      throw error;
    })(event(), context);
    expect(response.statusCode).toBe(500);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    const body = JSON.parse(response.body!) as Record<string, unknown>;
    expect(body).toMatchObject({ type: `${PROBLEM_TYPE_BASE}internal`, status: 500 });
    expect(typeof body.title).toBe('string');
    expect(typeof body.detail).toBe('string');
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain(error.message);
    expect(response.body).not.toContain('ECONNREFUSED');
    expect(response.body).not.toMatch(/at .*\.ts:\d+/);
    expect(errorLog).toHaveBeenCalledTimes(1);
  });

  it('answers 500 for a thrown non-Error value', async () => {
    const response = await httpHandler(async () => {
      throw 'hunter2';
    })(event(), context);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('hunter2');
  });

  it('passes a successful response through untouched', async () => {
    const ok = { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
    const fn = vi.fn(async () => ok);
    const e = event();
    const response = await httpHandler(fn)(e, context);
    expect(response).toEqual(ok);
    expect(fn).toHaveBeenCalledWith(e, context, expect.anything());
    expect(errorLog).not.toHaveBeenCalled();
    expect(warnLog).not.toHaveBeenCalled();
  });
});
