import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendgridConnector } from '../../../shared/connectors/sendgrid.js';
import type { Connector } from '../../../shared/connectors/connector.js';
import { ackOf, change, deliver, run, uniqueEmail } from '../../support/connector-harness.js';
import { startSendGridContract, type SendGridContract } from '../../support/contracts/sendgrid.js';
import { createTestStack, type TestStack } from '../../support/local-stack.js';

/**
 * The `sendgrid` connector through the official @sendgrid/client against a server that implements
 * SendGrid's suppression endpoints as documented, with a real store behind the runtime.
 */

const API_KEY = 'SG.contract-test.key-0123456789';
const NEWSLETTER = 123;
const PROMOTIONS = 456;
const integration = { name: 'esp-sendgrid', connector: 'sendgrid', channels: ['email' as const], settings: {} };
let stack: TestStack;
let vendor: SendGridContract;
let connector: Connector;

const limits = { batchSize: sendgridConnector.batchSize, requestsPerSecond: 1000 };
const connectorFor = (url: string, secret = API_KEY) =>
  sendgridConnector.create({
    integration,
    settings: sendgridConnector.settings.parse({ baseUrl: url, groups: { newsletter: NEWSLETTER, promotions: PROMOTIONS } }),
    secret,
    fetch,
  });

beforeAll(async () => {
  stack = await createTestStack();
  vendor = await startSendGridContract({ apiKey: API_KEY, groups: [NEWSLETTER, PROMOTIONS], maxRecipients: sendgridConnector.batchSize });
  connector = connectorFor(vendor.url);
});

afterAll(async () => {
  await vendor?.close();
  stack?.dynamodb.destroy();
  stack?.sqs.destroy();
});

beforeEach(() => {
  vendor.requests.length = 0;
});

describe('sendgrid connector', () => {
  it('puts an opt-out of every purpose on the global unsubscribes and every mapped group, and acks it', async () => {
    const message = change('email', uniqueEmail('all'), 1);
    await deliver(stack.store, [message]);
    const { result } = await run(stack.store, integration, connector, [message], limits);
    expect(result).toMatchObject({ applied: 1, refused: 0, failed: [] });
    expect(vendor.global.has(message.address)).toBe(true);
    expect(vendor.groups.get(NEWSLETTER)!.has(message.address)).toBe(true);
    const ack = await ackOf(stack.store, message, integration.name);
    expect(ack).toMatchObject({ version: 1 });
    expect(ack?.refused).toBeUndefined();
  });

  it('suppresses one purpose in its group only, and a first version lifts nothing', async () => {
    const message = change('email', uniqueEmail('newsletter'), 1, { all: 'allowed', newsletter: 'suppressed' });
    await deliver(stack.store, [message]);
    await run(stack.store, integration, connector, [message], limits);
    expect(vendor.groups.get(NEWSLETTER)!.has(message.address)).toBe(true);
    expect(vendor.groups.get(PROMOTIONS)!.has(message.address)).toBe(false);
    expect(vendor.global.has(message.address)).toBe(false);
    expect(vendor.requests.map((request) => request.method)).toEqual(['POST']);
  });

  it('lifts the global and group suppressions when a later version allows the address again', async () => {
    const address = uniqueEmail('optin');
    const out = change('email', address, 1);
    await deliver(stack.store, [out]);
    await run(stack.store, integration, connector, [out], limits);
    expect(vendor.global.has(address)).toBe(true);

    const back = change('email', address, 2, { all: 'allowed' });
    await deliver(stack.store, [back]);
    const { result } = await run(stack.store, integration, connector, [back], limits);
    expect(result.applied).toBe(1);
    expect(vendor.global.has(address)).toBe(false);
    expect(vendor.groups.get(NEWSLETTER)!.has(address)).toBe(false);
    expect(vendor.groups.get(PROMOTIONS)!.has(address)).toBe(false);
    expect(vendor.requests.filter((request) => request.method === 'DELETE').map((request) => request.path)).toEqual([
      `/v3/asm/suppressions/global/${address}`,
      `/v3/asm/groups/${NEWSLETTER}/suppressions/${address}`,
      `/v3/asm/groups/${PROMOTIONS}/suppressions/${address}`,
    ]);
    expect((await ackOf(stack.store, back, integration.name))?.version).toBe(2);
  });

  it('splits a batch larger than its batch size into several calls, none over the limit', async () => {
    const messages = Array.from({ length: sendgridConnector.batchSize + 7 }, (_, index) =>
      change('email', uniqueEmail(`bulk${index}`), 1, { all: 'allowed', promotions: 'suppressed' }),
    );
    await deliver(stack.store, messages);
    const { result } = await run(stack.store, integration, connector, messages, limits);
    expect(result.applied).toBe(messages.length);
    const posts = vendor.requests.filter((request) => request.path === `/v3/asm/groups/${PROMOTIONS}/suppressions`);
    expect(posts.map((request) => request.recipients)).toEqual([sendgridConnector.batchSize, 7]);
    expect(messages.every((message) => vendor.groups.get(PROMOTIONS)!.has(message.address))).toBe(true);
  }, 60_000);

  it('waits out a 429 until the X-RateLimit-Reset it names, then applies the change', async () => {
    const message = change('email', uniqueEmail('throttled'), 1);
    await deliver(stack.store, [message]);
    vendor.throttle(1, 1);
    const { result } = await run(stack.store, integration, connector, [message], limits);
    expect(result.applied).toBe(1);
    expect(vendor.requests.length).toBeGreaterThanOrEqual(2);
    expect(vendor.global.has(message.address)).toBe(true);
  });

  it('sends a change back to the queue for as long as a longer 429 asks, and applies it when it returns', async () => {
    const message = change('email', uniqueEmail('later'), 1);
    await deliver(stack.store, [message]);
    vendor.throttle(1, 40);
    const first = await run(stack.store, integration, connector, [message], limits);
    expect(first.result).toMatchObject({ applied: 0, retried: 1, failed: [message.messageId] });
    expect(first.retryAfter.get(message.messageId)).toBeGreaterThan(30);
    expect(first.retryAfter.get(message.messageId)).toBeLessThanOrEqual(41);
    expect(await ackOf(stack.store, message, integration.name)).toBeUndefined();
    expect(vendor.global.has(message.address)).toBe(false);

    const second = await run(stack.store, integration, connector, [message], limits, 2);
    expect(second.result.applied).toBe(1);
    expect(vendor.global.has(message.address)).toBe(true);
  });

  it('retries a 5xx with back-off and loses nothing', async () => {
    const message = change('email', uniqueEmail('down'), 1);
    await deliver(stack.store, [message]);
    vendor.fail(1, 503);
    const first = await run(stack.store, integration, connector, [message], limits);
    expect(first.result).toMatchObject({ applied: 0, retried: 1 });
    expect(first.retryAfter.get(message.messageId)).toBe(30);
    const second = await run(stack.store, integration, connector, [message], limits, 2);
    expect(second.result.applied).toBe(1);
    expect(vendor.global.has(message.address)).toBe(true);
  });

  it('records an address SendGrid refuses as refused, applies the rest of the call, and never sends it again', async () => {
    const good = change('email', uniqueEmail('good'), 1);
    const bad = change('email', 'no-domain@example', 1);
    await deliver(stack.store, [good, bad]);
    const { result } = await run(stack.store, integration, connector, [good, bad], limits);
    expect(result).toMatchObject({ applied: 1, refused: 1, failed: [] });
    expect(vendor.global.has(good.address)).toBe(true);
    expect(vendor.global.has(bad.address)).toBe(false);
    expect((await ackOf(stack.store, bad, integration.name))?.refused).toMatch(/^400: email address is invalid/);
    expect((await ackOf(stack.store, good, integration.name))?.refused).toBeUndefined();

    vendor.requests.length = 0;
    const again = await run(stack.store, integration, connector, [bad], limits, 2);
    expect(again.result).toMatchObject({ duplicates: 1, refused: 0 });
    expect(vendor.requests).toEqual([]);
  });

  it('does not send a duplicate or a stale version again', async () => {
    const address = uniqueEmail('stale');
    const v1 = change('email', address, 1);
    const v2 = change('email', address, 2, { all: 'allowed' });
    await deliver(stack.store, [v1, v2]);
    const both = await run(stack.store, integration, connector, [v1, v2], limits);
    // Only the newest version goes to the vendor: the address ends allowed.
    expect(both.result.applied).toBe(2);
    expect(vendor.requests.some((request) => request.method === 'POST')).toBe(false);
    vendor.requests.length = 0;
    const late = await run(stack.store, integration, connector, [v1], limits, 2);
    expect(late.result.duplicates).toBe(1);
    expect(vendor.requests).toEqual([]);
    expect(vendor.global.has(address)).toBe(false);
  });

  it('retries, never refuses, when SendGrid does not accept the API key', async () => {
    const message = change('email', uniqueEmail('badkey'), 1);
    await deliver(stack.store, [message]);
    const { result } = await run(stack.store, integration, connectorFor(vendor.url, 'SG.not-the-key'), [message], limits);
    expect(result).toMatchObject({ applied: 0, refused: 0, retried: 1 });
    expect(await ackOf(stack.store, message, integration.name)).toBeUndefined();
  });

  it('sends on-behalf-of for a subuser when the settings name one', async () => {
    const subuser = sendgridConnector.create({
      integration,
      settings: sendgridConnector.settings.parse({ baseUrl: vendor.url, onBehalfOf: 'brand-eu' }),
      secret: API_KEY,
      fetch,
    });
    const message = change('email', uniqueEmail('subuser'), 1);
    await deliver(stack.store, [message]);
    await run(stack.store, integration, subuser, [message], limits);
    expect(vendor.requests.map((request) => request.onBehalfOf)).toEqual(['brand-eu']);
  });

  it('refuses settings that map no purpose, and a plain-http vendor URL', () => {
    expect(sendgridConnector.settings.safeParse({ globalPurpose: null }).success).toBe(false);
    expect(sendgridConnector.settings.safeParse({ baseUrl: 'http://api.sendgrid.com' }).success).toBe(false);
    expect(sendgridConnector.settings.parse({})).toMatchObject({ baseUrl: 'https://api.sendgrid.com', globalPurpose: 'all', groups: {} });
  });
});
