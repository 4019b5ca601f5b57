import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { brazeConnector } from '../../../shared/connectors/braze.js';
import type { Connector } from '../../../shared/connectors/connector.js';
import { ackOf, change, deliver, run, uniqueEmail, uniquePhone } from '../../support/connector-harness.js';
import { startBrazeContract, type BrazeContract } from '../../support/contracts/braze.js';
import { createTestStack, type TestStack } from '../../support/local-stack.js';

/**
 * The `braze` connector against a server that implements Braze's /email/status and
 * /v2/subscription/status/set as documented, with a real store behind the runtime.
 */

const API_KEY = 'braze-rest-key-0123456789abcdef';
const EMAIL_NEWSLETTER = 'a1b2c3d4-0000-4000-8000-00000000e001';
const SMS_MARKETING = 'a1b2c3d4-0000-4000-8000-00000000s001';
const integration = { name: 'braze-main', connector: 'braze', channels: ['email' as const, 'sms' as const], settings: {} };
let stack: TestStack;
let vendor: BrazeContract;
let connector: Connector;

const limits = { batchSize: brazeConnector.batchSize, requestsPerSecond: 1000 };
const settingsFor = (url: string, extra: Record<string, unknown> = {}) =>
  brazeConnector.settings.parse({
    restEndpoint: url,
    subscriptionGroups: { email: { newsletter: EMAIL_NEWSLETTER }, sms: { all: SMS_MARKETING } },
    requestsPerSecond: 500,
    ...extra,
  });

beforeAll(async () => {
  stack = await createTestStack();
  vendor = await startBrazeContract({ apiKey: API_KEY, groups: { [EMAIL_NEWSLETTER]: 'email', [SMS_MARKETING]: 'sms' } });
  connector = brazeConnector.create({ integration, settings: settingsFor(vendor.url), secret: API_KEY, fetch });
});

afterAll(async () => {
  await vendor?.close();
  stack?.dynamodb.destroy();
  stack?.sqs.destroy();
});

beforeEach(() => {
  vendor.requests.length = 0;
});

describe('braze connector', () => {
  it('unsubscribes an email from all email and from its mapped group, and an SMS opt-out from the SMS group', async () => {
    const email = change('email', uniqueEmail('all'), 1);
    const sms = change('sms', uniquePhone(), 1);
    await deliver(stack.store, [email, sms]);
    const { result } = await run(stack.store, integration, connector, [email, sms], limits);
    expect(result).toMatchObject({ applied: 2, refused: 0, failed: [] });
    expect(vendor.email.get(email.address)).toBe('unsubscribed');
    expect(vendor.groups.get(EMAIL_NEWSLETTER)!.get(email.address)).toBe('unsubscribed');
    expect(vendor.groups.get(SMS_MARKETING)!.get(sms.address)).toBe('unsubscribed');
    // Emails and phones never share a subscription status request.
    expect(vendor.requests.map((request) => request.path).sort()).toEqual(['/email/status', '/v2/subscription/status/set', '/v2/subscription/status/set']);
    expect((await ackOf(stack.store, sms, integration.name))?.version).toBe(1);
  });

  it('unsubscribes one purpose from its group only and leaves the global email state alone', async () => {
    const message = change('email', uniqueEmail('newsletter'), 1, { all: 'allowed', newsletter: 'suppressed' });
    await deliver(stack.store, [message]);
    await run(stack.store, integration, connector, [message], limits);
    expect(vendor.groups.get(EMAIL_NEWSLETTER)!.get(message.address)).toBe('unsubscribed');
    expect(vendor.email.has(message.address)).toBe(false);
  });

  it('subscribes the address again when a later version allows it', async () => {
    const address = uniqueEmail('optin');
    const out = change('email', address, 1);
    const back = change('email', address, 2, { all: 'allowed' });
    await deliver(stack.store, [out, back]);
    await run(stack.store, integration, connector, [out], limits);
    expect(vendor.email.get(address)).toBe('unsubscribed');
    const { result } = await run(stack.store, integration, connector, [back], limits);
    expect(result.applied).toBe(1);
    expect(vendor.email.get(address)).toBe('subscribed');
    expect(vendor.groups.get(EMAIL_NEWSLETTER)!.get(address)).toBe('subscribed');

    const phone = uniquePhone();
    const smsOut = change('sms', phone, 1);
    const smsBack = change('sms', phone, 2, { all: 'allowed' });
    await deliver(stack.store, [smsOut, smsBack]);
    await run(stack.store, integration, connector, [smsOut], limits);
    await run(stack.store, integration, connector, [smsBack], limits);
    expect(vendor.groups.get(SMS_MARKETING)!.get(phone)).toBe('subscribed');
  });

  it('sets opted_in when the settings say so, and writes nothing for an opt-in with resubscribe off', async () => {
    const optedIn = brazeConnector.create({ integration, settings: settingsFor(vendor.url, { emailOptInState: 'opted_in' }), secret: API_KEY, fetch });
    const address = uniqueEmail('opted');
    const [out, back] = [change('email', address, 1), change('email', address, 2, { all: 'allowed' })];
    await deliver(stack.store, [out, back]);
    await run(stack.store, integration, optedIn, [out], limits);
    await run(stack.store, integration, optedIn, [back], limits);
    expect(vendor.email.get(address)).toBe('opted_in');

    const leaving = brazeConnector.create({
      integration: { ...integration, name: 'braze-leave' },
      settings: settingsFor(vendor.url, { resubscribe: false }),
      secret: API_KEY,
      fetch,
    });
    const other = uniqueEmail('leave');
    const [out2, back2] = [change('email', other, 1), change('email', other, 2, { all: 'allowed' })];
    await deliver(stack.store, [out2, back2]);
    await run(stack.store, { ...integration, name: 'braze-leave' }, leaving, [out2], limits);
    vendor.requests.length = 0;
    const { result } = await run(stack.store, { ...integration, name: 'braze-leave' }, leaving, [back2], limits);
    expect(result.applied).toBe(1);
    expect(vendor.requests).toEqual([]);
    expect(vendor.email.get(other)).toBe('unsubscribed');
  });

  it('sends at most 50 addresses a call, as both endpoints document', async () => {
    const messages = Array.from({ length: 101 }, () => change('sms', uniquePhone(), 1, { all: 'suppressed' }));
    // uniquePhone may repeat within a run; one change per address, as the runtime keys them.
    const unique = [...new Map(messages.map((message) => [message.address, message])).values()];
    await deliver(stack.store, unique);
    const { result } = await run(stack.store, integration, connector, unique, limits);
    expect(result.applied).toBe(unique.length);
    expect(Math.max(...vendor.requests.map((request) => request.addresses))).toBe(50);
    expect(vendor.requests).toHaveLength(Math.ceil(unique.length / 50));
    expect(unique.every((message) => vendor.groups.get(SMS_MARKETING)!.get(message.address) === 'unsubscribed')).toBe(true);
  });

  it('waits out a 429 until X-RateLimit-Reset, then applies the change', async () => {
    const message = change('email', uniqueEmail('throttled'), 1);
    await deliver(stack.store, [message]);
    vendor.throttle(1, 1);
    const { result } = await run(stack.store, integration, connector, [message], limits);
    expect(result.applied).toBe(1);
    expect(vendor.email.get(message.address)).toBe('unsubscribed');
  });

  it('sends a change back to the queue for a longer 429, and for a 5xx with back-off, losing nothing', async () => {
    const throttled = change('email', uniqueEmail('later'), 1);
    await deliver(stack.store, [throttled]);
    vendor.throttle(1, 40);
    const first = await run(stack.store, integration, connector, [throttled], limits);
    expect(first.result).toMatchObject({ applied: 0, retried: 1 });
    expect(first.retryAfter.get(throttled.messageId)).toBeGreaterThan(30);
    expect(await ackOf(stack.store, throttled, integration.name)).toBeUndefined();

    const down = change('sms', uniquePhone(), 1);
    await deliver(stack.store, [down]);
    vendor.fail(1, 500);
    const second = await run(stack.store, integration, connector, [down], limits);
    expect(second.result).toMatchObject({ applied: 0, retried: 1 });
    expect(second.retryAfter.get(down.messageId)).toBe(30);

    const again = await run(stack.store, integration, connector, [throttled, down], limits, 2);
    expect(again.result.applied).toBe(2);
    expect(vendor.email.get(throttled.address)).toBe('unsubscribed');
    expect(vendor.groups.get(SMS_MARKETING)!.get(down.address)).toBe('unsubscribed');
  });

  it('records a phone number Braze refuses as refused and applies the others of the call', async () => {
    const good = change('sms', uniquePhone(), 1);
    const bad = change('sms', '+0123', 1);
    await deliver(stack.store, [good, bad]);
    const { result } = await run(stack.store, integration, connector, [good, bad], limits);
    expect(result).toMatchObject({ applied: 1, refused: 1, failed: [] });
    expect(vendor.groups.get(SMS_MARKETING)!.get(good.address)).toBe('unsubscribed');
    expect(vendor.groups.get(SMS_MARKETING)!.has(bad.address)).toBe(false);
    expect((await ackOf(stack.store, bad, integration.name))?.refused).toBe('400: Invalid phone number');

    vendor.requests.length = 0;
    const again = await run(stack.store, integration, connector, [bad], limits, 2);
    expect(again.result).toMatchObject({ duplicates: 1 });
    expect(vendor.requests).toEqual([]);
  });

  it('retries, never refuses, when a subscription group id is wrong', async () => {
    const wrong = brazeConnector.create({
      integration,
      settings: settingsFor(vendor.url, { subscriptionGroups: { email: {}, sms: { all: 'no-such-group' } } }),
      secret: API_KEY,
      fetch,
    });
    const message = change('sms', uniquePhone(), 1);
    await deliver(stack.store, [message]);
    const { result } = await run(stack.store, integration, wrong, [message], limits);
    expect(result).toMatchObject({ applied: 0, refused: 0, retried: 1 });
  });

  it('does not send a duplicate or stale version again', async () => {
    const address = uniqueEmail('stale');
    const [v1, v2] = [change('email', address, 1), change('email', address, 2, { all: 'allowed' })];
    await deliver(stack.store, [v1, v2]);
    await run(stack.store, integration, connector, [v2], limits);
    vendor.requests.length = 0;
    const late = await run(stack.store, integration, connector, [v1, v2], limits, 2);
    expect(late.result.duplicates).toBe(2);
    expect(vendor.requests).toEqual([]);
  });

  it('will not start an SMS integration without an SMS subscription group', () => {
    expect(() =>
      brazeConnector.create({
        integration,
        settings: brazeConnector.settings.parse({ restEndpoint: 'https://rest.iad-01.braze.com' }),
        secret: API_KEY,
        fetch,
      }),
    ).toThrow(/subscriptionGroups\.sms/);
  });
});
