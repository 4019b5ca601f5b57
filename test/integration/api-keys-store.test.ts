import { ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, findApiKey, listApiKeys, recordApiKeyUse, revokeApiKey, type ApiKeyStore } from '../../shared/store/api-keys.js';
import { InvalidCredentialsError, NotFoundError } from '../../shared/core/errors.js';
import { authenticate } from '../../shared/http/authenticate.js';
import { httpEvent } from '../support/http-event.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';

/** Keys issued into the api-keys table: stored hashed, checked by handlers and by the authorizer. */

let stack: TestStack;
let keyStore: ApiKeyStore;
let requests: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
let authorizer: (event: APIGatewayRequestAuthorizerEventV2) => Promise<{ isAuthorized: boolean; context?: Record<string, string> }>;

beforeAll(async () => {
  stack = await createTestStack();
  Object.assign(process.env, stack.environment, { API_KEYS: 'bootstrap:bootstrap-secret:admin' });
  keyStore = { documents: stack.store.documents, table: stack.resources.tables.apiKeys.name };
  ({ handler: requests } = (await import('../../functions/requests.js')) as unknown as { handler: typeof requests });
  ({ handler: authorizer } = (await import('../../functions/authorizer.js')) as unknown as { handler: typeof authorizer });
});

function request(key: string | undefined, authorizerContext?: Record<string, string>): APIGatewayProxyEventV2 {
  const base = httpEvent('POST', '/v1/requests');
  const phone = `+1415555${String(randomBytes(2).readUInt16BE() % 10_000).padStart(4, '0')}`;
  return {
    ...base,
    headers: { ...base.headers, 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({
      requestId: randomBytes(6).toString('hex'),
      kind: 'opt-out',
      channels: ['sms'],
      subject: { phone },
      occurredAt: new Date(Date.now() - 1000).toISOString(),
      source: 'crm',
    }),
    requestContext: {
      ...base.requestContext,
      timeEpoch: Date.now(),
      ...(authorizerContext ? { authorizer: { lambda: authorizerContext } } : {}),
    } as APIGatewayProxyEventV2['requestContext'],
  };
}

const authorizerEvent = (routeKey: string, key?: string) =>
  ({
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn',
    identitySource: [],
    routeKey,
    rawPath: '/',
    rawQueryString: '',
    headers: key ? { 'X-Api-Key': key } : {},
    requestContext: {},
  }) as unknown as APIGatewayRequestAuthorizerEventV2;

describe('API keys in the store', () => {
  it('stores only the hash: the key shown at creation appears nowhere in the table', async () => {
    const created = await createApiKey(keyStore, { name: 'crm', scopes: ['ingest', 'check'] });
    expect(created.key).toMatch(/^ohk_[0-9a-f]{16}_/);
    const { Items = [] } = await stack.store.documents.send(new ScanCommand({ TableName: keyStore.table }));
    const raw = JSON.stringify(Items);
    expect(raw).toContain(created.id);
    expect(raw).not.toContain(created.key);
    expect(raw).not.toContain(created.key.split('_').pop());
    expect(await findApiKey(keyStore, created.key)).toMatchObject({ id: created.id, scopes: ['ingest', 'check'] });
    expect(await findApiKey(keyStore, created.key.slice(0, -1) + (created.key.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    expect((await listApiKeys(keyStore)).map((key) => key.id)).toContain(created.id);
  });

  it('a handler accepts a stored key with the scope (201), refuses without one (401) or without the scope (403), and after revocation (401)', async () => {
    const ingest = await createApiKey(keyStore, { name: 'mail-room', scopes: ['ingest'] });
    const checker = await createApiKey(keyStore, { name: 'sender', scopes: ['check'] });
    expect((await requests(request(ingest.key))).statusCode).toBe(201);
    expect((await requests(request(undefined))).statusCode).toBe(401);
    expect((await requests(request(`ohk_0000000000000000_${'x'.repeat(43)}`))).statusCode).toBe(401);
    expect((await requests(request(checker.key))).statusCode).toBe(403);
    // API_KEYS keeps working beside the table.
    expect((await requests(request('bootstrap-secret'))).statusCode).toBe(403);
    await revokeApiKey(keyStore, ingest.id);
    expect((await requests(request(ingest.key))).statusCode).toBe(401);
    await expect(revokeApiKey(keyStore, 'ffffffffffffffff')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('the authorizer runs the same check: denies a wrong scope, marks a missing key for the handler to answer 401', async () => {
    const checker = await createApiKey(keyStore, { name: 'campaigns', scopes: ['check'] });
    expect(await authorizer(authorizerEvent('POST /v1/requests', checker.key))).toMatchObject({ isAuthorized: false });
    const allowed = await authorizer(authorizerEvent('POST /v1/suppressions/check', checker.key));
    expect(allowed).toEqual({ isAuthorized: true, context: { authenticated: 'true', keyId: checker.id, scopes: 'check' } });
    const missing = await authorizer(authorizerEvent('POST /v1/requests'));
    expect(missing).toMatchObject({ isAuthorized: true, context: { authenticated: 'false', credentials: 'missing' } });
    const invalid = await authorizer(authorizerEvent('POST /v1/requests', 'not-a-key'));
    expect(invalid).toMatchObject({ isAuthorized: true, context: { authenticated: 'false', credentials: 'invalid' } });
    // What the handler does with the authorizer's context: a 401 whose title says which it was.
    const refusedMissing = await requests(request(undefined, missing.context));
    expect(refusedMissing.statusCode).toBe(401);
    expect(JSON.parse(refusedMissing.body!)).toMatchObject({ title: 'Credentials are missing' });
    const refusedInvalid = await requests(request(undefined, invalid.context));
    expect(refusedInvalid.statusCode).toBe(401);
    expect(JSON.parse(refusedInvalid.body!)).toMatchObject({ title: 'Credentials are not valid' });
    expect((await requests(request(undefined, allowed.context))).statusCode).toBe(403);
    expect((await requests(request(undefined, { authenticated: 'true', keyId: 'x', scopes: 'ingest check' }))).statusCode).toBe(201);
  });

  it('refuses an expired key with 401 "The API key has expired." and accepts it until then', async () => {
    const created = new Date('2026-01-01T00:00:00.000Z');
    const key = await createApiKey(keyStore, { name: 'temp', scopes: ['ingest'], expiresAt: new Date('2026-01-31T00:00:00.000Z') }, created);
    expect(key.expiresAt).toBe('2026-01-31T00:00:00.000Z');
    const sources = { configured: [], store: keyStore };
    expect(await authenticate(key.key, sources, new Date('2026-01-30T23:59:59.000Z'))).toMatchObject({ id: key.id, source: 'store' });
    const refused = authenticate(key.key, sources, new Date('2026-01-31T00:00:00.000Z'));
    await expect(refused).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(refused).rejects.toThrow('The API key has expired.');
    // The handler, on today's clock, long after 2026-01-31.
    const answer = await requests(request(key.key));
    expect(answer.statusCode).toBe(401);
    expect(JSON.parse(answer.body!)).toMatchObject({ title: 'Credentials are not valid', detail: 'The API key has expired.' });
    await expect(createApiKey(keyStore, { name: 'past', scopes: ['ingest'], expiresAt: created }, created)).rejects.toThrow('A key must expire in the future.');
  });

  it('records the last use at most once per five minutes, with a conditional write', async () => {
    const key = await createApiKey(keyStore, { name: 'busy', scopes: ['check'] });
    const sources = { configured: [], store: keyStore };
    const lastUsed = async () => (await findApiKey(keyStore, key.key))?.lastUsedAt;
    expect(await lastUsed()).toBeUndefined();
    await authenticate(key.key, sources, new Date('2030-01-01T10:00:00.000Z'));
    expect(await lastUsed()).toBe('2030-01-01T10:00:00.000Z');
    await authenticate(key.key, sources, new Date('2030-01-01T10:04:59.000Z'));
    expect(await lastUsed()).toBe('2030-01-01T10:00:00.000Z');
    // Another instance that read the item before the write: the condition refuses it.
    expect(await recordApiKeyUse(keyStore, key.id, new Date('2030-01-01T10:04:59.000Z'))).toBe(false);
    await authenticate(key.key, sources, new Date('2030-01-01T10:05:01.000Z'));
    expect(await lastUsed()).toBe('2030-01-01T10:05:01.000Z');
    expect((await listApiKeys(keyStore)).find((listed) => listed.id === key.id)).toMatchObject({ lastUsedAt: '2030-01-01T10:05:01.000Z' });
    // An unknown id gets no item from the write.
    expect(await recordApiKeyUse(keyStore, 'eeeeeeeeeeeeeeee', new Date())).toBe(false);
  });

  it('a key that works is accepted even when its use cannot be recorded', async () => {
    const key = await createApiKey(keyStore, { name: 'flaky', scopes: ['check'] });
    const failingWrites = {
      send: (command: unknown) =>
        command instanceof UpdateCommand
          ? Promise.reject(new Error('throttled'))
          : keyStore.documents.send(command as Parameters<DynamoDBDocumentClient['send']>[0]),
    } as unknown as DynamoDBDocumentClient;
    const caller = await authenticate(key.key, { configured: [], store: { documents: failingWrites, table: keyStore.table } });
    expect(caller).toMatchObject({ id: key.id, scopes: ['check'] });
    expect((await findApiKey(keyStore, key.key))?.lastUsedAt).toBeUndefined();
  });

  it('the CLI creates a key shown once, lists it without the key, and revokes it', () => {
    const env = { ...process.env, ...stack.environment, API_KEYS_TABLE: keyStore.table };
    const run = (...args: string[]) => spawnSync(process.execPath, ['bin/optout-hub.mjs', 'api-keys', ...args], { env, encoding: 'utf8', timeout: 60_000 });
    const created = run('create', '--name', 'crm', '--scopes', 'ingest,check', '--json');
    expect(created.status, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key.scopes).toEqual(['ingest', 'check']);
    const listed = run('list');
    expect(listed.stdout).toContain(key.id);
    expect(listed.stdout).not.toContain(key.key);
    expect(run('revoke', key.id).status).toBe(0);
    expect(run('list').stdout).toMatch(new RegExp(`${key.id}.*REVOKED`));
    expect(run('create', '--name', 'x', '--scopes', 'root').status).toBe(2);
  });

  it('the CLI sets an expiry and lists expiry, last use and the API_KEYS keys, never a secret', () => {
    const env = {
      ...process.env,
      ...stack.environment,
      API_KEYS_TABLE: keyStore.table,
      API_KEYS: 'bootstrap:bootstrap-secret:admin,dialer:dialer-secret:check+ack',
    };
    const run = (...args: string[]) => spawnSync(process.execPath, ['bin/optout-hub.mjs', 'api-keys', ...args], { env, encoding: 'utf8', timeout: 60_000 });
    const created = run('create', '--name', 'contractor', '--scopes', 'check', '--expires-in', '30', '--json');
    expect(created.status, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout);
    const days = (Date.parse(key.expiresAt) - Date.parse(key.createdAt)) / 86_400_000;
    expect(days).toBe(30);
    const listed = run('list');
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${key.id} .*expires ${key.expiresAt}  last used never`));
    expect(listed.stdout).toMatch(/^dialer .*check,ack .*config: remove it from API_KEYS to revoke it$/m);
    expect(listed.stdout).not.toMatch(/bootstrap-secret|dialer-secret/);
    const json = JSON.parse(run('list', '--json').stdout) as { id: string; source: string; scopes: string[] }[];
    expect(json.filter((entry) => entry.source === 'config')).toEqual([
      { id: 'bootstrap', scopes: ['admin'], source: 'config' },
      { id: 'dialer', scopes: ['check', 'ack'], source: 'config' },
    ]);
    expect(json.find((entry) => entry.id === key.id)).toMatchObject({ source: 'store', expiresAt: key.expiresAt });
    expect(run('create', '--name', 'x', '--scopes', 'check', '--expires-at', '2020-01-01').status).toBe(2);
    expect(run('create', '--name', 'x', '--scopes', 'check', '--expires-in', '0').status).toBe(2);
    expect(run('create', '--name', 'x', '--scopes', 'check', '--expires-in', '3', '--expires-at', '2099-01-01').status).toBe(2);
  });
});
