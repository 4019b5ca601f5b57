import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../../shared/connectors/connector.js';
import { klaviyoConnector } from '../../../shared/connectors/klaviyo.js';
import { ackOf, change, deliver, run, uniqueEmail } from '../../support/connector-harness.js';
import { startKlaviyoContract, type KlaviyoContract } from '../../support/contracts/klaviyo.js';
import { createTestStack, type TestStack } from '../../support/local-stack.js';

/**
 * The `klaviyo` connector through the official klaviyo-api SDK against a server that implements
 * Klaviyo's Bulk Suppress and Bulk Unsuppress Profiles endpoints as documented, with a real store
 * behind the runtime.
 */

const API_KEY = 'pk_contract0123456789abcdef0123456789';
const integration = { name: 'klaviyo-main', connector: 'klaviyo', channels: ['email' as const], settings: {} };
let stack: TestStack;
let vendor: KlaviyoContract;
let connector: Connector;

const limits = { batchSize: klaviyoConnector.batchSize, requestsPerSecond: 1000 };
const connectorFor = (url: string, secret = API_KEY) =>
  klaviyoConnector.create({ integration, settings: klaviyoConnector.settings.parse({ baseUrl: url, requestsPerSecond: 70 }), secret, fetch });

beforeAll(async () => {
  stack = await createTestStack();
  vendor = await startKlaviyoContract({ apiKey: API_KEY });
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

describe('klaviyo connector', () => {
  it('suppresses a profile for an opt-out of all or of marketing, with the SDK revision header, and acks it', async () => {
    const all = change('email', uniqueEmail('all'), 1);
    const marketing = change('email', uniqueEmail('marketing'), 1, { all: 'allowed', marketing: 'suppressed' });
    await deliver(stack.store, [all, marketing]);
    const { result } = await run(stack.store, integration, connector, [all, marketing], limits);
    expect(result).toMatchObject({ applied: 2, refused: 0, failed: [] });
    expect(vendor.suppressed.has(all.address)).toBe(true);
    expect(vendor.suppressed.has(marketing.address)).toBe(true);
    expect(vendor.requests).toEqual([{ path: '/api/profile-suppression-bulk-create-jobs', emails: 2, revision: expect.stringMatching(/^\d{4}-\d{2}-\d{2}/) }]);
    expect((await ackOf(stack.store, all, integration.name))?.version).toBe(1);
  });

  it('leaves a profile alone for an opt-out of a purpose other than the mapped one', async () => {
    const message = change('email', uniqueEmail('billing'), 1, { all: 'allowed', billing: 'suppressed' });
    await deliver(stack.store, [message]);
    const { result } = await run(stack.store, integration, connector, [message], limits);
    expect(result.applied).toBe(1);
    expect(vendor.requests).toEqual([]);
  });

  it('unsuppresses the profile when a later version allows it again', async () => {
    const address = uniqueEmail('optin');
    const [out, back] = [change('email', address, 1), change('email', address, 2, { all: 'allowed' })];
    await deliver(stack.store, [out, back]);
    await run(stack.store, integration, connector, [out], limits);
    expect(vendor.suppressed.has(address)).toBe(true);
    const { result } = await run(stack.store, integration, connector, [back], limits);
    expect(result.applied).toBe(1);
    expect(vendor.suppressed.has(address)).toBe(false);
    expect(vendor.requests.at(-1)?.path).toBe('/api/profile-suppression-bulk-delete-jobs');
  });

  it('sends at most 100 emails a job', async () => {
    const messages = Array.from({ length: 101 }, (_, index) => change('email', uniqueEmail(`bulk${index}`), 1));
    await deliver(stack.store, messages);
    const { result } = await run(stack.store, integration, connector, messages, limits);
    expect(result.applied).toBe(101);
    expect(vendor.requests.map((request) => request.emails)).toEqual([100, 1]);
    expect(messages.every((message) => vendor.suppressed.has(message.address))).toBe(true);
  }, 60_000);

  it('honours Retry-After on a 429: waits out a short one, and sends the change back to the queue for a long one', async () => {
    const soon = change('email', uniqueEmail('soon'), 1);
    await deliver(stack.store, [soon]);
    vendor.throttle(1, 1);
    const first = await run(stack.store, integration, connector, [soon], limits);
    expect(first.result.applied).toBe(1);
    expect(vendor.suppressed.has(soon.address)).toBe(true);

    const later = change('email', uniqueEmail('later'), 1);
    await deliver(stack.store, [later]);
    vendor.throttle(1, 45);
    const second = await run(stack.store, integration, connector, [later], limits);
    expect(second.result).toMatchObject({ applied: 0, retried: 1 });
    expect(second.retryAfter.get(later.messageId)).toBe(45);
    expect(vendor.suppressed.has(later.address)).toBe(false);
    const third = await run(stack.store, integration, connector, [later], limits, 2);
    expect(third.result.applied).toBe(1);
    expect(vendor.suppressed.has(later.address)).toBe(true);
  });

  it('answers 429 past the documented burst limit, and the connector still applies everything', async () => {
    const tight = await startKlaviyoContract({ apiKey: API_KEY, rateLimits: { burst: 1, steady: 750 } });
    try {
      const fast = klaviyoConnector.create({
        integration,
        settings: klaviyoConnector.settings.parse({ baseUrl: tight.url, requestsPerSecond: 1000 }),
        secret: API_KEY,
        fetch,
      });
      const messages = Array.from({ length: 3 }, (_, index) => change('email', uniqueEmail(`burst${index}`), 1));
      await deliver(stack.store, messages);
      const { result } = await run(stack.store, integration, fast, messages, { batchSize: 1, requestsPerSecond: 1000 });
      expect(result.applied).toBe(3);
      expect(messages.every((message) => tight.suppressed.has(message.address))).toBe(true);
    } finally {
      await tight.close();
    }
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
  });

  it('records an email Klaviyo refuses as refused, applies the rest of the job, and never sends it again', async () => {
    const good = change('email', uniqueEmail('good'), 1);
    const bad = change('email', 'nobody@localhost', 1);
    await deliver(stack.store, [good, bad]);
    const { result } = await run(stack.store, integration, connector, [good, bad], limits);
    expect(result).toMatchObject({ applied: 1, refused: 1 });
    expect(vendor.suppressed.has(good.address)).toBe(true);
    expect((await ackOf(stack.store, bad, integration.name))?.refused).toBe('400: Invalid email address');
    vendor.requests.length = 0;
    const again = await run(stack.store, integration, connector, [bad], limits, 2);
    expect(again.result.duplicates).toBe(1);
    expect(vendor.requests).toEqual([]);
  });

  it('does not send a duplicate or stale version again', async () => {
    const address = uniqueEmail('stale');
    const [v1, v2] = [change('email', address, 1), change('email', address, 2, { all: 'allowed' })];
    await deliver(stack.store, [v1, v2]);
    await run(stack.store, integration, connector, [v1, v2], limits);
    // Only the newest version reaches Klaviyo: the profile ends unsuppressed.
    expect(vendor.requests.map((request) => request.path)).toEqual(['/api/profile-suppression-bulk-delete-jobs']);
    vendor.requests.length = 0;
    const late = await run(stack.store, integration, connector, [v1], limits, 2);
    expect(late.result.duplicates).toBe(1);
    expect(vendor.requests).toEqual([]);
  });

  it('retries, never refuses, when Klaviyo does not accept the key', async () => {
    const message = change('email', uniqueEmail('badkey'), 1);
    await deliver(stack.store, [message]);
    const { result } = await run(stack.store, integration, connectorFor(vendor.url, 'pk_wrong'), [message], limits);
    expect(result).toMatchObject({ applied: 0, refused: 0, retried: 1 });
  });
});
