import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, ConflictError, UnprocessableError } from '../../shared/core/errors.js';
import { requestSchema, signalFromRequest, type CanonicalRequest } from '../../shared/intake/requests/requests.js';
import { signalFromSms } from '../../shared/intake/sms/inbound.js';
import { keys } from '../../shared/store/keys.js';
import { findPerson, getPerson, personHistory } from '../../shared/store/people.js';
import { getSuppression } from '../../shared/store/suppressions.js';
import { linkIdentity, mergePeople } from '../../shared/record/people.js';
import { recordSignal } from '../../shared/record/record-signal.js';
import { createTestStack, type TestStack } from '../support/local-stack.js';
import { phoneNumbers } from '../support/phones.js';

/** The master record against DynamoDB Local: people, identities, scopes, merges. */

let stack: TestStack;

beforeAll(async () => {
  stack = await createTestStack();
});

const phone = phoneNumbers('212');

function email(): string {
  return `person-${randomBytes(4).toString('hex')}@example.com`;
}

function request(fields: Partial<CanonicalRequest> & Pick<CanonicalRequest, 'subject' | 'kind' | 'channels'>) {
  const parsed = requestSchema.parse({
    requestId: randomBytes(6).toString('hex'),
    occurredAt: '2026-05-01T10:00:00Z',
    source: 'crm',
    ...fields,
  });
  return signalFromRequest(parsed, { receivedAt: new Date(), defaultRegion: 'US' });
}

function sms(text: 'STOP' | 'START', from: string, at: string) {
  const messageId = `SM${randomBytes(16).toString('hex')}`;
  return signalFromSms(
    { provider: 'twilio', messageId, from, to: '+15017250604', text },
    {
      receivedAt: new Date(at),
      defaultRegion: 'US',
      rawBody: messageId,
    },
  )!;
}

const stop = (from: string, at: string) => sms('STOP', from, at);
const start = (from: string, at: string) => sms('START', from, at);

const evidence = { collectedBy: 'agent-7', method: 'phone-call', reference: 'ticket-42' };

describe('people', () => {
  it('ends with one person when several first signals for a new phone arrive at once', async () => {
    const number = phone();
    const outcomes = await Promise.all(
      ['2026-05-01T10:00:00Z', '2026-05-01T10:00:01Z', '2026-05-01T10:00:02Z', '2026-05-01T10:00:03Z'].map((at) => recordSignal(stack.store, stop(number, at))),
    );

    expect(new Set(outcomes.map((outcome) => outcome.personId)).size).toBe(1);
    expect(outcomes.every((outcome) => !outcome.duplicate)).toBe(true);
    const claim = await stack.store.documents.send(
      new GetCommand({ TableName: stack.store.tables.preferences, Key: keys.claim({ type: 'phone', value: number }) }),
    );
    expect(claim.Item?.personId).toBe(outcomes[0]!.personId);
    const person = await getPerson(stack.store, outcomes[0]!.personId);
    expect(person?.identities).toEqual([{ type: 'phone', value: number }]);
    expect(await personHistory(stack.store, person!)).toHaveLength(4);
  });

  it('matches a signal to the person by any identity it carries', async () => {
    const number = phone();
    const address = email();
    const first = await recordSignal(stack.store, request({ kind: 'opt-out', channels: ['email'], subject: { email: address, phone: number } }));
    const second = await recordSignal(stack.store, stop(number, '2026-05-02T10:00:00Z'));

    expect(second.personId).toBe(first.personId);
    expect((await findPerson(stack.store, { type: 'email', value: address }))?.personId).toBe(first.personId);
  });

  it('suppresses every phone of a person on a person-wide opt-out, and a phone linked later at once', async () => {
    const phones = [phone(), phone(), phone()];
    const first = await recordSignal(stack.store, request({ kind: 'opt-in', channels: ['voice'], subject: { phone: phones[0] }, evidence }));
    for (const number of phones.slice(1)) await linkIdentity(stack.store, first.personId, { type: 'phone', value: number });

    const optOut = await recordSignal(
      stack.store,
      request({ kind: 'opt-out', channels: ['voice'], scope: 'person', subject: { phone: phones[1] }, occurredAt: '2026-05-03T10:00:00Z' }),
    );
    expect(optOut.suppressions.map((suppression) => suppression.address).sort()).toEqual([...phones].sort());
    for (const number of phones) expect((await getSuppression(stack.store, 'voice', number))?.status).toBe('suppressed');
    // Only the channel asked for.
    expect(await getSuppression(stack.store, 'sms', phones[0]!)).toBeUndefined();

    const later = phone();
    const linked = await linkIdentity(stack.store, first.personId, { type: 'phone', value: later });
    expect(linked.suppressions).toEqual([expect.objectContaining({ channel: 'voice', address: later, status: 'suppressed', version: 1 })]);
    expect((await getSuppression(stack.store, 'voice', later))?.status).toBe('suppressed');
  });

  it('never lets an SMS START clear a person-wide opt-out', async () => {
    const number = phone();
    const optOut = await recordSignal(
      stack.store,
      request({ kind: 'opt-out', channels: ['sms'], scope: 'person', subject: { phone: number }, occurredAt: '2026-05-04T10:00:00Z' }),
    );
    const restart = await recordSignal(stack.store, start(number, '2026-05-04T11:00:00Z'));

    expect(restart.personId).toBe(optOut.personId);
    expect(restart.effect).toBe('applied');
    expect(await getSuppression(stack.store, 'sms', number)).toMatchObject({ status: 'suppressed', version: 1 });
  });

  it('lets a stale START lose against a newer STOP', async () => {
    const number = phone();
    await recordSignal(stack.store, stop(number, '2026-05-05T10:00:00Z'));
    const stale = await recordSignal(stack.store, start(number, '2026-05-05T09:00:00Z'));
    expect(stale.effect).toBe('superseded');
    expect(await getSuppression(stack.store, 'sms', number)).toMatchObject({ status: 'suppressed', version: 1 });
  });

  it('refuses a person-wide opt-in without evidence, writing nothing', async () => {
    const number = phone();
    await expect(recordSignal(stack.store, request({ kind: 'opt-in', channels: ['sms'], scope: 'person', subject: { phone: number } }))).rejects.toBeInstanceOf(
      UnprocessableError,
    );
    expect(await findPerson(stack.store, { type: 'phone', value: number })).toBeUndefined();
  });

  it('merges two people into the most restrictive union, moving identities and suppressions', async () => {
    const [phoneA, phoneB] = [phone(), phone()];
    const a = await recordSignal(
      stack.store,
      request({ kind: 'opt-out', channels: ['sms'], scope: 'person', subject: { phone: phoneA }, occurredAt: '2026-05-06T10:00:00Z' }),
    );
    // B said yes to SMS later than A said no: after the merge, no is what holds.
    const b = await recordSignal(
      stack.store,
      request({ kind: 'opt-in', channels: ['sms'], scope: 'person', subject: { phone: phoneB }, occurredAt: '2026-05-06T12:00:00Z', evidence }),
    );
    expect(b.personId).not.toBe(a.personId);

    const merged = await mergePeople(stack.store, a.personId, b.personId, evidence);

    expect(merged.person.identities).toEqual(
      expect.arrayContaining([
        { type: 'phone', value: phoneA },
        { type: 'phone', value: phoneB },
      ]),
    );
    for (const number of [phoneA, phoneB]) {
      expect(await getSuppression(stack.store, 'sms', number)).toMatchObject({ status: 'suppressed', personId: a.personId });
    }
    expect((await findPerson(stack.store, { type: 'phone', value: phoneB }))?.personId).toBe(a.personId);
    expect((await getPerson(stack.store, b.personId))?.personId).toBe(a.personId);
    const history = await personHistory(stack.store, (await getPerson(stack.store, a.personId))!);
    expect(history.map((entry) => entry.kind)).toEqual(expect.arrayContaining(['opt-out', 'opt-in', 'people-merged']));
    await expect(mergePeople(stack.store, a.personId, b.personId)).rejects.toBeInstanceOf(ConflictError);
  });

  it('refuses to merge a person with itself, or to link an identity someone else has', async () => {
    const [phoneA, phoneB] = [phone(), phone()];
    const a = await recordSignal(stack.store, stop(phoneA, '2026-05-07T10:00:00Z'));
    await recordSignal(stack.store, stop(phoneB, '2026-05-07T10:00:00Z'));

    await expect(mergePeople(stack.store, a.personId, a.personId)).rejects.toBeInstanceOf(BadRequestError);
    await expect(linkIdentity(stack.store, a.personId, { type: 'phone', value: phoneB })).rejects.toBeInstanceOf(ConflictError);
    expect((await getPerson(stack.store, a.personId))?.identities).toEqual([{ type: 'phone', value: phoneA }]);
  });

  it('reports the write cost of a signal', async () => {
    const number = phone();
    const first = await recordSignal(stack.store, stop(number, '2026-05-08T10:00:00Z'));
    // New person: event, history, record, claim, suppression.
    expect(first.cost?.items).toBe(5);
    // Every item is under 1 KB, and a transactional write costs 2 WCU per item per started KB.
    expect(first.cost?.writeCapacityUnits).toBe(10);
  });
});
