import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * The Salesforce REST API endpoints the salesforce connector uses, as Salesforce documents them,
 * holding Contacts and Leads:
 * - POST /services/oauth2/token (My Domain): OAuth 2.0 client credentials flow, form body
 *   grant_type=client_credentials, client_id, client_secret → { access_token, instance_url, token_type, … }.
 * - GET /services/data/vXX.X/query?q=<SOQL> → { totalSize, done, records, nextRecordsUrl? }, paged,
 *   and GET <nextRecordsUrl> for the next page. The SOQL this server reads is the subset the
 *   connector writes: SELECT fields FROM Contact|Lead WHERE (Field IN ('…', …) OR …) [AND IsConverted = false],
 *   with string literals escaped as SOQL requires (a stray quote is MALFORMED_QUERY). String
 *   comparison is case-insensitive, as in SOQL.
 * - PATCH /services/data/vXX.X/composite/sobjects: { allOrNone, records: [{ attributes: { type }, id, fields… }] },
 *   at most 200 records (EXCEEDED_ID_LIMIT), answered per record: [{ id, success, errors: [{ statusCode, message, fields }] }].
 * Errors are Salesforce's array of { message, errorCode }: 401 INVALID_SESSION_ID without a valid
 * token, 403 REQUEST_LIMIT_EXCEEDED past the org's request allocation.
 */

export type SObjectType = 'Contact' | 'Lead';
export interface StoredRecord {
  Id: string;
  type: SObjectType;
  fields: Record<string, unknown>;
}

export interface SalesforceOptions {
  clientId: string;
  clientSecret: string;
  /** Fields every record has (Salesforce answers INVALID_FIELD for others). */
  customFields?: string[];
  /** API requests the org may make (its rolling 24-hour allocation). */
  requestAllocation?: number;
  /** Records per query page (Salesforce: up to 2,000). */
  pageSize?: number;
  /** For the bench: a Contact is created for every email or E.164 number a query asks about and no record holds. */
  everyAddressHasAContact?: boolean;
}

export interface SalesforceServer {
  url: string;
  add(type: SObjectType, fields: Record<string, unknown>): StoredRecord;
  record(id: string): StoredRecord | undefined;
  /** Requests that reached the data API, in order. */
  calls: { method: string; path: string; records?: number }[];
  /** The next update of this record fails with this statusCode (FIELD_CUSTOM_VALIDATION_EXCEPTION, UNABLE_TO_LOCK_ROW, …). */
  failRecord(id: string, statusCode: string, times?: number): void;
  failNext(status: number, times: number, retryAfterSeconds?: number): void;
  expireSessions(): void;
  tokensIssued: number;
  close(): Promise<void>;
}

const STANDARD = ['Id', 'Email', 'Phone', 'MobilePhone', 'HomePhone', 'OtherPhone', 'HasOptedOutOfEmail', 'DoNotCall', 'IsConverted', 'LastName'];

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

class MalformedQuery extends Error {}

type Token = { kind: 'word' | 'string' | 'punct'; value: string };

function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < soql.length) {
    const character = soql[index]!;
    if (/\s/.test(character)) index++;
    else if ('(),='.includes(character)) tokens.push({ kind: 'punct', value: soql[index++]! });
    else if (character === "'") {
      let value = '';
      index++;
      for (;;) {
        if (index >= soql.length) throw new MalformedQuery('unterminated string literal');
        const next = soql[index++]!;
        if (next === "'") break;
        if (next !== '\\') {
          value += next;
          continue;
        }
        const escaped = soql[index++];
        const named: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\' };
        if (escaped === undefined || !(escaped in named)) throw new MalformedQuery('invalid escape sequence');
        value += named[escaped];
      }
      tokens.push({ kind: 'string', value });
    } else {
      const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(soql.slice(index))?.[0];
      if (!word) throw new MalformedQuery(`unexpected character ${character}`);
      tokens.push({ kind: 'word', value: word });
      index += word.length;
    }
  }
  return tokens;
}

interface Query {
  fields: string[];
  object: SObjectType;
  conditions: { field: string; values: string[] }[];
  unconvertedOnly: boolean;
}

function parse(soql: string): Query {
  const tokens = tokenize(soql);
  let at = 0;
  const next = () => tokens[at++] ?? { kind: 'punct', value: '<end>' };
  const expect = (value: string) => {
    const token = next();
    if (token.value.toUpperCase() !== value.toUpperCase()) throw new MalformedQuery(`expected ${value}, found ${token.value}`);
  };
  expect('SELECT');
  const fields: string[] = [];
  do fields.push(next().value);
  while (tokens[at]?.value === ',' && next());
  expect('FROM');
  const object = next().value;
  if (object !== 'Contact' && object !== 'Lead') throw new MalformedQuery(`sObject type '${object}' is not supported`);
  expect('WHERE');
  expect('(');
  const conditions: Query['conditions'] = [];
  for (;;) {
    const field = next().value;
    expect('IN');
    expect('(');
    const values: string[] = [];
    for (;;) {
      const literal = next();
      if (literal.kind !== 'string') throw new MalformedQuery(`expected a string literal, found ${literal.value}`);
      values.push(literal.value);
      const separator = next().value;
      if (separator === ')') break;
      if (separator !== ',') throw new MalformedQuery(`expected , or ), found ${separator}`);
    }
    conditions.push({ field, values });
    const joiner = next().value;
    if (joiner === ')') break;
    if (joiner.toUpperCase() !== 'OR') throw new MalformedQuery(`expected OR, found ${joiner}`);
  }
  let unconvertedOnly = false;
  if (at < tokens.length) {
    expect('AND');
    expect('IsConverted');
    expect('=');
    expect('false');
    unconvertedOnly = true;
  }
  if (at < tokens.length) throw new MalformedQuery(`unexpected ${tokens[at]!.value}`);
  return { fields, object, conditions, unconvertedOnly };
}

export async function startSalesforce(options: SalesforceOptions): Promise<SalesforceServer> {
  const known = new Set([...STANDARD, ...(options.customFields ?? [])]);
  const pageSize = options.pageSize ?? 2000;
  const records = new Map<string, StoredRecord>();
  const sessions = new Set<string>();
  const cursors = new Map<string, { records: StoredRecord[]; fields: string[] }>();
  const recordFailures = new Map<string, { statusCode: string; times: number }>();
  let used = 0;
  let failure: { status: number; times: number; retryAfterSeconds?: number } | undefined;
  let sequence = 0;
  let url = '';

  const state: Omit<SalesforceServer, 'url' | 'close'> = {
    add: (type, fields) => {
      const id = `${type === 'Contact' ? '003' : '00Q'}${String(++sequence).padStart(12, '0')}AAA`;
      const record: StoredRecord = {
        Id: id,
        type,
        fields: { HasOptedOutOfEmail: false, DoNotCall: false, ...(type === 'Lead' ? { IsConverted: false } : {}), ...fields },
      };
      records.set(id, record);
      return record;
    },
    record: (id) => records.get(id),
    calls: [],
    failRecord: (id, statusCode, times = 1) => recordFailures.set(id, { statusCode, times }),
    failNext: (status, times, retryAfterSeconds) => {
      failure = { status, times, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
    },
    expireSessions: () => sessions.clear(),
    tokensIssued: 0,
  };

  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    response.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers }).end(JSON.stringify(body));
  const errors = (response: ServerResponse, status: number, errorCode: string, message: string) => json(response, status, [{ message, errorCode }]);

  function token(request: IncomingMessage, body: string, response: ServerResponse) {
    if (!String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return json(response, 400, { error: 'invalid_request', error_description: 'form body expected' });
    }
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials')
      return json(response, 400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' });
    if (!same(form.get('client_id') ?? '', options.clientId) || !same(form.get('client_secret') ?? '', options.clientSecret)) {
      return json(response, 400, { error: 'invalid_client', error_description: 'invalid client credentials' });
    }
    const accessToken = `00D000000000001!${randomBytes(24).toString('base64url')}`;
    sessions.add(accessToken);
    state.tokensIssued++;
    json(response, 200, {
      access_token: accessToken,
      signature: randomBytes(16).toString('base64'),
      scope: 'api',
      instance_url: url,
      id: `${url}/id/00D000000000001/005000000000001`,
      token_type: 'Bearer',
      issued_at: String(Date.now()),
    });
  }

  const view = (record: StoredRecord, fields: string[]) => ({
    attributes: { type: record.type, url: `/services/data/v62.0/sobjects/${record.type}/${record.Id}` },
    ...Object.fromEntries(fields.map((field) => [field, field === 'Id' ? record.Id : (record.fields[field] ?? null)])),
  });

  function page(response: ServerResponse, version: string, matched: StoredRecord[], fields: string[], total: number) {
    const rest = matched.slice(pageSize);
    const body: Record<string, unknown> = {
      totalSize: total,
      done: rest.length === 0,
      records: matched.slice(0, pageSize).map((record) => view(record, fields)),
    };
    if (rest.length) {
      const locator = `01g${randomBytes(6).toString('hex')}-${pageSize}`;
      cursors.set(locator, { records: rest, fields });
      body.nextRecordsUrl = `/services/data/v${version}/query/${locator}`;
    }
    json(response, 200, body);
  }

  function query(response: ServerResponse, version: string, soql: string | null) {
    if (!soql) return errors(response, 400, 'MALFORMED_QUERY', 'q is required');
    let parsed: Query;
    try {
      parsed = parse(soql);
    } catch (error) {
      return errors(response, 400, 'MALFORMED_QUERY', error instanceof Error ? error.message : 'malformed');
    }
    const unknown = [...parsed.fields, ...parsed.conditions.map((condition) => condition.field)].find((field) => !known.has(field));
    if (unknown) return errors(response, 400, 'INVALID_FIELD', `No such column '${unknown}' on entity '${parsed.object}'.`);
    if (options.everyAddressHasAContact && parsed.object === 'Contact') {
      for (const { field, values } of parsed.conditions) {
        for (const value of values.filter((candidate) => field === 'Email' || candidate.startsWith('+'))) {
          if (![...records.values()].some((record) => record.fields[field] === value)) state.add('Contact', { LastName: 'Bench', [field]: value });
        }
      }
    }
    const matched = [...records.values()].filter(
      (record) =>
        record.type === parsed.object &&
        !(parsed.unconvertedOnly && record.fields.IsConverted === true) &&
        parsed.conditions.some(({ field, values }) => {
          const stored = record.fields[field];
          return typeof stored === 'string' && values.some((value) => value.toLowerCase() === stored.toLowerCase());
        }),
    );
    page(response, version, matched, parsed.fields, matched.length);
  }

  function update(response: ServerResponse, body: string) {
    let parsed: { allOrNone?: unknown; records?: { attributes?: { type?: string }; id?: string; [field: string]: unknown }[] };
    try {
      parsed = JSON.parse(body);
    } catch {
      return errors(response, 400, 'JSON_PARSER_ERROR', 'The request body is not JSON.');
    }
    if (!Array.isArray(parsed.records)) return errors(response, 400, 'INVALID_INPUT', 'records is required.');
    if (parsed.records.length > 200)
      return errors(response, 400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
    state.calls[state.calls.length - 1]!.records = parsed.records.length;
    const results = parsed.records.map((input) => {
      const record = input.id ? records.get(input.id) : undefined;
      if (!record || record.type !== input.attributes?.type) {
        return { success: false, errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }] };
      }
      const { attributes: _attributes, id: _id, ...fields } = input;
      const bad = Object.keys(fields).find((field) => !known.has(field));
      if (bad)
        return {
          id: record.Id,
          success: false,
          errors: [{ statusCode: 'INVALID_FIELD', message: `No such column '${bad}' on sobject of type ${record.type}`, fields: [bad] }],
        };
      if (record.type === 'Lead' && record.fields.IsConverted === true) {
        return {
          id: record.Id,
          success: false,
          errors: [{ statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead', fields: [] }],
        };
      }
      const injected = recordFailures.get(record.Id);
      if (injected && injected.times > 0) {
        injected.times--;
        return { id: record.Id, success: false, errors: [{ statusCode: injected.statusCode, message: 'The record could not be updated.', fields: [] }] };
      }
      Object.assign(record.fields, fields);
      return { id: record.Id, success: true, errors: [] };
    });
    json(response, 200, results);
  }

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = new URL(request.url ?? '/', 'http://localhost');
      if (request.method === 'POST' && target.pathname === '/services/oauth2/token') return token(request, body, response);
      const bearer = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
      if (!bearer || !sessions.has(bearer)) return errors(response, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
      if (options.requestAllocation !== undefined && ++used > options.requestAllocation) {
        return errors(response, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      }
      if (failure && failure.times > 0) {
        failure.times--;
        const headers: Record<string, string> = failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
        return json(response, failure.status, [{ message: 'Server Unavailable', errorCode: 'SERVER_UNAVAILABLE' }], headers);
      }
      state.calls.push({ method: request.method!, path: target.pathname });
      const version = /^\/services\/data\/v(\d+\.\d)\//.exec(target.pathname)?.[1];
      if (!version) return errors(response, 404, 'NOT_FOUND', 'The requested resource does not exist');
      const cursor = /^\/services\/data\/v[\d.]+\/query\/([\w-]+)$/.exec(target.pathname)?.[1];
      if (request.method === 'GET' && cursor) {
        const held = cursors.get(cursor);
        if (!held) return errors(response, 400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
        cursors.delete(cursor);
        return page(response, version, held.records, held.fields, held.records.length);
      }
      if (request.method === 'GET' && target.pathname.endsWith('/query')) return query(response, version, target.searchParams.get('q'));
      if (request.method === 'PATCH' && target.pathname.endsWith('/composite/sobjects')) return update(response, body);
      errors(response, 404, 'NOT_FOUND', 'The requested resource does not exist');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  url = `http://127.0.0.1:${port}`;
  return Object.assign(state, {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
