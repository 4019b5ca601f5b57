import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genesysCloudConnector, type GenesysCloudSettings } from '../../../shared/connectors/genesys-cloud.js';
import { checkIntegrations } from '../../../shared/connectors/registry.js';
import type { IntegrationDeclaration } from '../../../shared/platform/integrations.js';
import { getDelivery } from '../../../shared/store/deliveries.js';
import { change, enqueue, runBatch } from '../../support/connector-batches.js';
import { startGenesysCloud, type GenesysCloudServer } from '../../support/contracts/genesys-cloud.js';
import { createTestStack, type TestStack } from '../../support/local-stack.js';
import { phoneNumbers } from '../../support/phones.js';

/** The genesys-cloud connector through applyBatch, against DynamoDB Local and a Genesys Cloud contract server. */

const LIST = 'a3b6f2c1-5d4e-4f1a-9b8c-7d6e5f4a3b2c';
let stack: TestStack;
let genesys: GenesysCloudServer;
const phone = phoneNumbers('415');

beforeAll(async () => {
  stack = await createTestStack();
  genesys = await startGenesysCloud({ clientId: 'client-id-1', clientSecret: 'client-secret-1', dncListIds: [LIST], maxNumbersPerRequest: 1000 });
});

afterAll(async () => {
  await genesys?.close();
});

function integration(
  settings: Partial<GenesysCloudSettings> = {},
  name = 'genesys-dialer',
): { declaration: IntegrationDeclaration; settings: GenesysCloudSettings } {
  const declaration: IntegrationDeclaration = {
    name,
    connector: 'genesys-cloud',
    channels: ['voice', 'sms'],
    settings: { apiBaseUrl: genesys.url, loginBaseUrl: genesys.url, dncListId: LIST, ...settings },
  };
  const [checked] = checkIntegrations([declaration]);
  return { declaration, settings: checked!.checkedSettings as GenesysCloudSettings };
}

function connectorFor(settings: Partial<GenesysCloudSettings> = {}, name?: string) {
  const { declaration, settings: checked } = integration(settings, name);
  const connector = genesysCloudConnector.create({ integration: declaration, settings: checked, secret: 'client-id-1:client-secret-1', fetch });
  return { declaration, connector };
}

describe('genesys-cloud connector', () => {
  it('is accepted by the registry with its defaults, and refuses a missing list id', () => {
    expect(integration().settings).toMatchObject({ region: 'mypurecloud.com', timeoutMs: 10_000 });
    expect(() => checkIntegrations([{ name: 'g', connector: 'genesys-cloud', channels: ['voice'], settings: {} }])).toThrow(/dncListId/);
    expect(() => checkIntegrations([{ name: 'g', connector: 'genesys-cloud', channels: ['email'], settings: { dncListId: LIST } }])).toThrow(
      /cannot hold email/,
    );
  });

  it('adds an opt-out to the DNC list and removes it again on an opt-in, acking both', async () => {
    const { declaration, connector } = connectorFor();
    const number = phone();
    const first = await runBatch(
      stack.store,
      declaration,
      genesysCloudConnector,
      connector,
      await enqueue(stack.store, [change('voice', number, 1, 'suppressed')]),
    );
    expect(first).toMatchObject({ applied: 1, failed: [] });
    expect(genesys.numbers(LIST).has(number)).toBe(true);

    const second = await runBatch(
      stack.store,
      declaration,
      genesysCloudConnector,
      connector,
      await enqueue(stack.store, [change('voice', number, 2, 'allowed')]),
    );
    expect(second).toMatchObject({ applied: 1, failed: [] });
    expect(genesys.numbers(LIST).has(number)).toBe(false);
    expect((await getDelivery(stack.store, 'voice', number, 2))?.acks?.[declaration.name]).toMatchObject({ version: 2 });
  });

  it('keeps a number on the list when the integration only serves a purpose that stays suppressed', async () => {
    const { declaration } = connectorFor({}, 'genesys-marketing');
    const number = phone();
    const scoped = { ...declaration, purposes: ['marketing'] };
    const scopedConnector = genesysCloudConnector.create({
      integration: scoped,
      settings: integration().settings,
      secret: 'client-id-1:client-secret-1',
      fetch,
    });
    await runBatch(stack.store, scoped, genesysCloudConnector, scopedConnector, await enqueue(stack.store, [change('voice', number, 1, 'suppressed')]));
    // Service calls allowed again, marketing still suppressed: the marketing dialer keeps the number.
    await runBatch(
      stack.store,
      scoped,
      genesysCloudConnector,
      scopedConnector,
      await enqueue(stack.store, [change('voice', number, 2, 'suppressed', { all: 'allowed', marketing: 'suppressed' })]),
    );
    expect(genesys.numbers(LIST).has(number)).toBe(true);
  });

  it('splits a batch at the request limit', async () => {
    const { declaration, connector } = connectorFor();
    const numbers = Array.from({ length: 25 }, () => phone());
    const before = genesys.requests.length;
    const result = await runBatch(
      stack.store,
      declaration,
      genesysCloudConnector,
      connector,
      await enqueue(
        stack.store,
        numbers.map((number) => change('voice', number, 1, 'suppressed')),
      ),
      { batchSize: 10, requestsPerSecond: 1000 },
    );
    expect(result.applied).toBe(25);
    expect(genesys.requests.slice(before).map((request) => request.count)).toEqual([10, 10, 5]);
    expect(numbers.every((number) => genesys.numbers(LIST).has(number))).toBe(true);
  });

  it('waits out a 429 with a short Retry-After in place, and sends a long one back to the queue with that delay', async () => {
    const { declaration, connector } = connectorFor();
    const soon = phone();
    genesys.failNext(429, 1, 1);
    const waited = await runBatch(
      stack.store,
      declaration,
      genesysCloudConnector,
      connector,
      await enqueue(stack.store, [change('voice', soon, 1, 'suppressed')]),
    );
    expect(waited).toMatchObject({ applied: 1, failed: [] });
    expect(genesys.numbers(LIST).has(soon)).toBe(true);

    const later = phone();
    genesys.failNext(429, 1, 120);
    const records = await enqueue(stack.store, [change('voice', later, 1, 'suppressed')]);
    const deferred = await runBatch(stack.store, declaration, genesysCloudConnector, connector, records);
    expect(deferred).toMatchObject({ applied: 0, retried: 1, failed: [records[0]!.messageId] });
    expect(deferred.delays).toEqual([{ messageId: records[0]!.messageId, seconds: 120 }]);
    expect(genesys.numbers(LIST).has(later)).toBe(false);

    // The message comes back after the delay and is applied then: nothing lost.
    const again = await runBatch(stack.store, declaration, genesysCloudConnector, connector, records);
    expect(again).toMatchObject({ applied: 1, failed: [] });
    expect(genesys.numbers(LIST).has(later)).toBe(true);
  });

  it("sends changes back until the token's rate limit window ends when Genesys throttles it", async () => {
    const limited = await startGenesysCloud({ clientId: 'client-id-1', clientSecret: 'client-secret-1', dncListIds: [LIST], requestsPerMinute: 2 });
    try {
      const declaration: IntegrationDeclaration = {
        name: 'genesys-limited',
        connector: 'genesys-cloud',
        channels: ['voice'],
        settings: { apiBaseUrl: limited.url, loginBaseUrl: limited.url, dncListId: LIST },
      };
      const [checked] = checkIntegrations([declaration]);
      const connector = genesysCloudConnector.create({
        integration: declaration,
        settings: checked!.checkedSettings as GenesysCloudSettings,
        secret: 'client-id-1:client-secret-1',
        fetch,
      });
      const numbers = [phone(), phone(), phone()];
      const results = [];
      for (const number of numbers) {
        results.push(
          await runBatch(stack.store, declaration, genesysCloudConnector, connector, await enqueue(stack.store, [change('voice', number, 1, 'suppressed')]), {
            maxInlineWaitMs: 0,
          }),
        );
      }
      expect(results.map((result) => result.applied)).toEqual([1, 1, 0]);
      expect(results[2]!.delays[0]!.seconds).toBeGreaterThan(0);
      expect(results[2]!.delays[0]!.seconds).toBeLessThanOrEqual(60);
      expect(limited.numbers(LIST).has(numbers[2]!)).toBe(false);
    } finally {
      await limited.close();
    }
  });

  it('retries a 5xx with back-off', async () => {
    const { declaration, connector } = connectorFor();
    const number = phone();
    genesys.failNext(503, 1);
    const records = await enqueue(stack.store, [change('sms', number, 1, 'suppressed')]);
    const result = await runBatch(stack.store, declaration, genesysCloudConnector, connector, records);
    expect(result).toMatchObject({ applied: 0, retried: 1 });
    expect(result.delays[0]!.seconds).toBe(30);
    expect(await getDelivery(stack.store, 'sms', number, 1)).not.toHaveProperty(`acks.${declaration.name}`);
    expect((await runBatch(stack.store, declaration, genesysCloudConnector, connector, records)).applied).toBe(1);
  });

  it('refuses the numbers Genesys will not store, records the refusal, and applies the rest of the batch', async () => {
    const { declaration, connector } = connectorFor();
    const good = [phone(), phone(), phone()];
    const bad = phone();
    genesys.reject(bad);
    const records = await enqueue(
      stack.store,
      [...good, bad].map((number) => change('voice', number, 1, 'suppressed')),
    );
    const result = await runBatch(stack.store, declaration, genesysCloudConnector, connector, records);
    expect(result).toMatchObject({ applied: 3, refused: 1, failed: [] });
    expect(good.every((number) => genesys.numbers(LIST).has(number))).toBe(true);
    expect(genesys.numbers(LIST).has(bad)).toBe(false);
    const refusal = (await getDelivery(stack.store, 'voice', bad, 1))?.acks?.[declaration.name];
    expect(refusal?.refused).toMatch(/^400/);

    // Redelivered, it is not sent again: the refusal is final.
    const sent = genesys.requests.length;
    const again = await runBatch(stack.store, declaration, genesysCloudConnector, connector, [records[3]!]);
    expect(again).toMatchObject({ duplicates: 1, failed: [] });
    expect(genesys.requests.length).toBe(sent);
  });

  it('gets a fresh token once when Genesys says the token is no longer valid', async () => {
    const { declaration, connector } = connectorFor();
    await runBatch(stack.store, declaration, genesysCloudConnector, connector, await enqueue(stack.store, [change('voice', phone(), 1, 'suppressed')]));
    const issued = genesys.tokensIssued;
    genesys.expireTokens();
    const number = phone();
    const result = await runBatch(
      stack.store,
      declaration,
      genesysCloudConnector,
      connector,
      await enqueue(stack.store, [change('voice', number, 1, 'suppressed')]),
    );
    expect(result.applied).toBe(1);
    expect(genesys.tokensIssued).toBe(issued + 1);
    expect(genesys.numbers(LIST).has(number)).toBe(true);
  });

  it('does not send a duplicate or a stale version again', async () => {
    const { declaration, connector } = connectorFor();
    const number = phone();
    const [v1] = await enqueue(stack.store, [change('voice', number, 1, 'suppressed')]);
    const [v2] = await enqueue(stack.store, [change('voice', number, 2, 'allowed')]);
    expect((await runBatch(stack.store, declaration, genesysCloudConnector, connector, [v2!])).applied).toBe(1);
    const sent = genesys.requests.length;
    const stale = await runBatch(stack.store, declaration, genesysCloudConnector, connector, [v1!, v2!]);
    expect(stale).toMatchObject({ applied: 0, duplicates: 2 });
    expect(genesys.requests.length).toBe(sent);
    expect(genesys.numbers(LIST).has(number)).toBe(false);
  });

  it('refuses an address that is not an E.164 number without calling Genesys', async () => {
    const { declaration, connector } = connectorFor();
    const number = phone();
    const sent = genesys.requests.length;
    const result = await runBatch(
      stack.store,
      declaration,
      genesysCloudConnector,
      connector,
      await enqueue(stack.store, [change('voice', '5551234', 1, 'suppressed'), change('voice', number, 1, 'suppressed')]),
    );
    expect(result).toMatchObject({ applied: 1, refused: 1 });
    expect(genesys.requests.slice(sent)).toEqual([{ method: 'POST', count: 1 }]);
    expect((await getDelivery(stack.store, 'voice', '5551234', 1))?.acks?.[declaration.name]?.refused).toBe('not an E.164 phone number');
  });
});
