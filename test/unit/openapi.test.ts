import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { openApiDocument, operations } from '../../shared/api/openapi.js';
import { routes } from '../../shared/platform/resources.js';
import { createContract } from '../support/contract.js';

/** The OpenAPI document is generated from the declared routes and the handlers' schemas. */

const document = openApiDocument();
const documented = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
const declared = routes.map((route) => `${route.method} ${route.path}`);

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and names every declared route (method and path), and nothing else', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(documented.toSorted()).toEqual(declared.toSorted());
    expect(Object.keys(operations).toSorted()).toEqual(declared.toSorted());
    expect(declared).toContain('GET /v1/openapi.json');
    expect(declared).toContain('GET /v1/docs');
    // Clients name their calls, and the reference page its anchors, by operationId.
    const ids = Object.values(document.paths).flatMap((item) => Object.values(item).map((operation) => operation.operationId));
    expect(new Set(ids).size).toBe(declared.length);
  });

  it.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))('%s says how its caller is verified', (_key, route) => {
    const operation = document.paths[route.path]![route.method.toLowerCase()]!;
    if (route.auth === 'api-key') {
      expect(operation.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
      expect(operation['x-scope']).toBe(route.scope);
      expect(operation.description).toContain(`\`${route.scope}\` scope`);
    } else {
      expect(operation.security).toEqual([]);
    }
    const parameters = (operation.parameters ?? []) as { name: string; in: string }[];
    for (const [, name] of route.path.matchAll(/\{(\w+)\}/g)) expect(parameters).toContainEqual(expect.objectContaining({ name, in: 'path' }));
  });

  it('has only schemas that compile as JSON Schema 2020-12, and every $ref resolves', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ $id: 'openapi', components: document.components }, 'openapi');
    for (const name of Object.keys(document.components.schemas)) expect(() => ajv.getSchema(`openapi#/components/schemas/${name}`), name).not.toThrow();
    const refs = [...JSON.stringify(document.paths).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((match) => match[1]!);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(document.components.schemas, ref).toHaveProperty(ref);
  });

  it('describes request bodies as the handlers read them: defaults optional, unknown fields refused', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const request = ajv.compile(document.components.schemas.Request!);
    const valid = {
      requestId: 'letter-2026-0601-17',
      kind: 'opt-out',
      channels: ['voice', 'sms'],
      subject: { phone: '+14155550100' },
      occurredAt: '2026-06-01T09:30:00-04:00',
      source: 'mail',
    };
    expect(request(valid), JSON.stringify(request.errors)).toBe(true);
    expect(request({ ...valid, color: 'blue' })).toBe(false);
    expect(request({ ...valid, channels: ['fax'] })).toBe(false);
    expect(request({ ...valid, occurredAt: 'yesterday' })).toBe(false);
  });
});

describe('the contract check the e2e tests run', () => {
  const contract = createContract(document);
  const answer = { method: 'GET', path: '/v1/suppressions/sms/%2B14155550100', status: 200, contentType: 'application/json' };
  const body = {
    channel: 'sms',
    address: '+14155550100',
    purpose: null,
    suppressed: true,
    status: 'suppressed',
    purposes: { all: 'suppressed' },
    since: '2026-06-01T13:30:00.000Z',
    eventId: 'sms.twilio.SM1',
    version: 1,
  };

  it('accepts an answer as documented', () => {
    expect(contract.violations({ ...answer, body: JSON.stringify(body) })).toEqual([]);
    expect(
      contract.violations({
        ...answer,
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'https://optout-hub.dev/problems/dependency-unavailable',
          title: 'A dependency did not answer',
          status: 503,
          detail: 'The store did not answer.',
        }),
      }),
    ).toEqual([]);
  });

  it.each([
    ['a field missing', { ...body, version: undefined }],
    ['an undocumented field', { ...body, color: 'blue' }],
    ['a wrong type', { ...body, suppressed: 'yes' }],
    ['a status outside the enum', { ...body, status: 'maybe' }],
  ])('refuses an answer with %s', (_name, changed) => {
    expect(contract.violations({ ...answer, body: JSON.stringify(changed) })).not.toEqual([]);
  });

  it('refuses an undocumented content type and a problem that is not one', () => {
    expect(contract.violations({ ...answer, contentType: 'text/html', body: '<p>ok</p>' })).not.toEqual([]);
    expect(contract.violations({ ...answer, status: 400, contentType: 'application/problem+json', body: JSON.stringify({ error: 'bad' }) })).not.toEqual([]);
    expect(contract.violations({ method: 'GET', path: '/nowhere', status: 404, contentType: 'text/plain', body: 'Not found' })).not.toEqual([]);
  });
});
