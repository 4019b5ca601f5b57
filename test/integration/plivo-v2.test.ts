import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findPerson } from '../../shared/store/people.js';
import { getSuppression } from '../../shared/store/suppressions.js';
import { httpEvent } from '../support/http-event.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';
import { phoneNumbers } from '../support/phones.js';
import { plivoMessage, plivoV2Headers, type SignedRequest } from '../support/provider-signing.js';

/**
 * POST /webhooks/sms/plivo through the real handler against DynamoDB Local: a signature that does
 * not cover the message (Plivo V2) never lifts a suppression, and by default is not accepted.
 */

const TOKEN = 'plivo-integration-token';
const BASE = 'https://hub.example.com';
let stack: TestStack;
let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
const randomPhone = phoneNumbers('628');

function event(request: SignedRequest): APIGatewayProxyEventV2 {
  const base = httpEvent('POST', request.path);
  return {
    ...base,
    routeKey: 'POST /webhooks/sms/{provider}',
    pathParameters: { provider: 'plivo' },
    headers: { ...base.headers, ...request.headers },
    body: request.body,
    requestContext: { ...base.requestContext, timeEpoch: Date.now() },
  };
}

/** The captured fields of a V3-signed message, re-sent under V2 headers (what an attacker can do). */
function asV2(request: SignedRequest): SignedRequest {
  const { 'x-plivo-signature-v3': _v3, 'x-plivo-signature-v3-nonce': _nonce, ...rest } = request.headers;
  return { ...request, headers: { ...rest, ...plivoV2Headers(TOKEN, `${BASE}${request.path}`) } };
}

const send = (text: string, phone: string, version: 'v3' | 'v2' = 'v3') => {
  const request = plivoMessage(TOKEN, BASE, phone, text);
  return handler(event(version === 'v3' ? request : asV2(request)));
};

const suppression = (phone: string) => getSuppression(stack.store, 'sms', phone);

beforeAll(async () => {
  stack = await createTestStack();
  Object.assign(process.env, stack.environment, { PLIVO_AUTH_TOKEN: TOKEN, PUBLIC_BASE_URL: BASE, DEFAULT_PHONE_REGION: 'US' });
  ({ handler } = (await import('../../functions/sms-inbound.js')) as unknown as { handler: typeof handler });
});

afterEach(() => {
  delete process.env.PLIVO_ALLOW_V2_SIGNATURES;
});

describe('Plivo signatures and suppressions', () => {
  it('records a V3-signed STOP and START, signed the documented way', async () => {
    const phone = randomPhone();
    expect((await send('STOP', phone)).statusCode).toBe(200);
    expect(await suppression(phone)).toMatchObject({ status: 'suppressed', version: 1 });
    expect((await send('START', phone)).statusCode).toBe(200);
    expect(await suppression(phone)).toMatchObject({ status: 'allowed', version: 2 });
  });

  it('refuses V2 by default (403) and writes nothing', async () => {
    const phone = randomPhone();
    const response = await send('STOP', phone, 'v2');
    expect(response.statusCode).toBe(403);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(await findPerson(stack.store, { type: 'phone', value: phone })).toBeUndefined();
  });

  it('refuses a START downgraded by stripping its V3 headers, and the number stays suppressed', async () => {
    const phone = randomPhone();
    await send('STOP', phone);
    expect((await send('START', phone, 'v2')).statusCode).toBe(403);
    expect(await suppression(phone)).toMatchObject({ status: 'suppressed', version: 1 });
  });

  it('with PLIVO_ALLOW_V2_SIGNATURES=true, records a V2 STOP', async () => {
    process.env.PLIVO_ALLOW_V2_SIGNATURES = 'true';
    const phone = randomPhone();
    expect((await send('STOP', phone, 'v2')).statusCode).toBe(200);
    expect(await suppression(phone)).toMatchObject({ status: 'suppressed', version: 1 });
  });

  it('with PLIVO_ALLOW_V2_SIGNATURES=true, acknowledges a V2 START but does not lift the suppression', async () => {
    process.env.PLIVO_ALLOW_V2_SIGNATURES = 'true';
    const phone = randomPhone();
    await send('STOP', phone);
    const before = await findPerson(stack.store, { type: 'phone', value: phone });
    const response = await send('START', phone, 'v2');
    expect(response.statusCode).toBe(200);
    expect(await suppression(phone)).toMatchObject({ status: 'suppressed', version: 1 });
    // Nothing was recorded: the person is as the STOP left them.
    expect(await findPerson(stack.store, { type: 'phone', value: phone })).toEqual(before);
  });
});
