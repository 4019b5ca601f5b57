import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../../shared/connectors/connector.js';
import type { SuppressionMessage } from '../../../shared/distribution/fanout.js';
import { endUserMessagingSmsConnector } from '../../../shared/connectors/end-user-messaging-sms.js';
import type { IntegrationDeclaration } from '../../../shared/platform/integrations.js';
import { ackOf, change, deliver, run as runThrough } from '../../support/connector-harness.js';
import { startSmsContract, type SmsContract } from '../../support/contracts/end-user-messaging-sms.js';
import { contractCredentials } from '../../support/contracts/sigv4.js';
import { createTestStack, type TestStack } from '../../support/local-stack.js';
import { phoneNumbers } from '../../support/phones.js';

/**
 * The `end-user-messaging-sms` connector through the official SMS and Voice v2 SDK against a
 * contract server of that API (AWS JSON 1.0), driven by the connector runtime with a real store.
 */

let stack: TestStack;
let sms: SmsContract;
let clock = Date.parse('2026-12-01T12:00:00Z');
let connector: Connector;
const LIST = 'marketing-opt-outs';
const integration: IntegrationDeclaration = {
  name: `sms-list-${randomBytes(3).toString('hex')}`,
  connector: 'end-user-messaging-sms',
  channels: ['sms'],
  settings: {},
};
const limits = { batchSize: endUserMessagingSmsConnector.batchSize, requestsPerSecond: endUserMessagingSmsConnector.requestsPerSecond };
const phone = phoneNumbers('646');
const optedOut = (number: string) => sms.lists.get(LIST)!.has(number);

beforeAll(async () => {
  const credentials = contractCredentials('sms-voice');
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  process.env.AWS_REGION = credentials.region;
  stack = await createTestStack();
  // The contract's clock moves only when a test moves it (the 30-day rule); its rate window reads it too.
  const started = Date.now();
  sms = await startSmsContract({ optOutListName: LIST, now: () => clock + (Date.now() - started) });
  const settings = endUserMessagingSmsConnector.settings.parse({ optOutListName: LIST, endpoint: sms.endpoint });
  connector = endUserMessagingSmsConnector.create({ integration, settings, secret: undefined, fetch });
});

afterAll(async () => {
  await sms?.close();
});

beforeEach(() => {
  sms.calls.length = 0;
  sms.throttle(0);
  sms.fail(0);
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

describe('end-user-messaging-sms connector', () => {
  it('puts an opted-out number on the opt-out list and records the ack', async () => {
    const number = phone();
    const stop = change('sms', number, 1, { all: 'suppressed' });
    const result = await run(await enqueue([stop]));

    expect(result).toMatchObject({ applied: 1, failed: [] });
    expect(optedOut(number)).toBe(true);
    expect(sms.calls).toEqual(['PutOptedOutNumber']);
    expect(sms.forged).toBe(0);
    expect((await ackOf(stack.store, stop, integration.name))?.version).toBe(1);
  });

  it('an opt-in deletes the number from the list; a number not on it is already lifted', async () => {
    const number = phone();
    await run(await enqueue([change('sms', number, 1, { all: 'suppressed' })]));
    const result = await run(await enqueue([change('sms', number, 2, { all: 'allowed' })]));
    expect(result.applied).toBe(1);
    expect(optedOut(number)).toBe(false);

    const never = phone();
    const untouched = await run(await enqueue([change('sms', never, 1, { all: 'allowed' })]));
    expect(untouched).toMatchObject({ applied: 1, refused: 0 });
  });

  it('a second deletion within 30 days is refused by AWS and recorded as refused; the number stays opted out', async () => {
    const number = phone();
    await run(await enqueue([change('sms', number, 1, { all: 'suppressed' })]));
    await run(await enqueue([change('sms', number, 2, { all: 'allowed' })]));
    await run(await enqueue([change('sms', number, 3, { all: 'suppressed' })]));
    clock += 5 * 24 * 3600 * 1000;
    const optIn = change('sms', number, 4, { all: 'allowed' });

    const result = await run(await enqueue([optIn]));

    expect(result).toMatchObject({ applied: 0, refused: 1, failed: [] });
    expect(optedOut(number)).toBe(true);
    expect((await ackOf(stack.store, optIn, integration.name))?.refused).toMatch(/PHONE_NUMBER_CANNOT_BE_OPTED_IN/);
  });

  it('one call per change, paced to the documented 10 requests per second: never throttled', async () => {
    const numbers = Array.from({ length: 15 }, () => phone());
    const result = await run(await enqueue(numbers.map((number) => change('sms', number, 1, { all: 'suppressed' }))));

    expect(result.applied).toBe(15);
    expect(sms.calls).toHaveLength(15);
    expect(numbers.every(optedOut)).toBe(true);
  });

  it('a ThrottlingException sends the change back with a back-off; nothing is lost', async () => {
    const number = phone();
    const records = await enqueue([change('sms', number, 1, { all: 'suppressed' })]);
    sms.throttle(1);

    const first = await run(records);
    expect(first).toMatchObject({ applied: 0, retried: 1 });
    expect(first.retryAfter.get(records[0]!.messageId)).toBe(30);
    expect(optedOut(number)).toBe(false);

    const second = await run(records, 2);
    expect(second.applied).toBe(1);
    expect(optedOut(number)).toBe(true);
  });

  it('an InternalServerException (500) is retried', async () => {
    const number = phone();
    const records = await enqueue([change('sms', number, 1, { all: 'suppressed' })]);
    sms.fail(1);
    expect(await run(records)).toMatchObject({ applied: 0, retried: 1 });
    expect(await run(records)).toMatchObject({ applied: 1 });
    expect(optedOut(number)).toBe(true);
  });

  it('a number AWS cannot take (ValidationException) is refused, recorded, and not sent again', async () => {
    const number = phone();
    sms.reject(number);
    const stop = change('sms', number, 1, { all: 'suppressed' });
    const records = await enqueue([stop]);

    expect(await run(records)).toMatchObject({ refused: 1, failed: [] });
    const refused = (await ackOf(stack.store, stop, integration.name))?.refused;
    expect(refused).toMatch(/^ValidationException.*CANNOT_PARSE/);
    expect(refused).not.toContain(number);

    sms.calls.length = 0;
    expect(await run(records)).toMatchObject({ duplicates: 1 });
    expect(sms.calls).toEqual([]);
  });

  it('only the newest version of a number is sent, and an applied version never again', async () => {
    const number = phone();
    const v1 = change('sms', number, 1, { all: 'allowed' });
    const v2 = change('sms', number, 2, { all: 'suppressed' });
    expect(await run(await enqueue([v2, v1]))).toMatchObject({ applied: 2 });
    expect(sms.calls).toEqual(['PutOptedOutNumber']);

    sms.calls.length = 0;
    expect(await run(await enqueue([v1]))).toMatchObject({ duplicates: 1 });
    expect(sms.calls).toEqual([]);
    expect(optedOut(number)).toBe(true);
  });

  it('with a purpose, only an opt-out of that purpose puts the number on the list', async () => {
    const marketing = endUserMessagingSmsConnector.create({
      integration,
      settings: endUserMessagingSmsConnector.settings.parse({ optOutListName: LIST, purpose: 'marketing', endpoint: sms.endpoint }),
      secret: undefined,
      fetch,
    });
    const number = phone();
    const other = `${integration.name}-m`;
    await runThrough(
      stack.store,
      { ...integration, name: other },
      marketing,
      await enqueue([change('sms', number, 1, { all: 'allowed', account: 'suppressed' })]),
      limits,
    );
    expect(optedOut(number)).toBe(false);
    await runThrough(
      stack.store,
      { ...integration, name: other },
      marketing,
      await enqueue([change('sms', number, 2, { all: 'allowed', marketing: 'suppressed' })]),
      limits,
    );
    expect(optedOut(number)).toBe(true);
  });

  it('asks for exactly the two opt-out list actions on that list', () => {
    expect(endUserMessagingSmsConnector.awsPermissions!(endUserMessagingSmsConnector.settings.parse({ optOutListName: LIST, region: 'eu-west-1' }))).toEqual([
      { actions: ['sms-voice:PutOptedOutNumber', 'sms-voice:DeleteOptedOutNumber'], resources: [`arn:aws:sms-voice:eu-west-1:*:opt-out-list/${LIST}`] },
    ]);
  });
});
