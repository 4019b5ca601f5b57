import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, DependencyError } from '../../shared/core/errors.js';
import { signalSchema, type Signal } from '../../shared/core/signal.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { findPerson, getPerson } from '../../shared/store/people.js';
import { getSuppression } from '../../shared/store/suppressions.js';
import { httpEvent } from '../support/http-event.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';
import { phoneNumbers } from '../support/phones.js';

/**
 * What DynamoDB Local refuses as invalid (a key over its 2,048-byte partition-key limit) is a 400
 * that writes nothing, never a 503 that a provider would retry forever. The intake bounds every
 * value that becomes a key before it gets here; these go past that, straight to the store.
 */

let stack: TestStack;
const randomPhone = phoneNumbers('628');
const LONG = 'A'.repeat(3000);

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
const handlers: Record<'requests' | 'people' | 'peopleChanges' | 'check', Handler> = {} as never;
const KEY = 'invalid-keys-test-key';

beforeAll(async () => {
  stack = await createTestStack();
  Object.assign(process.env, stack.environment, { API_KEYS: `test:${KEY}:ingest+check+admin`, DEFAULT_PHONE_REGION: 'US' });
  handlers.requests = ((await import('../../functions/requests.js')) as unknown as { handler: Handler }).handler;
  handlers.people = ((await import('../../functions/people.js')) as unknown as { handler: Handler }).handler;
  handlers.check = ((await import('../../functions/check.js')) as unknown as { handler: Handler }).handler;
  handlers.peopleChanges = ((await import('../../functions/people-changes.js')) as unknown as { handler: Handler }).handler;
});

/** A request as API Gateway hands it over; the path parameters percent-encoded, as they arrive. */
function call(name: keyof typeof handlers, method: string, routeKey: string, path: string, options: { params?: Record<string, string>; body?: unknown } = {}) {
  const base = httpEvent(method, path, { routeKey });
  return handlers[name]({
    ...base,
    headers: { ...base.headers, 'x-api-key': KEY, ...(options.body ? { 'content-type': 'application/json' } : {}) },
    pathParameters: options.params,
    ...(options.body ? { body: JSON.stringify(options.body) } : {}),
    requestContext: { ...base.requestContext, timeEpoch: Date.now() },
  });
}

const problem = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(response.body as string) as Record<string, unknown>;

/** A signal as no intake would build it: a 3,000-character postal key beside a phone number. */
function oversized(phone: string): Signal {
  const at = new Date().toISOString();
  return signalSchema.parse({
    id: `request.test.${phone}`,
    kind: 'opt-out',
    channels: ['sms', 'mail'],
    subject: [
      { type: 'phone', value: phone },
      { type: 'postal', value: `${LONG}|SPRINGFIELD|IL|62701|US` },
    ],
    occurredAt: at,
    receivedAt: at,
    source: { type: 'request', provider: 'test', messageId: phone },
    evidence: { collectedBy: 'test', method: 'api' },
  });
}

async function itemCount(table: string): Promise<number> {
  const page = await stack.store.documents.send(new ScanCommand({ TableName: table, Select: 'COUNT', ConsistentRead: true }));
  return page.Count ?? 0;
}

describe('a key DynamoDB refuses as invalid', () => {
  it('is a 400 (not a 503) for a signal, and nothing of it is written', async () => {
    const phone = randomPhone();
    const before = [await itemCount(stack.store.tables.preferences), await itemCount(stack.store.tables.suppressions)];

    const recording = recordSignal(stack.store, oversized(phone));
    await expect(recording).rejects.toBeInstanceOf(BadRequestError);
    await expect(recordSignal(stack.store, oversized(phone))).rejects.toMatchObject({ status: 400 });
    await expect(recordSignal(stack.store, oversized(phone))).rejects.not.toBeInstanceOf(DependencyError);

    expect(await findPerson(stack.store, { type: 'phone', value: phone })).toBeUndefined();
    expect(await getSuppression(stack.store, 'sms', phone)).toBeUndefined();
    expect([await itemCount(stack.store.tables.preferences), await itemCount(stack.store.tables.suppressions)]).toEqual(before);
  });

  it('is a 400 for a pre-send check of a 3,000-character mail key', async () => {
    await expect(getSuppression(stack.store, 'mail', `${LONG}|SPRINGFIELD|IL|62701|US`)).rejects.toMatchObject({ status: 400, slug: 'bad-request' });
  });

  it('is a 400 for a 4,000-character person id', async () => {
    await expect(getPerson(stack.store, `p-${'x'.repeat(4000)}`)).rejects.toMatchObject({ status: 400, slug: 'bad-request' });
  });

  it('still lets an ordinary signal through afterwards', async () => {
    const phone = randomPhone();
    const signal = { ...oversized(phone), channels: ['sms' as const], subject: [{ type: 'phone' as const, value: phone }] };
    await expect(recordSignal(stack.store, signal)).resolves.toMatchObject({ duplicate: false, effect: 'applied' });
  });
});

describe('the routes bound what becomes a key (400, nothing written)', () => {
  const request = (requestId: string, subject: Record<string, unknown>, channels = ['sms']) =>
    call('requests', 'POST', 'POST /v1/requests', '/v1/requests', {
      body: { requestId, kind: 'opt-out', channels, subject, occurredAt: new Date(Date.now() - 60_000).toISOString(), source: 'crm' },
    });

  it('refuses request ids that differ only in an unpaired surrogate, naming requestId, for each phone', async () => {
    for (const [lone, phone] of [
      ['\ud800', randomPhone()],
      ['\ud801', randomPhone()],
    ] as const) {
      const response = await request(`r-${phone}-${lone}`, { phone });
      expect(response.statusCode).toBe(400);
      expect(response.headers?.['content-type']).toBe('application/problem+json');
      expect(problem(response).errors).toEqual([expect.objectContaining({ path: 'requestId' })]);
      expect(await findPerson(stack.store, { type: 'phone', value: phone })).toBeUndefined();
    }
  });

  it('refuses a 3,000-character postal line with a 400 naming it, and writes nothing', async () => {
    const phone = randomPhone();
    const response = await request(`r-${phone}`, { phone, postal: { line1: LONG, city: 'Springfield', postalCode: '62701' } }, ['sms', 'mail']);
    expect(response.statusCode).toBe(400);
    expect(problem(response).errors).toEqual([expect.objectContaining({ path: 'subject.postal.line1' })]);
    expect(await findPerson(stack.store, { type: 'phone', value: phone })).toBeUndefined();
  });

  it('answers GET /v1/suppressions/mail/{key} with a 3,000-character key 400, not 503', async () => {
    const key = `${LONG}|SPRINGFIELD|IL|62701|US`;
    const response = await call('check', 'GET', 'GET /v1/suppressions/{channel}/{address}', `/v1/suppressions/mail/${encodeURIComponent(key)}`, {
      params: { channel: 'mail', address: encodeURIComponent(key) },
    });
    expect(response.statusCode).toBe(400);
  });

  it('answers GET /v1/people/{id} with a 4,000-character id 400 naming id, not 503', async () => {
    const id = `p-${'x'.repeat(4000)}`;
    for (const [routeKey, path] of [
      ['GET /v1/people/{id}', `/v1/people/${id}`],
      ['GET /v1/people/{id}/history', `/v1/people/${id}/history`],
    ]) {
      const response = await call('people', 'GET', routeKey!, path!, { params: { id } });
      expect(response.statusCode).toBe(400);
      expect(problem(response)).toMatchObject({ field: 'id' });
    }
  });

  it('refuses a 4,000-character person id when linking an identity or merging (400)', async () => {
    const id = `p-${'x'.repeat(4000)}`;
    const link = await call('peopleChanges', 'POST', 'POST /v1/people/{id}/identities', `/v1/people/${id}/identities`, {
      params: { id },
      body: { type: 'phone', value: randomPhone() },
    });
    expect(link.statusCode).toBe(400);
    expect(problem(link)).toMatchObject({ field: 'id' });
    const merge = await call('peopleChanges', 'POST', 'POST /v1/people/merge', '/v1/people/merge', { body: { survivorId: id, mergedId: 'p-\ud800' } });
    expect(merge.statusCode).toBe(400);
    expect(problem(merge).errors).toEqual([expect.objectContaining({ path: 'survivorId' }), expect.objectContaining({ path: 'mergedId' })]);
  });
});
