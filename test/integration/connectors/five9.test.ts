import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { five9Connector, five9Number, msUntilWindow, type Five9Settings } from '../../../shared/connectors/five9.js';
import { checkIntegrations } from '../../../shared/connectors/registry.js';
import type { IntegrationDeclaration } from '../../../shared/platform/integrations.js';
import { getDelivery } from '../../../shared/store/deliveries.js';
import { change, enqueue, runBatch } from '../../support/connector-batches.js';
import { startFive9, type Five9Options, type Five9Server } from '../../support/contracts/five9.js';
import { createTestStack, type TestStack } from '../../support/local-stack.js';
import { phoneNumbers } from '../../support/phones.js';

/** The five9 connector through applyBatch, against DynamoDB Local and a Five9 Configuration Web Services contract server. */

let stack: TestStack;
const servers: Five9Server[] = [];
const phone = phoneNumbers('628');
const credentials = { username: 'api-admin@example.com', password: 'pa:ss-word' };

beforeAll(async () => {
  stack = await createTestStack();
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function five9(options: Partial<Five9Options> = {}) {
  const server = await startFive9({ ...credentials, addWindow: null, ...options });
  servers.push(server);
  return server;
}

function connectorFor(server: Five9Server, settings: Record<string, unknown> = {}, name = 'five9-dialer') {
  const declaration: IntegrationDeclaration = {
    name,
    connector: 'five9',
    channels: ['voice'],
    settings: { endpoint: server.endpoint, addWindow: null, ...settings },
  };
  const [checked] = checkIntegrations([declaration]);
  const connector = five9Connector.create({
    integration: declaration,
    settings: checked!.checkedSettings as Five9Settings,
    secret: `${credentials.username}:${credentials.password}`,
    fetch,
  });
  return { declaration, connector };
}

/** A window of one hour that opens two hours from now, in UTC. */
function closedWindow() {
  const hour = new Date().getUTCHours();
  const clock = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
  return { timeZone: 'UTC', from: clock(hour + 2), to: clock(hour + 3) };
}

describe('five9 connector', () => {
  it('defaults to the v13 US endpoint and the 11 PM to 6 AM Pacific upload window, and takes voice only', () => {
    const [checked] = checkIntegrations([{ name: 'f', connector: 'five9', channels: ['voice'], settings: {} }]);
    expect(checked!.checkedSettings).toEqual({
      endpoint: 'https://api.five9.com/wsadmin/v13/AdminWebService',
      addWindow: { timeZone: 'America/Los_Angeles', from: '23:00', to: '06:00' },
      timeoutMs: 30_000,
    });
    expect(() => checkIntegrations([{ name: 'f', connector: 'five9', channels: ['sms'], settings: {} }])).toThrow(/cannot hold sms/);
    expect(five9Number('+14155550100')).toBe('4155550100');
    expect(five9Number('+442071838750')).toBe('011442071838750');
    // 22:30 in Los Angeles on a winter day: the window opens in 30 minutes.
    expect(msUntilWindow({ timeZone: 'America/Los_Angeles', from: '23:00', to: '06:00' }, new Date('2026-01-15T06:30:00Z'))).toBe(30 * 60_000);
    expect(msUntilWindow({ timeZone: 'America/Los_Angeles', from: '23:00', to: '06:00' }, new Date('2026-01-15T08:30:00Z'))).toBe(0);
  });

  it('adds an opt-out to the DNC list as Five9 writes numbers, and removes it on an opt-in', async () => {
    const server = await five9();
    const { declaration, connector } = connectorFor(server);
    const number = phone();
    const abroad = '+442071838750';
    const first = await runBatch(
      stack.store,
      declaration,
      five9Connector,
      connector,
      await enqueue(stack.store, [change('voice', number, 1, 'suppressed'), change('voice', abroad, 1, 'suppressed')]),
    );
    expect(first).toMatchObject({ applied: 2, failed: [] });
    expect(server.dnc).toEqual(new Set([number.slice(2), '011442071838750']));

    const second = await runBatch(stack.store, declaration, five9Connector, connector, await enqueue(stack.store, [change('voice', number, 2, 'allowed')]));
    expect(second).toMatchObject({ applied: 1, failed: [] });
    expect(server.dnc.has(number.slice(2))).toBe(false);
    expect(server.calls).toEqual([
      { method: 'addNumbersToDnc', count: 2 },
      { method: 'removeNumbersFromDnc', count: 1 },
    ]);
    expect((await getDelivery(stack.store, 'voice', number, 2))?.acks?.[declaration.name]).toMatchObject({ version: 2 });
  });

  it('splits a batch at the request limit', async () => {
    const server = await five9();
    const { declaration, connector } = connectorFor(server);
    const numbers = Array.from({ length: 25 }, () => phone());
    const result = await runBatch(
      stack.store,
      declaration,
      five9Connector,
      connector,
      await enqueue(
        stack.store,
        numbers.map((number) => change('voice', number, 1, 'suppressed')),
      ),
      { batchSize: 10, requestsPerSecond: 1000 },
    );
    expect(result.applied).toBe(25);
    expect(server.calls.map((call) => call.count)).toEqual([10, 10, 5]);
  });

  it('holds opt-outs until the upload window opens, while opt-ins apply at once', async () => {
    const window = closedWindow();
    const server = await five9({ addWindow: window });
    const { declaration, connector } = connectorFor(server, { addWindow: window });
    const removed = phone();
    server.dnc.add(removed.slice(2));
    const added = phone();
    const records = await enqueue(stack.store, [change('voice', added, 1, 'suppressed'), change('voice', removed, 3, 'allowed')]);
    const result = await runBatch(stack.store, declaration, five9Connector, connector, records);
    expect(result).toMatchObject({ applied: 1, retried: 1, failed: [records[0]!.messageId] });
    // Sent back until the window opens, one to two hours from now.
    expect(result.delays[0]!.seconds).toBeGreaterThan(3600);
    expect(result.delays[0]!.seconds).toBeLessThanOrEqual(7200);
    expect(server.calls).toEqual([{ method: 'removeNumbersFromDnc', count: 1 }]);
    expect(server.dnc.has(removed.slice(2))).toBe(false);
  });

  it('waits for the window when Five9 refuses an upload outside it', async () => {
    const window = closedWindow();
    const server = await five9({ addWindow: window });
    // The connector does not know the domain's window: Five9's fault tells it.
    const { declaration, connector } = connectorFor(server, { addWindow: null });
    const records = await enqueue(stack.store, [change('voice', phone(), 1, 'suppressed')]);
    const result = await runBatch(stack.store, declaration, five9Connector, connector, records);
    expect(result).toMatchObject({ applied: 0, retried: 1 });
    expect(server.faults).toEqual(['ExecutionRestrictionFault']);
    expect(result.delays[0]!.seconds).toBe(3600);
  });

  it('backs off until the exceeded request limit resets, reading it from getCallCountersState', async () => {
    const server = await five9({ limits: { Upload: [100, 2, 2000] } });
    const { declaration, connector } = connectorFor(server);
    for (let index = 0; index < 2; index++) {
      await runBatch(stack.store, declaration, five9Connector, connector, await enqueue(stack.store, [change('voice', phone(), 1, 'suppressed')]));
    }
    const records = await enqueue(stack.store, [change('voice', phone(), 1, 'suppressed')]);
    const result = await runBatch(stack.store, declaration, five9Connector, connector, records, { maxInlineWaitMs: 0 });
    expect(result).toMatchObject({ applied: 0, retried: 1 });
    expect(server.faults).toEqual(['OperationsLimitExceededFault']);
    // The hourly limit was hit: back when the hour ends (a minute's limit would say at most 60 s).
    const seconds = (3_600_000 - (Date.now() % 3_600_000)) / 1000;
    expect(result.delays[0]!.seconds).toBeGreaterThan(seconds - 5);
    expect(result.delays[0]!.seconds).toBeLessThanOrEqual(3600);
  });

  it('honours 429 with Retry-After and retries 5xx, losing nothing', async () => {
    const server = await five9();
    const { declaration, connector } = connectorFor(server);
    const number = phone();
    server.failNext(429, 1, 90);
    const records = await enqueue(stack.store, [change('voice', number, 1, 'suppressed')]);
    const throttled = await runBatch(stack.store, declaration, five9Connector, connector, records);
    expect(throttled).toMatchObject({ applied: 0, retried: 1 });
    expect(throttled.delays).toEqual([{ messageId: records[0]!.messageId, seconds: 90 }]);

    server.failNext(503, 1);
    const down = await runBatch(stack.store, declaration, five9Connector, connector, records, { maxInlineWaitMs: 0 });
    expect(down).toMatchObject({ applied: 0, retried: 1 });
    expect(down.delays[0]!.seconds).toBe(30);

    expect((await runBatch(stack.store, declaration, five9Connector, connector, records)).applied).toBe(1);
    expect(server.dnc.has(number.slice(2))).toBe(true);
  });

  it('refuses the number Five9 names in its fault, records it, and applies the rest', async () => {
    const server = await five9();
    const { declaration, connector } = connectorFor(server);
    const good = [phone(), phone()];
    const bad = phone();
    server.reject(bad.slice(2));
    const records = await enqueue(
      stack.store,
      [good[0]!, bad, good[1]!].map((number) => change('voice', number, 1, 'suppressed')),
    );
    const result = await runBatch(stack.store, declaration, five9Connector, connector, records);
    expect(result).toMatchObject({ applied: 2, refused: 1, failed: [] });
    expect(server.dnc).toEqual(new Set(good.map((number) => number.slice(2))));
    expect((await getDelivery(stack.store, 'voice', bad, 1))?.acks?.[declaration.name]?.refused).toMatch(/^IncorrectArgumentFault/);

    const sent = server.calls.length;
    expect(await runBatch(stack.store, declaration, five9Connector, connector, [records[1]!])).toMatchObject({ duplicates: 1 });
    expect(server.calls.length).toBe(sent);
  });

  it('does not send a duplicate or a stale version again', async () => {
    const server = await five9();
    const { declaration, connector } = connectorFor(server);
    const number = phone();
    const [v1] = await enqueue(stack.store, [change('voice', number, 1, 'suppressed')]);
    const [v2] = await enqueue(stack.store, [change('voice', number, 2, 'allowed')]);
    expect((await runBatch(stack.store, declaration, five9Connector, connector, [v2!])).applied).toBe(1);
    const stale = await runBatch(stack.store, declaration, five9Connector, connector, [v1!, v2!]);
    expect(stale).toMatchObject({ applied: 0, duplicates: 2 });
    expect(server.calls).toEqual([{ method: 'removeNumbersFromDnc', count: 1 }]);
  });

  it('fails the batch, not the numbers, when Five9 refuses the credentials', async () => {
    const server = await five9();
    const declaration: IntegrationDeclaration = {
      name: 'five9-wrong',
      connector: 'five9',
      channels: ['voice'],
      settings: { endpoint: server.endpoint, addWindow: null },
    };
    const [checked] = checkIntegrations([declaration]);
    const connector = five9Connector.create({
      integration: declaration,
      settings: checked!.checkedSettings as Five9Settings,
      secret: 'api-admin@example.com:wrong',
      fetch,
    });
    const number = phone();
    const result = await runBatch(stack.store, declaration, five9Connector, connector, await enqueue(stack.store, [change('voice', number, 1, 'suppressed')]));
    expect(result).toMatchObject({ applied: 0, refused: 0, retried: 1 });
    expect(await getDelivery(stack.store, 'voice', number, 1)).not.toHaveProperty('acks');
  });
});
