import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../../../shared/core/channels.js';
import { checkIntegrations } from '../../../shared/connectors/registry.js';
import { salesforceConnector, soqlString, type SalesforceSettings } from '../../../shared/connectors/salesforce.js';
import type { IntegrationDeclaration } from '../../../shared/platform/integrations.js';
import { getDelivery } from '../../../shared/store/deliveries.js';
import { change, enqueue, runBatch } from '../../support/connector-batches.js';
import { startSalesforce, type SalesforceOptions, type SalesforceServer } from '../../support/contracts/salesforce.js';
import { createTestStack, type TestStack } from '../../support/local-stack.js';
import { phoneNumbers } from '../../support/phones.js';

/** The salesforce connector through applyBatch, against DynamoDB Local and a Salesforce REST API contract server. */

let stack: TestStack;
const servers: SalesforceServer[] = [];
const phone = phoneNumbers('312');
let emailCount = 0;
const email = (local = 'person') => `${local}.${Date.now().toString(36)}${emailCount++}@example.com`;
const credentials = { clientId: '3MVG9consumer-key', clientSecret: 'consumer:secret' };

beforeAll(async () => {
  stack = await createTestStack();
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function salesforce(options: Partial<SalesforceOptions> = {}) {
  const server = await startSalesforce({ ...credentials, customFields: ['SMS_Opt_Out__c'], ...options });
  servers.push(server);
  return server;
}

function connectorFor(server: SalesforceServer, settings: Record<string, unknown> = {}, channels: Channel[] = ['email', 'voice', 'sms']) {
  const declaration: IntegrationDeclaration = {
    name: 'crm-salesforce',
    connector: 'salesforce',
    channels,
    settings: { loginUrl: server.url, smsOptOutField: 'SMS_Opt_Out__c', ...settings },
  };
  const [checked] = checkIntegrations([declaration]);
  const connector = salesforceConnector.create({
    integration: declaration,
    settings: checked!.checkedSettings as SalesforceSettings,
    secret: `${credentials.clientId}:${credentials.clientSecret}`,
    fetch,
  });
  return { declaration, connector };
}

describe('salesforce connector', () => {
  it('checks its settings, and needs the SMS field to take sms', async () => {
    const [checked] = checkIntegrations([
      { name: 's', connector: 'salesforce', channels: ['email'], settings: { loginUrl: 'https://acme.my.salesforce.com/' } },
    ]);
    expect(checked!.checkedSettings).toEqual({
      loginUrl: 'https://acme.my.salesforce.com',
      apiVersion: '62.0',
      objects: ['Contact', 'Lead'],
      phoneFields: ['Phone', 'MobilePhone'],
      timeoutMs: 10_000,
    });
    expect(() => checkIntegrations([{ name: 's', connector: 'salesforce', channels: ['email'], settings: {} }])).toThrow(/loginUrl/);
    expect(() =>
      checkIntegrations([{ name: 's', connector: 'salesforce', channels: ['mail'], settings: { loginUrl: 'https://a.my.salesforce.com' } }]),
    ).toThrow(/cannot hold mail/);
    const server = await salesforce();
    expect(() => connectorFor(server, { smsOptOutField: undefined })).toThrow(/smsOptOutField/);
    expect(soqlString("o'brien\\x@example.com")).toBe("'o\\'brien\\\\x@example.com'");
  });

  it('sets HasOptedOutOfEmail on every Contact and Lead with the address, and clears it on an opt-in', async () => {
    const server = await salesforce();
    const { declaration, connector } = connectorFor(server);
    const address = email('ada');
    const contact = server.add('Contact', { LastName: 'Lovelace', Email: address.toUpperCase() });
    const lead = server.add('Lead', { LastName: 'Lovelace', Email: address });
    const converted = server.add('Lead', { LastName: 'Lovelace', Email: address, IsConverted: true });
    const other = server.add('Contact', { LastName: 'Other', Email: email('other') });

    const first = await runBatch(
      stack.store,
      declaration,
      salesforceConnector,
      connector,
      await enqueue(stack.store, [change('email', address, 1, 'suppressed')]),
    );
    expect(first).toMatchObject({ applied: 1, failed: [] });
    expect([contact, lead, converted, other].map((record) => server.record(record.Id)!.fields.HasOptedOutOfEmail)).toEqual([true, true, false, false]);

    const second = await runBatch(
      stack.store,
      declaration,
      salesforceConnector,
      connector,
      await enqueue(stack.store, [change('email', address, 2, 'allowed')]),
    );
    expect(second).toMatchObject({ applied: 1 });
    expect(server.record(contact.Id)!.fields.HasOptedOutOfEmail).toBe(false);
    expect((await getDelivery(stack.store, 'email', address, 2))?.acks?.[declaration.name]).toMatchObject({ version: 2 });
  });

  it('finds a number however it was typed into Phone or MobilePhone, and sets DoNotCall or the SMS field', async () => {
    const server = await salesforce();
    const { declaration, connector } = connectorFor(server);
    const number = phone();
    const [area, exchange, line] = [number.slice(2, 5), number.slice(5, 8), number.slice(8)];
    const typed = server.add('Contact', { LastName: 'A', Phone: `(${area}) ${exchange}-${line}` });
    const mobile = server.add('Lead', { LastName: 'B', MobilePhone: `+1 ${area}-${exchange}-${line}` });
    const bare = server.add('Contact', { LastName: 'C', MobilePhone: `${area}${exchange}${line}` });
    const result = await runBatch(
      stack.store,
      declaration,
      salesforceConnector,
      connector,
      await enqueue(stack.store, [change('voice', number, 1, 'suppressed'), change('sms', number, 1, 'suppressed')]),
    );
    expect(result).toMatchObject({ applied: 2, failed: [] });
    for (const record of [typed, mobile, bare]) {
      expect(server.record(record.Id)!.fields).toMatchObject({ DoNotCall: true, SMS_Opt_Out__c: true, HasOptedOutOfEmail: false });
    }
  });

  it('escapes addresses in SOQL', async () => {
    const server = await salesforce();
    const { declaration, connector } = connectorFor(server);
    const address = `o'brien\\${email('q')}`;
    const record = server.add('Contact', { LastName: "O'Brien", Email: address });
    const result = await runBatch(
      stack.store,
      declaration,
      salesforceConnector,
      connector,
      await enqueue(stack.store, [change('email', address, 1, 'suppressed')]),
    );
    expect(result).toMatchObject({ applied: 1, refused: 0, retried: 0 });
    expect(server.record(record.Id)!.fields.HasOptedOutOfEmail).toBe(true);
  });

  it('counts an address no record holds as applied, without an update call', async () => {
    const server = await salesforce();
    const { declaration, connector } = connectorFor(server);
    const address = email('nobody');
    const result = await runBatch(
      stack.store,
      declaration,
      salesforceConnector,
      connector,
      await enqueue(stack.store, [change('email', address, 1, 'suppressed')]),
    );
    expect(result).toMatchObject({ applied: 1, refused: 0 });
    expect(server.calls.map((call) => call.method)).toEqual(['GET', 'GET']);
    expect((await getDelivery(stack.store, 'email', address, 1))?.acks?.[declaration.name]).not.toHaveProperty('refused');
  });

  it('updates at most 200 records a call and follows query pages', async () => {
    const server = await salesforce({ pageSize: 100 });
    const { declaration, connector } = connectorFor(server, { objects: ['Contact'] });
    const address = email('shared');
    const many = Array.from({ length: 250 }, (_, index) => server.add('Contact', { LastName: `N${index}`, Email: address }));
    const result = await runBatch(
      stack.store,
      declaration,
      salesforceConnector,
      connector,
      await enqueue(stack.store, [change('email', address, 1, 'suppressed')]),
    );
    expect(result.applied).toBe(1);
    expect(server.calls.filter((call) => call.method === 'PATCH').map((call) => call.records)).toEqual([200, 50]);
    expect(server.calls.filter((call) => call.path.includes('/query/')).length).toBe(2);
    expect(many.every((record) => server.record(record.Id)!.fields.HasOptedOutOfEmail === true)).toBe(true);
  });

  it('splits a batch of changes at the connector batch size', async () => {
    const server = await salesforce();
    const { declaration, connector } = connectorFor(server, { objects: ['Contact'] });
    const addresses = Array.from({ length: 60 }, () => email('batch'));
    for (const address of addresses) server.add('Contact', { LastName: 'B', Email: address });
    const result = await runBatch(
      stack.store,
      declaration,
      salesforceConnector,
      connector,
      await enqueue(
        stack.store,
        addresses.map((address) => change('email', address, 1, 'suppressed')),
      ),
      { requestsPerSecond: 1000 },
    );
    expect(result.applied).toBe(60);
    expect(server.calls.filter((call) => call.method === 'PATCH').map((call) => call.records)).toEqual([50, 10]);
  });

  it('refuses a change whose record Salesforce rejects for good, and retries one whose record is locked', async () => {
    const server = await salesforce();
    const { declaration, connector } = connectorFor(server);
    const [rejected, locked, fine] = [email('rejected'), email('locked'), email('fine')];
    const records = [rejected, locked, fine].map((address) => server.add('Contact', { LastName: 'R', Email: address }));
    server.failRecord(records[0]!.Id, 'FIELD_CUSTOM_VALIDATION_EXCEPTION');
    server.failRecord(records[1]!.Id, 'UNABLE_TO_LOCK_ROW');
    const queued = await enqueue(
      stack.store,
      [rejected, locked, fine].map((address) => change('email', address, 1, 'suppressed')),
    );
    const result = await runBatch(stack.store, declaration, salesforceConnector, connector, queued);
    expect(result).toMatchObject({ applied: 1, refused: 1, retried: 1, failed: [queued[1]!.messageId] });
    expect((await getDelivery(stack.store, 'email', rejected, 1))?.acks?.[declaration.name]?.refused).toMatch(/^FIELD_CUSTOM_VALIDATION_EXCEPTION/);
    expect(server.record(records[2]!.Id)!.fields.HasOptedOutOfEmail).toBe(true);

    const again = await runBatch(stack.store, declaration, salesforceConnector, connector, queued);
    expect(again).toMatchObject({ applied: 1, duplicates: 2 });
    expect(server.record(records[1]!.Id)!.fields.HasOptedOutOfEmail).toBe(true);
    expect(server.record(records[0]!.Id)!.fields.HasOptedOutOfEmail).toBe(false);
  });

  it('logs in again once when the session expires', async () => {
    const server = await salesforce();
    const { declaration, connector } = connectorFor(server);
    const address = email('session');
    const record = server.add('Contact', { LastName: 'S', Email: address });
    await runBatch(stack.store, declaration, salesforceConnector, connector, await enqueue(stack.store, [change('email', email('warm'), 1, 'suppressed')]));
    server.expireSessions();
    const result = await runBatch(
      stack.store,
      declaration,
      salesforceConnector,
      connector,
      await enqueue(stack.store, [change('email', address, 1, 'suppressed')]),
    );
    expect(result.applied).toBe(1);
    expect(server.tokensIssued).toBe(2);
    expect(server.record(record.Id)!.fields.HasOptedOutOfEmail).toBe(true);
  });

  it('waits when the org has used its request allocation, and honours 429 and 503 with Retry-After', async () => {
    const server = await salesforce({ requestAllocation: 0 });
    const { declaration, connector } = connectorFor(server);
    const queued = await enqueue(stack.store, [change('email', email('limit'), 1, 'suppressed')]);
    const limited = await runBatch(stack.store, declaration, salesforceConnector, connector, queued);
    expect(limited).toMatchObject({ applied: 0, retried: 1 });
    expect(limited.delays[0]!.seconds).toBe(3600);

    const open = await salesforce();
    const second = connectorFor(open);
    const address = email('busy');
    const record = open.add('Contact', { LastName: 'B', Email: address });
    const records = await enqueue(stack.store, [change('email', address, 1, 'suppressed')]);
    open.failNext(429, 1, 45);
    const throttled = await runBatch(stack.store, second.declaration, salesforceConnector, second.connector, records);
    expect(throttled.delays).toEqual([{ messageId: records[0]!.messageId, seconds: 45 }]);
    open.failNext(503, 1);
    expect(await runBatch(stack.store, second.declaration, salesforceConnector, second.connector, records)).toMatchObject({ retried: 1 });
    expect(await runBatch(stack.store, second.declaration, salesforceConnector, second.connector, records)).toMatchObject({ applied: 1 });
    expect(open.record(record.Id)!.fields.HasOptedOutOfEmail).toBe(true);
  });

  it('does not send a duplicate or a stale version again', async () => {
    const server = await salesforce();
    const { declaration, connector } = connectorFor(server);
    const address = email('stale');
    const record = server.add('Contact', { LastName: 'S', Email: address });
    const [v1] = await enqueue(stack.store, [change('email', address, 1, 'suppressed')]);
    const [v2] = await enqueue(stack.store, [change('email', address, 2, 'allowed')]);
    expect((await runBatch(stack.store, declaration, salesforceConnector, connector, [v2!])).applied).toBe(1);
    const calls = server.calls.length;
    expect(await runBatch(stack.store, declaration, salesforceConnector, connector, [v1!, v2!])).toMatchObject({ applied: 0, duplicates: 2 });
    expect(server.calls.length).toBe(calls);
    expect(server.record(record.Id)!.fields.HasOptedOutOfEmail).toBe(false);
  });
});
