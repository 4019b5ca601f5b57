import { describe, expect, it } from 'vitest';
import { DependencyError, ForbiddenError } from '../../shared/core/errors.js';
import { jsonResponse, PROBLEM_TYPE_BASE, problemResponse, toProblem } from '../../shared/http/problem.js';

describe('toProblem', () => {
  it('maps a ProblemError to its RFC 9457 members', () => {
    expect(toProblem(new ForbiddenError('The API key does not have the "admin" scope.'), '/v1/x')).toEqual({
      type: 'https://optout-hub.dev/problems/forbidden',
      title: 'The credentials do not allow this',
      status: 403,
      detail: 'The API key does not have the "admin" scope.',
      instance: '/v1/x',
    });
  });

  it('leaves out instance when none is given', () => {
    expect(toProblem(new DependencyError('down'))).not.toHaveProperty('instance');
    expect(toProblem(new Error('x'))).not.toHaveProperty('instance');
  });

  it('adds extensions as members', () => {
    expect(toProblem(new DependencyError('down', { retryAfterSeconds: 5 }))).toMatchObject({ status: 503, retryAfterSeconds: 5 });
  });

  it.each([new Error('secret detail'), new RangeError('secret detail'), 'secret detail', undefined, null, { detail: 'secret detail', status: 418 }])(
    'maps anything else (%j) to a generic 500 without its content',
    (error) => {
      const problem = toProblem(error, '/v1/health');
      expect(problem).toMatchObject({ type: `${PROBLEM_TYPE_BASE}internal`, status: 500, instance: '/v1/health' });
      expect(JSON.stringify(problem)).not.toContain('secret detail');
      expect(problem.title.length).toBeGreaterThan(0);
      expect(problem.detail.length).toBeGreaterThan(0);
    },
  );
});

describe('problemResponse and jsonResponse', () => {
  it('serializes a problem with its status and the problem+json media type, uncached', () => {
    const problem = toProblem(new ForbiddenError('no'));
    const response = problemResponse(problem);
    expect(response).toEqual({
      statusCode: 403,
      headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
      body: JSON.stringify(problem),
    });
    expect(JSON.parse(response.body!)).toEqual(problem);
  });

  it('serializes a JSON body with its status, uncached', () => {
    expect(jsonResponse(200, { suppressed: true })).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: '{"suppressed":true}',
    });
  });
});
