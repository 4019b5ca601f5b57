import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { getSuppression } from '../../shared/store/suppressions.js';
import { httpEvent } from '../support/http-event.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';
import { phoneNumbers } from '../support/phones.js';

/** POST /v1/requests/batch through the real handler against DynamoDB Local. */

const KEY = 'batch-test-key';
let stack: TestStack;
let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const phone = phoneNumbers('415');

function batch(requests: unknown[], key = KEY): APIGatewayProxyEventV2 {
  const base = httpEvent('POST', '/v1/requests/batch');
  return {
    ...base,
    headers: { ...base.headers, 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ requests }),
    requestContext: { ...base.requestContext, timeEpoch: Date.now() },
  };
}

const optOut = (overrides: Record<string, unknown> = {}) => ({
  requestId: `r-${randomBytes(6).toString('hex')}`,
  kind: 'opt-out',
  channels: ['sms'],
  subject: { phone: phone() },
  occurredAt: new Date(Date.now() - 60_000).toISOString(),
  source: 'mail',
  ...overrides,
});

beforeAll(async () => {
  stack = await createTestStack();
  Object.assign(process.env, stack.environment, { API_KEYS: `crm:${KEY}:ingest,reader:reader-key:check` });
  ({ handler } = (await import('../../functions/requests.js')) as unknown as { handler: typeof handler });
});

describe('POST /v1/requests/batch', () => {
  it('answers every item on its own: good ones recorded, bad ones refused, none lost', async () => {
    const good = [optOut(), optOut({ channels: ['voice', 'sms'] }), optOut()];
    const items = [
      good[0],
      { ...optOut(), channels: [] }, // no channel
      good[1],
      optOut({ kind: 'opt-in' }), // an opt-in without evidence: 422
      { nonsense: true },
      optOut({ subject: { phone: 'not a phone' } }),
      good[2],
      good[0], // the same request again in the same batch
    ];
    const response = await handler(batch(items));
    expect(response.statusCode).toBe(207);
    const body = JSON.parse(response.body!);
    expect(body.results.map((r: { status: number }) => r.status).slice(1, 7)).toEqual([400, 201, 422, 400, 400, 201]);
    // The same request twice in one batch, recorded concurrently: exactly one of them records it.
    expect([body.results[0].status, body.results[7].status].sort()).toEqual([200, 201]);
    expect(body.results[3]).toMatchObject({ index: 3, error: { type: 'unprocessable' } });
    expect(body.results[1].error.errors[0].path).toBe('channels');
    expect(body.summary).toMatchObject({ refused: 4, failed: 0 });
    for (const item of good) {
      for (const channel of item.channels as ('sms' | 'voice')[]) {
        expect(await getSuppression(stack.store, channel, (item.subject as { phone: string }).phone)).toMatchObject({ status: 'suppressed' });
      }
    }
    // Sent again, everything recorded is a duplicate and nothing changes.
    const again = JSON.parse((await handler(batch([good[0], good[1]]))).body!);
    expect(again.results.map((r: { status: number }) => r.status)).toEqual([200, 200]);
  });

  it('refuses a batch over 500, without a key (401) or with the wrong scope (403), writing nothing', async () => {
    const tooMany = await handler(batch(Array.from({ length: 501 }, () => optOut())));
    expect(tooMany.statusCode).toBe(400);
    const item = optOut();
    const anonymous = batch([item]);
    delete anonymous.headers['x-api-key'];
    expect((await handler(anonymous)).statusCode).toBe(401);
    expect((await handler(batch([item], 'reader-key'))).statusCode).toBe(403);
    expect(await getSuppression(stack.store, 'sms', (item.subject as { phone: string }).phone)).toBeUndefined();
  });
});
