import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordAcks } from '../../shared/audit/acks.js';
import { signalFromSms } from '../../shared/intake/sms/inbound.js';
import { deliveriesOf, getDelivery } from '../../shared/store/deliveries.js';
import { recordDelivery } from '../../shared/store/deliveries.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { httpEvent } from '../support/http-event.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';
import { phoneNumbers } from '../support/phones.js';

/** Acks against DynamoDB Local, on delivery items shaped as fan-out writes them. */

let stack: TestStack;
let acksApi: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  stack = await createTestStack();
  Object.assign(process.env, stack.environment, { API_KEYS: 'sync-key-1:sync-secret-1:ack' });
  ({ handler: acksApi } = (await import('../../functions/acks.js')) as unknown as { handler: typeof acksApi });
});

function ackRequest(body: unknown, auth: { key?: string; authorizer?: Record<string, string> }): APIGatewayProxyEventV2 {
  const base = httpEvent('POST', '/v1/acks');
  return {
    ...base,
    headers: { ...base.headers, 'content-type': 'application/json', ...(auth.key ? { 'x-api-key': auth.key } : {}) },
    body: JSON.stringify(body),
    requestContext: {
      ...base.requestContext,
      ...(auth.authorizer ? { authorizer: { lambda: auth.authorizer } } : {}),
    } as APIGatewayProxyEventV2['requestContext'],
  };
}

const phone = phoneNumbers('212');

function sms(text: 'STOP' | 'START', from: string, at: string) {
  const messageId = `SM${randomBytes(16).toString('hex')}`;
  return signalFromSms(
    { provider: 'twilio', messageId, from, to: '+15017250604', text },
    { receivedAt: new Date(at), defaultRegion: 'US', rawBody: messageId },
  )!;
}

/** A STOP recorded and enqueued as fan-out would: returns the version it produced. */
async function stoppedAndEnqueued(address: string, at: string, text: 'STOP' | 'START' = 'STOP') {
  const outcome = await recordSignal(stack.store, sms(text, address, at), { now: () => new Date(at) });
  const written = outcome.suppressions.find((item) => item.channel === 'sms')!;
  await recordDelivery(
    stack.store,
    {
      channel: 'sms',
      address,
      version: written.version,
      eventId: written.eventId,
      messageId: `sms:${address}:v${written.version}`,
      personId: written.personId,
    },
    new Date(new Date(Date.parse(at) + 1000).toISOString()),
  );
  return written.version;
}

const at = (iso: string) => () => new Date(iso);

describe('acks', () => {
  it('records the first ack and who made it, and keeps them when the ack is retried or another integration acks', async () => {
    const address = phone();
    const version = await stoppedAndEnqueued(address, '2026-05-04T10:00:00.000Z');
    const [first] = await recordAcks(stack.store, 'dialer-east', [{ channel: 'sms', address, version }], at('2026-05-04T10:05:00.000Z'));
    expect(first).toMatchObject({ status: 'acked', ackedAt: '2026-05-04T10:05:00.000Z' });

    const [again] = await recordAcks(stack.store, 'dialer-east', [{ channel: 'sms', address, version }], at('2026-05-04T10:09:00.000Z'));
    expect(again).toMatchObject({ status: 'already-acked', ackedAt: '2026-05-04T10:05:00.000Z', integrationAckedAt: '2026-05-04T10:05:00.000Z' });

    await recordAcks(stack.store, 'crm-sync', [{ channel: 'sms', address, version }], at('2026-05-04T10:07:00.000Z'));
    const delivery = await getDelivery(stack.store, 'sms', address, version);
    expect(delivery).toMatchObject({
      enqueuedAt: '2026-05-04T10:00:01.000Z',
      ackedAt: '2026-05-04T10:05:00.000Z',
      ackedBy: 'dialer-east',
      acks: { 'dialer-east': { at: '2026-05-04T10:05:00.000Z', version }, 'crm-sync': { at: '2026-05-04T10:07:00.000Z', version } },
    });
  });

  it('covers older versions of the address for that integration, recording the version that covered them', async () => {
    const address = phone();
    const v1 = await stoppedAndEnqueued(address, '2026-05-04T10:00:00.000Z', 'STOP');
    const v2 = await stoppedAndEnqueued(address, '2026-05-04T11:00:00.000Z', 'START');
    expect(v2).toBe(v1 + 1);
    const [result] = await recordAcks(stack.store, 'dialer-east', [{ channel: 'sms', address, version: v2 }], at('2026-05-04T11:01:00.000Z'));
    expect(result).toMatchObject({ status: 'acked', alsoAcked: [v1] });
    const [older, newer] = await deliveriesOf(stack.store, 'sms', address);
    expect(older).toMatchObject({ version: v1, ackedBy: 'dialer-east', acks: { 'dialer-east': { version: v2 } } });
    expect(newer).toMatchObject({ version: v2, acks: { 'dialer-east': { version: v2 } } });
  });

  it('reports unknown versions per item without failing the others, and writes nothing for them', async () => {
    const address = phone();
    const version = await stoppedAndEnqueued(address, '2026-05-04T10:00:00.000Z');
    const stranger = phone();
    const results = await recordAcks(stack.store, 'esp', [
      { channel: 'sms', address, version: version + 5 },
      { channel: 'sms', address: stranger, version: 1 },
      { channel: 'sms', address, version },
    ]);
    expect(results.map((result) => result.status)).toEqual(['unknown', 'unknown', 'acked']);
    expect(results[0]!.reason).toMatch(`latest version of this address is ${version}`);
    expect(await getDelivery(stack.store, 'sms', address, version + 5)).toBeUndefined();
    expect(await deliveriesOf(stack.store, 'sms', stranger)).toEqual([]);
  });

  it('POST /v1/acks records the id of the API key that sent each ack, from the key or from the authorizer', async () => {
    const address = phone();
    const version = await stoppedAndEnqueued(address, '2026-05-04T10:00:00.000Z');
    const applied = [{ channel: 'sms', address, version }];

    const direct = await acksApi(ackRequest({ integration: 'dialer-east', applied }, { key: 'sync-secret-1' }));
    expect(direct.statusCode, direct.body).toBe(200);
    const viaAuthorizer = await acksApi(
      ackRequest({ integration: 'crm-sync', applied }, { authorizer: { authenticated: 'true', keyId: 'a1b2c3d4', scopes: 'ack' } }),
    );
    expect(viaAuthorizer.statusCode, viaAuthorizer.body).toBe(200);

    expect(await getDelivery(stack.store, 'sms', address, version)).toMatchObject({
      ackedBy: 'dialer-east',
      acks: { 'dialer-east': { version, keyId: 'sync-key-1' }, 'crm-sync': { version, keyId: 'a1b2c3d4' } },
    });
    // Without a valid key nothing is recorded.
    const refused = await acksApi(ackRequest({ integration: 'esp-sync', applied }, { key: 'wrong' }));
    expect(refused.statusCode).toBe(401);
    expect((await getDelivery(stack.store, 'sms', address, version))?.acks?.['esp-sync']).toBeUndefined();
  });

  it('reports an ack that arrives before fan-out recorded the delivery as not enqueued yet, writing nothing', async () => {
    const address = phone();
    const outcome = await recordSignal(stack.store, sms('STOP', address, '2026-05-04T10:00:00.000Z'));
    const written = outcome.suppressions[0]!;
    const [result] = await recordAcks(stack.store, 'dialer-east', [{ channel: 'sms', address, version: written.version }], at('2026-05-04T10:00:02.000Z'));
    expect(result).toMatchObject({ status: 'not-enqueued-yet' });
    // Fan-out reads the item's existence as "already on the queue": an ack must never create it.
    expect(await getDelivery(stack.store, 'sms', address, written.version)).toBeUndefined();
  });
});
