import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../infra/local/lambda-context.js';
import { createUnsubscribeHandler } from '../../functions/unsubscribe.js';
import { createUnsubscribeToken, parseTokenKeys } from '../../shared/intake/email/tokens.js';
import { keys as storeKeys } from '../../shared/store/keys.js';
import { getSuppression } from '../../shared/store/suppressions.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { signalSchema } from '../../shared/core/signal.js';
import { statusFor } from '../../shared/core/preferences.js';
import { httpEvent } from '../support/http-event.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';

/** The unsubscribe link's handler against DynamoDB Local: what GET and the RFC 8058 POST write, and what they must not. */

const KEYS = `k1:${randomBytes(32).toString('base64')}`;
let stack: TestStack;
let handler: ReturnType<typeof createUnsubscribeHandler>;

beforeAll(async () => {
  stack = await createTestStack();
  Object.assign(process.env, stack.environment, { UNSUBSCRIBE_TOKEN_KEYS: KEYS, PURPOSES: 'newsletter,product-updates' });
  handler = createUnsubscribeHandler(stack.store);
});

const email = () => `u${randomBytes(5).toString('hex')}@example.com`;
const tokenFor = (address: string, purpose: string) => createUnsubscribeToken(parseTokenKeys(KEYS), address, purpose);

async function call(method: 'GET' | 'POST', token: string, options: { body?: string; contentType?: string; accept?: string; timeEpoch?: number } = {}) {
  const path = `/unsubscribe/${token}`;
  const event = httpEvent(method, path, {
    routeKey: `${method} /unsubscribe/{token}`,
    pathParameters: { token },
    headers: {
      host: 'hub.example.com',
      ...(options.contentType ? { 'content-type': options.contentType } : {}),
      ...(options.accept ? { accept: options.accept } : {}),
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  event.requestContext.timeEpoch = options.timeEpoch ?? Date.now();
  return (await handler(event, lambdaContext('unsubscribe', 30_000))) as APIGatewayProxyStructuredResultV2;
}

const oneClick = (token: string, accept?: string) =>
  call('POST', token, { body: 'List-Unsubscribe=One-Click', contentType: 'application/x-www-form-urlencoded', ...(accept ? { accept } : {}) });

async function eventStored(token: string): Promise<boolean> {
  const id = `email.unsubscribe.${createHash('sha256').update(token).digest('hex')}`;
  const { Item } = await stack.store.documents.send(
    new GetCommand({ TableName: stack.store.tables.preferences, Key: storeKeys.event(id), ConsistentRead: true }),
  );
  return Item !== undefined;
}

describe('GET /unsubscribe/{token}', () => {
  it('shows the page and writes nothing, however often it is fetched', async () => {
    const address = email();
    const token = tokenFor(address, 'newsletter');
    const responses = await Promise.all(Array.from({ length: 25 }, () => call('GET', token, { accept: 'text/html' })));
    for (const response of responses) {
      expect(response.statusCode).toBe(200);
      expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers?.['referrer-policy']).toBe('no-referrer');
      expect(response.body).toContain(address);
    }
    expect(await getSuppression(stack.store, 'email', address)).toBeUndefined();
    expect(await eventStored(token)).toBe(false);
  });
});

describe('POST /unsubscribe/{token} (RFC 8058 one-click)', () => {
  it('suppresses the address for the topic only, answering 200 with no redirect and no cookie', async () => {
    const address = email();
    const token = tokenFor(address, 'newsletter');
    const response = await oneClick(token);
    expect(response.statusCode).toBe(200);
    expect(response.headers).not.toHaveProperty('location');
    expect(response.headers).not.toHaveProperty('set-cookie');
    expect(response.cookies).toBeUndefined();
    expect(JSON.parse(response.body!)).toMatchObject({ status: 'unsubscribed', channel: 'email', purposes: ['newsletter'] });
    const suppression = await getSuppression(stack.store, 'email', address);
    expect(suppression).toMatchObject({ status: 'suppressed', purposes: { newsletter: 'suppressed' }, version: 1 });
    expect(suppression?.purposes['product-updates'] ?? 'allowed').not.toBe('suppressed');
    expect(suppression?.purposes.marketing ?? 'allowed').not.toBe('suppressed');
  });

  it('takes multipart/form-data as mail clients send it', async () => {
    const address = email();
    const token = tokenFor(address, 'marketing');
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    const encoded = new Request('https://hub.example.com/', { method: 'POST', body: form });
    const response = await call('POST', token, { body: await encoded.text(), contentType: encoded.headers.get('content-type')! });
    expect(response.statusCode).toBe(200);
    expect(await getSuppression(stack.store, 'email', address)).toMatchObject({ purposes: { marketing: 'suppressed' } });
  });

  it('records a repeated POST once', async () => {
    const address = email();
    const token = tokenFor(address, 'newsletter');
    expect((await oneClick(token)).statusCode).toBe(200);
    expect((await oneClick(token)).statusCode).toBe(200);
    expect(await getSuppression(stack.store, 'email', address)).toMatchObject({ version: 1 });
  });

  it('answers the page form with a confirmation, and adds all marketing when ticked', async () => {
    const address = email();
    const token = tokenFor(address, 'product-updates');
    const response = await call('POST', token, {
      body: 'List-Unsubscribe=One-Click&scope=all-marketing',
      contentType: 'application/x-www-form-urlencoded',
      accept: 'text/html,application/xhtml+xml',
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('You are unsubscribed');
    expect(await getSuppression(stack.store, 'email', address)).toMatchObject({ purposes: { 'product-updates': 'suppressed', marketing: 'suppressed' } });
  });

  it('refuses a tampered token with problem+json, or a 400 page for a browser, and writes nothing', async () => {
    const address = email();
    const token = tokenFor(address, 'newsletter');
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BA' : 'AA');
    const json = await oneClick(tampered);
    expect(json.statusCode).toBe(400);
    expect(json.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(json.body!)).toMatchObject({ type: 'https://optout-hub.dev/problems/invalid-unsubscribe-link', status: 400 });
    const html = await oneClick(tampered, 'text/html');
    expect(html.statusCode).toBe(400);
    expect(html.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(html.body).toContain('This unsubscribe link is not valid');
    const get = await call('GET', tampered, { accept: 'text/html' });
    expect(get.statusCode).toBe(400);
    expect(await getSuppression(stack.store, 'email', address)).toBeUndefined();
  });

  it('refuses a body that is not the one-click request, writing nothing', async () => {
    const address = email();
    const token = tokenFor(address, 'newsletter');
    expect((await call('POST', token, { body: '', contentType: 'application/x-www-form-urlencoded' })).statusCode).toBe(400);
    expect((await call('POST', token, { body: '{}', contentType: 'application/json' })).statusCode).toBe(400);
    expect(await getSuppression(stack.store, 'email', address)).toBeUndefined();
    expect(await eventStored(token)).toBe(false);
  });
});

/** The person opting back in to a topic by some other way (a preference centre, say), at `at`. */
const optIn = (address: string, purpose: string, at: Date) =>
  recordSignal(
    stack.store,
    signalSchema.parse({
      id: `test.opt-in.${randomBytes(6).toString('hex')}`,
      kind: 'opt-in',
      channels: ['email'],
      purpose,
      scope: 'address',
      subject: [{ type: 'email', value: address }],
      occurredAt: at.toISOString(),
      receivedAt: at.toISOString(),
      source: { type: 'request', provider: 'preference-centre', messageId: randomBytes(6).toString('hex') },
      evidence: { collectedBy: 'preference-centre', method: 'web-form' },
    }),
  );

describe('POST /unsubscribe/{token} when a later request decides', () => {
  it('says the link’s opt-out is superseded, not that the address is unsubscribed', async () => {
    const address = email();
    const token = tokenFor(address, 'newsletter');
    const now = Date.now();
    await optIn(address, 'newsletter', new Date(now - 30_000));
    // The one-click POST was received before the opt-in (a mail client that queued it offline).
    const params = { body: 'List-Unsubscribe=One-Click', contentType: 'application/x-www-form-urlencoded', timeEpoch: now - 60_000 };
    const json = await call('POST', token, params);
    expect(json.statusCode).toBe(200);
    expect(JSON.parse(json.body!)).toEqual({
      status: 'superseded',
      channel: 'email',
      purposes: ['newsletter'],
      current: { newsletter: 'allowed' },
      recordedAt: expect.any(String),
    });
    const html = await call('POST', token, { ...params, accept: 'text/html' });
    expect(html.statusCode).toBe(200);
    expect(html.body).not.toContain('You are unsubscribed');
    expect(html.body).toContain('a later one decides');
    // What the pre-send check answers for the topic.
    expect(statusFor(await getSuppression(stack.store, 'email', address), 'newsletter')).toBe('allowed');
  });

  it('reports the state now, not the first answer, when the same link is posted again after an opt-in', async () => {
    const address = email();
    const token = tokenFor(address, 'newsletter');
    expect(JSON.parse((await oneClick(token)).body!)).toMatchObject({ status: 'unsubscribed', current: { newsletter: 'suppressed' } });
    await optIn(address, 'newsletter', new Date(Date.now() + 1000));
    expect(JSON.parse((await oneClick(token)).body!)).toMatchObject({ status: 'superseded', current: { newsletter: 'allowed' } });
  });
});
