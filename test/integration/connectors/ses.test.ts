import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../../shared/connectors/connector.js';
import type { SuppressionMessage } from '../../../shared/distribution/fanout.js';
import { sesConnector } from '../../../shared/connectors/ses.js';
import type { IntegrationDeclaration } from '../../../shared/platform/integrations.js';
import { ackOf, change, deliver, run as runThrough } from '../../support/connector-harness.js';
import { startSesContract, type SesContract } from '../../support/contracts/ses.js';
import { contractCredentials } from '../../support/contracts/sigv4.js';
import { createTestStack, type TestStack } from '../../support/local-stack.js';

/**
 * The `ses` connector through the official SES v2 SDK against a contract server of the SES v2
 * API, driven by the connector runtime with a real store (DynamoDB Local): contact-list topics,
 * the account-level suppression list, throttling, 5xx, refusals and apply-by-version.
 */

let stack: TestStack;
let ses: SesContract;
let connector: Connector;
const integration: IntegrationDeclaration = { name: `ses-${randomBytes(3).toString('hex')}`, connector: 'ses', channels: ['email'], settings: {} };
const limits = { batchSize: sesConnector.batchSize, requestsPerSecond: 50 };
const email = () => `p${randomBytes(5).toString('hex')}@example.com`;

beforeAll(async () => {
  const credentials = contractCredentials('ses');
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  process.env.AWS_REGION = credentials.region;
  stack = await createTestStack();
  ses = await startSesContract({ contactListName: 'customers', topics: ['newsletter', 'offers'] });
  const settings = sesConnector.settings.parse({
    contactListName: 'customers',
    topics: { marketing: 'offers', all: 'newsletter' },
    accountSuppressionList: true,
    endpoint: ses.endpoint,
  });
  connector = sesConnector.create({ integration, settings, secret: undefined, fetch });
});

afterAll(async () => {
  await ses?.close();
});

beforeEach(() => {
  ses.calls.length = 0;
  ses.throttle(0);
  ses.fail(0);
});

/** As fan-out leaves them: the DELIVERY items recorded, the messages on the queue. */
async function enqueue(messages: SuppressionMessage[]): Promise<SuppressionMessage[]> {
  await deliver(stack.store, messages);
  return messages;
}

async function run(messages: readonly SuppressionMessage[], receiveCount = 1) {
  const { result, retryAfter } = await runThrough(stack.store, integration, connector, messages, limits, receiveCount);
  return { ...result, retryAfter };
}

describe('ses connector', () => {
  it('opts a new contact out of every mapped topic and puts an all-purpose opt-out on the account suppression list', async () => {
    const address = email();
    const optOut = change('email', address, 1, { all: 'suppressed' });
    const result = await run(await enqueue([optOut]));

    expect(result).toMatchObject({ applied: 1, failed: [] });
    expect(ses.contacts.get(address)).toEqual({ topics: { offers: 'OPT_OUT', newsletter: 'OPT_OUT' }, unsubscribeAll: true });
    expect(ses.suppressed.get(address)).toEqual({ reason: 'COMPLAINT' });
    expect(ses.calls).toEqual(['UpdateContact', 'CreateContact', 'PutSuppressedDestination']);
    expect(ses.forged).toBe(0);
    const ack = await ackOf(stack.store, optOut, integration.name);
    expect(ack).toMatchObject({ version: 1 });
    expect(ack?.refused).toBeUndefined();
  });

  it('an opt-out of one purpose sets only its topic and leaves the account suppression list alone', async () => {
    const address = email();
    const result = await run(await enqueue([change('email', address, 1, { all: 'allowed', marketing: 'suppressed' })]));

    expect(result.applied).toBe(1);
    expect(ses.contacts.get(address)).toEqual({ topics: { offers: 'OPT_OUT', newsletter: 'OPT_IN' }, unsubscribeAll: false });
    expect(ses.suppressed.has(address)).toBe(false);
  });

  it('an opt-in lifts the topics, UnsubscribeAll and the entry it put on the account suppression list', async () => {
    const address = email();
    await run(await enqueue([change('email', address, 1, { all: 'suppressed' })]));
    expect(ses.suppressed.has(address)).toBe(true);

    const result = await run(await enqueue([change('email', address, 2, { all: 'allowed' })]));

    expect(result.applied).toBe(1);
    expect(ses.contacts.get(address)).toEqual({ topics: { offers: 'OPT_IN', newsletter: 'OPT_IN' }, unsubscribeAll: false });
    expect(ses.suppressed.has(address)).toBe(false);
  });

  it("an opt-in keeps SES's own entry for a real bounce or complaint", async () => {
    const address = email();
    ses.contacts.set(address, { topics: { offers: 'OPT_OUT', newsletter: 'OPT_OUT' }, unsubscribeAll: true });
    ses.suppressed.set(address, { reason: 'BOUNCE', messageId: '0100018f-bounce', feedbackId: '0100018f-feedback' });

    const result = await run(await enqueue([change('email', address, 3, { all: 'allowed' })]));

    expect(result.applied).toBe(1);
    expect(ses.contacts.get(address)?.unsubscribeAll).toBe(false);
    expect(ses.suppressed.get(address)?.reason).toBe('BOUNCE');
    expect(ses.calls).not.toContain('DeleteSuppressedDestination');
  });

  it('an opt-in of an address not on the list creates no contact', async () => {
    const address = email();
    const result = await run(await enqueue([change('email', address, 1, { all: 'allowed' })]));

    expect(result.applied).toBe(1);
    expect(ses.contacts.has(address)).toBe(false);
    expect(ses.calls).not.toContain('CreateContact');
  });

  it('calls SES once per change (no batch API), each change acked for the integration', async () => {
    const messages = Array.from({ length: 4 }, () => change('email', email(), 1, { all: 'allowed', marketing: 'suppressed' }));
    const result = await run(await enqueue(messages));

    expect(result.applied).toBe(4);
    expect(ses.calls.filter((call) => call === 'UpdateContact')).toHaveLength(4);
    for (const message of messages) {
      expect(ses.contacts.get(message.address)?.topics.offers).toBe('OPT_OUT');
      expect(await ackOf(stack.store, message, integration.name)).toBeDefined();
    }
  });

  it('a 429 TooManyRequestsException sends the change back with a back-off; it is applied on the next receive', async () => {
    const address = email();
    const optOut = change('email', address, 1, { all: 'allowed', marketing: 'suppressed' });
    const records = await enqueue([optOut]);
    ses.throttle(1);

    const first = await run(records);
    expect(first).toMatchObject({ applied: 0, retried: 1, failed: [records[0]!.messageId] });
    expect(first.retryAfter.get(records[0]!.messageId)).toBe(30);
    expect(await ackOf(stack.store, optOut, integration.name)).toBeUndefined();

    const second = await run(records, 2);
    expect(second).toMatchObject({ applied: 1, failed: [] });
    expect(ses.contacts.get(address)?.topics.offers).toBe('OPT_OUT');
  });

  it('a 5xx is retried, not lost', async () => {
    const address = email();
    const records = await enqueue([change('email', address, 1, { all: 'suppressed' })]);
    ses.fail(1, 503);

    const first = await run(records);
    expect(first).toMatchObject({ applied: 0, retried: 1 });
    expect(ses.contacts.has(address)).toBe(false);

    const second = await run(records);
    expect(second.applied).toBe(1);
    expect(ses.contacts.get(address)?.unsubscribeAll).toBe(true);
  });

  it('an address SES refuses (BadRequestException) is recorded as refused and not retried', async () => {
    const address = email();
    ses.reject(address);
    const optOut = change('email', address, 1, { all: 'suppressed' });
    const records = await enqueue([optOut]);

    const result = await run(records);
    expect(result).toMatchObject({ applied: 0, refused: 1, failed: [] });
    const ack = await ackOf(stack.store, optOut, integration.name);
    expect(ack?.refused).toMatch(/^BadRequestException/);
    expect(ack?.refused).not.toContain(address);

    ses.calls.length = 0;
    const again = await run(records);
    expect(again).toMatchObject({ duplicates: 1, refused: 0 });
    expect(ses.calls).toEqual([]);
  });

  it('sends only the newest version of an address, and never a version already applied', async () => {
    const address = email();
    const v1 = change('email', address, 1, { all: 'suppressed' });
    const v2 = change('email', address, 2, { all: 'allowed' });
    const records = await enqueue([v1, v2]);

    const result = await run(records);
    expect(result.applied).toBe(2);
    expect(ses.calls.filter((call) => call === 'UpdateContact' || call === 'CreateContact')).toHaveLength(1);
    expect(ses.contacts.has(address)).toBe(false);

    ses.calls.length = 0;
    const stale = await run(await enqueue([v1]));
    expect(stale).toMatchObject({ duplicates: 1, applied: 0 });
    expect(ses.calls).toEqual([]);
  });

  it('paces its calls to the rate: new contacts take two calls each and are never throttled', async () => {
    const limited = await startSesContract({ contactListName: 'customers', topics: ['offers'], requestsPerSecond: 10 });
    try {
      const paced = sesConnector.create({
        integration,
        settings: sesConnector.settings.parse({ contactListName: 'customers', topics: { marketing: 'offers' }, endpoint: limited.endpoint }),
        secret: undefined,
        fetch,
      });
      const messages = Array.from({ length: 12 }, () => change('email', email(), 1, { all: 'suppressed' }));
      const { result } = await runThrough(stack.store, { ...integration, name: `${integration.name}-paced` }, paced, await enqueue(messages), {
        batchSize: sesConnector.batchSize,
        requestsPerSecond: sesConnector.requestsPerSecond,
      });
      expect(result).toMatchObject({ applied: 12, retried: 0 });
      expect(limited.calls).toHaveLength(24);
      expect(messages.every((message) => limited.contacts.get(message.address)?.unsubscribeAll)).toBe(true);
    } finally {
      await limited.close();
    }
  });

  it('a request signed with another secret key is refused by the server, and the change retried', async () => {
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-contract-secret';
    try {
      const forged = sesConnector.create({
        integration,
        settings: sesConnector.settings.parse({ contactListName: 'customers', endpoint: ses.endpoint }),
        secret: undefined,
        fetch,
      });
      const before = ses.forged;
      const outcome = await forged.apply([change('email', email(), 1, { all: 'suppressed' })]);
      expect(outcome[0]).toMatchObject({ outcome: 'retry' });
      expect(ses.forged).toBe(before + 1);
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = contractCredentials('ses').secretAccessKey;
    }
  });

  it('settings: a purpose not declared, or more than 20 topics, is refused at configuration time', () => {
    expect(sesConnector.settings.safeParse({ contactListName: 'customers', topics: { nonsense: 'x' } }).success).toBe(false);
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, index) => [index === 0 ? 'all' : `p${index}`, `t${index}`]));
    expect(sesConnector.settings.safeParse({ contactListName: 'customers', topics: many }).success).toBe(false);
  });

  it('asks for exactly the SES actions it calls', () => {
    const permissions = sesConnector.awsPermissions!(sesConnector.settings.parse({ contactListName: 'customers', accountSuppressionList: true }));
    expect(permissions.flatMap((permission) => permission.actions).sort()).toEqual(
      ['ses:CreateContact', 'ses:DeleteSuppressedDestination', 'ses:GetSuppressedDestination', 'ses:PutSuppressedDestination', 'ses:UpdateContact'].sort(),
    );
    expect(sesConnector.awsPermissions!(sesConnector.settings.parse({ contactListName: 'customers' }))).toEqual([
      { actions: ['ses:UpdateContact', 'ses:CreateContact'], resources: ['arn:aws:ses:*:*:contact-list/customers'] },
    ]);
  });
});
