import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { addBusinessDays, US_FEDERAL_HOLIDAYS } from '../../shared/core/time.js';
import { keys } from '../../shared/store/keys.js';
import { findPerson, getPerson, personHistory } from '../../shared/store/people.js';
import { getSuppression } from '../../shared/store/suppressions.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { signalFromRequest, requestSchema } from '../../shared/intake/requests/requests.js';
import { httpEvent } from '../support/http-event.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';
import { phoneNumbers } from '../support/phones.js';

/** POST /webhooks/calls/{dialer} through the real handler against DynamoDB Local. */

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
let stack: TestStack;
let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const phone = phoneNumbers('415');

function signedCall(body: Record<string, unknown>, at = new Date()): APIGatewayProxyEventV2 {
  const raw = JSON.stringify(body);
  const id = `msg_${randomBytes(8).toString('hex')}`;
  const base = httpEvent('POST', '/webhooks/calls/generic');
  return {
    ...base,
    routeKey: 'POST /webhooks/calls/{dialer}',
    pathParameters: { dialer: 'generic' },
    headers: {
      ...base.headers,
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(SECRET).sign(id, at, raw),
    },
    body: raw,
    requestContext: { ...base.requestContext, timeEpoch: at.getTime() },
  };
}

const call = (overrides: Record<string, unknown>) => ({
  phone: phone(),
  disposition: 'DNC',
  agentId: 'agent-7',
  callId: `call-${randomBytes(6).toString('hex')}`,
  occurredAt: new Date(Date.now() - 60_000).toISOString(),
  ...overrides,
});

beforeAll(async () => {
  stack = await createTestStack();
  Object.assign(process.env, stack.environment, { DIALER_WEBHOOK_SECRETS: `generic:${SECRET}`, CALL_SLA_HOURS: '24', DEFAULT_PHONE_REGION: 'US' });
  ({ handler } = (await import('../../functions/calls-inbound.js')) as unknown as { handler: typeof handler });
});

describe('call dispositions', () => {
  it('answers a do-not-call with the receipt, and the same receipt on every retry', async () => {
    const body = call({});
    const first = await handler(signedCall(body));
    expect(first.statusCode).toBe(201);
    const receipt = JSON.parse(first.body!);
    expect(receipt).toMatchObject({
      requestId: `call.generic.${body.callId}.DNC`,
      outcome: 'suppressed',
      disposition: { code: 'DNC', action: 'do-not-call' },
      scope: 'address',
      channels: ['voice'],
      suppressed: [{ channel: 'voice', address: body.phone }],
      occurredAt: body.occurredAt,
    });
    expect(Date.parse(receipt.effectiveAt)).toBeGreaterThanOrEqual(Date.parse(body.occurredAt));
    expect(Date.parse(receipt.deadlines.sla)).toBe(Date.parse(body.occurredAt) + 24 * 3_600_000);
    expect(receipt.deadlines.regulatory).toBe(addBusinessDays(new Date(body.occurredAt as string), 10, US_FEDERAL_HOLIDAYS).toISOString());
    expect(receipt.deadlines.byChannel).toEqual({ voice: receipt.deadlines.regulatory });
    expect(await getSuppression(stack.store, 'voice', body.phone as string)).toMatchObject({ status: 'suppressed' });
    expect(await getSuppression(stack.store, 'sms', body.phone as string)).toBeUndefined();

    // A redelivery (new webhook id and timestamp, same call) is the same receipt, changing nothing.
    const again = await handler(signedCall(body, new Date(Date.now() + 1000)));
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body!)).toEqual(receipt);
  });

  it('do-not-contact suppresses every channel of the person, on every address they have', async () => {
    const number = phone();
    const email = `p${randomBytes(4).toString('hex')}@example.com`;
    await recordSignal(
      stack.store,
      signalFromRequest(
        requestSchema.parse({
          requestId: randomBytes(6).toString('hex'),
          kind: 'opt-out',
          channels: ['email'],
          purpose: 'marketing',
          subject: { phone: number, email },
          occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
          source: 'crm',
        }),
        { receivedAt: new Date(), defaultRegion: 'US' },
      ),
    );
    const response = await handler(signedCall(call({ phone: number, disposition: 'Do Not Contact' })));
    expect(response.statusCode).toBe(201);
    const receipt = JSON.parse(response.body!);
    expect(receipt).toMatchObject({ outcome: 'suppressed', scope: 'person', channels: ['sms', 'email', 'voice', 'mail'] });
    expect(receipt.suppressed).toEqual(
      expect.arrayContaining([
        { channel: 'sms', address: number },
        { channel: 'voice', address: number },
        { channel: 'email', address: email },
      ]),
    );
    expect(await getSuppression(stack.store, 'email', email)).toMatchObject({ status: 'suppressed', purposes: { all: 'suppressed' } });
  });

  it('wrong number: the number leaves the person, becomes its own person with calls and texts suppressed', async () => {
    const number = phone();
    const email = `w${randomBytes(4).toString('hex')}@example.com`;
    const before = await recordSignal(
      stack.store,
      signalFromRequest(
        requestSchema.parse({
          requestId: randomBytes(6).toString('hex'),
          kind: 'opt-out',
          channels: ['email'],
          subject: { phone: number, email },
          occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
          source: 'crm',
        }),
        { receivedAt: new Date(), defaultRegion: 'US' },
      ),
    );
    const response = await handler(signedCall(call({ phone: number, disposition: 'Wrong Number' })));
    expect(response.statusCode).toBe(201);
    const receipt = JSON.parse(response.body!);
    expect(receipt).toMatchObject({ outcome: 'unlinked', scope: 'address', channels: ['voice', 'sms'] });
    expect(receipt.suppressed).toEqual(
      expect.arrayContaining([
        { channel: 'voice', address: number },
        { channel: 'sms', address: number },
      ]),
    );
    expect(receipt.personId).not.toBe(before.personId);

    const old = await getPerson(stack.store, before.personId);
    expect(old?.identities).toEqual([{ type: 'email', value: email }]);
    const holder = await findPerson(stack.store, { type: 'phone', value: number });
    expect(holder?.personId).toBe(receipt.personId);
    expect(holder?.identities).toEqual([{ type: 'phone', value: number }]);
    for (const channel of ['voice', 'sms'] as const) {
      expect(await getSuppression(stack.store, channel, number)).toMatchObject({ status: 'suppressed', personId: receipt.personId });
    }
    expect(await getSuppression(stack.store, 'email', email)).toMatchObject({ status: 'suppressed', personId: before.personId });
    expect((await personHistory(stack.store, old!)).map((entry) => entry.kind)).toContain('identity-unlinked');

    const again = await handler(signedCall(call({ phone: number, disposition: 'Wrong Number', callId: receipt.callId, occurredAt: receipt.occurredAt })));
    expect(JSON.parse(again.body!)).toEqual(receipt);
  });

  it('records an unknown code, answers 2xx and suppresses nothing; an ignored code writes nothing', async () => {
    const unknown = call({ disposition: 'Maybe Tuesday' });
    const response = await handler(signedCall(unknown));
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body!)).toMatchObject({ outcome: 'recorded', disposition: { action: 'unknown' }, suppressed: [] });
    const event = await stack.store.documents.send(
      new GetCommand({ TableName: stack.store.tables.preferences, Key: keys.event(`call.generic.${unknown.callId}.MAYBE_TUESDAY`) }),
    );
    expect(event.Item).toMatchObject({ effect: 'recorded', kind: 'call-disposition' });
    expect(await getSuppression(stack.store, 'voice', unknown.phone as string)).toBeUndefined();

    const sale = call({ disposition: 'Sale' });
    const ignored = await handler(signedCall(sale));
    expect(ignored.statusCode).toBe(200);
    expect(JSON.parse(ignored.body!)).toMatchObject({ outcome: 'ignored' });
    expect(await findPerson(stack.store, { type: 'phone', value: sale.phone as string })).toBeUndefined();
  });

  it('refuses an unsigned or badly signed call and writes nothing', async () => {
    const body = call({});
    const event = signedCall(body);
    event.headers['webhook-signature'] = `v1,${randomBytes(32).toString('base64')}`;
    const response = await handler(event);
    expect(response.statusCode).toBe(403);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(await findPerson(stack.store, { type: 'phone', value: body.phone as string })).toBeUndefined();
  });
});
