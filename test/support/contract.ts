import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { openApiDocument, type OpenApiDocument } from '../../shared/api/openapi.js';

/**
 * Checks HTTP answers against the OpenAPI document (GET /v1/openapi.json): the status is one the
 * operation documents (or its `default`), the content type one documented for that status, and a
 * JSON body validates against the documented JSON Schema, with ajv (JSON Schema 2020-12, OpenAPI
 * 3.1's dialect). A path no route serves must answer a problem.
 */

type MediaTypes = Record<string, { schema: Record<string, unknown> }>;
type ResponseObject = { content?: MediaTypes };
type OperationObject = { responses: Record<string, ResponseObject> };

export interface ContractAnswer {
  method: string;
  /** The request path, without the query string. */
  path: string;
  status: number;
  contentType: string | null;
  body: string;
}

export interface Contract {
  /** The reasons the answer breaks the contract; empty when it keeps it. */
  violations(answer: ContractAnswer): string[];
  /** Operations (`GET /v1/health`) answers were checked against, and how often. */
  seen: Map<string, number>;
}

interface CompiledOperation {
  key: string;
  method: string;
  pattern: RegExp;
  operation: OperationObject;
}

export function createContract(document: OpenApiDocument = openApiDocument()): Contract {
  // Formats are left to the patterns zod emits beside them; ajv knows none by itself.
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: 'openapi', components: document.components }, 'openapi');
  const validators = new Map<string, ValidateFunction>();
  const validatorFor = (schema: Record<string, unknown>): ValidateFunction => {
    const key = JSON.stringify(schema);
    let validate = validators.get(key);
    if (!validate) {
      // Refs into the components resolve against the document registered above.
      const rewritten = JSON.parse(key.replaceAll('"#/components/', '"openapi#/components/')) as Record<string, unknown>;
      validate = ajv.compile(rewritten);
      validators.set(key, validate);
    }
    return validate;
  };

  const operations: CompiledOperation[] = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      key: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '[^/]+')}$`),
      operation: operation as unknown as OperationObject,
    })),
  );
  const problem: OperationObject = {
    responses: { default: { content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } } },
  };
  const seen = new Map<string, number>();

  function violations(answer: ContractAnswer): string[] {
    const onPath = operations.filter((candidate) => candidate.pattern.test(answer.path));
    const found = onPath.find((candidate) => candidate.method === answer.method);
    const name = found?.key ?? `${answer.method} ${answer.path} (no such operation)`;
    seen.set(name, (seen.get(name) ?? 0) + 1);
    const operation = found?.operation ?? problem;
    const response = operation.responses[String(answer.status)] ?? operation.responses[`${String(answer.status)[0]}XX`] ?? operation.responses.default;
    if (!response) return [`${name}: status ${answer.status} is not documented`];
    if (answer.body === '') return [];
    const mediaType = (answer.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const media = response.content?.[mediaType];
    if (!media)
      return [
        `${name}: a ${answer.status} answer in ${mediaType || 'no content type'} is not documented (${Object.keys(response.content ?? {}).join(', ') || 'no body'})`,
      ];
    if (!/json$/.test(mediaType)) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      return [`${name}: the ${mediaType} body is not JSON`];
    }
    const validate = validatorFor(media.schema);
    if (validate(parsed)) return [];
    return (validate.errors ?? []).map(
      (error) => `${name} ${answer.status}: ${error.instancePath || '(body)'} ${error.message} ${JSON.stringify(error.params)}`,
    );
  }

  return { violations, seen };
}

let shared: Contract | undefined;

/** The operations contractFetch has checked answers of in this worker, and how often. */
export function contractSeen(): ReadonlyMap<string, number> {
  return shared?.seen ?? new Map();
}

/**
 * `fetch`, checking every answer from an origin `checked` accepts against the document: a break
 * of the contract fails the call (and so the test) with what is wrong. The answer is returned unread.
 */
export function contractFetch(checked: (origin: string) => boolean, underlying: typeof fetch = fetch): typeof fetch {
  shared ??= createContract();
  const contract = shared;
  return async (input, init) => {
    const response = await underlying(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!checked(url.origin)) return response;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const body = method === 'HEAD' ? '' : await response.clone().text();
    const problems = contract.violations({ method, path: url.pathname, status: response.status, contentType: response.headers.get('content-type'), body });
    if (problems.length) throw new Error(`The answer breaks the OpenAPI document:\n${problems.join('\n')}\n${body.slice(0, 2000)}`);
    return response;
  };
}
