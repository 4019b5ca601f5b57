import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { BadRequestError, DependencyError } from '../errors.js';
import { identityKey, type Identity } from '../identity.js';
import { applySignal, impliedSuppressions, materialize, suppressionKey, type PersonRecord, type Suppression } from '../preferences.js';
import type { Channel } from '../resources.js';
import { assertActionable, type Signal } from '../signal.js';
import type { StoreContext } from './clients.js';
import { keys } from './keys.js';
import { changeKey } from './suppressions.js';
import { getPerson, newPersonId, readClaims, recordSignal, type RecordOutcome } from './people.js';

/**
 * "Wrong number": the phone on file is not this person's. The consent or preferences on file were
 * never its holder's, so in ONE transaction the phone leaves the person's record (with the
 * preferences that were about that phone alone, which its holder made), becomes a new person of
 * its own with `signal` applied (calls and texts suppressed), its claim moves to that person, and
 * its suppression items are rewritten to say so. The old person keeps everything else.
 */

const MAX_ATTEMPTS = 8;
const phoneChannels: readonly Channel[] = ['sms', 'voice'];

type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;

async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new DependencyError('The store did not answer.', {}, error);
  }
}

function ifRevision(revision: number) {
  return revision
    ? { ConditionExpression: '#revision = :expected', ExpressionAttributeNames: { '#revision': 'revision' }, ExpressionAttributeValues: { ':expected': revision } }
    : { ConditionExpression: 'attribute_not_exists(pk)' };
}

export async function unlinkIdentity(ctx: StoreContext, signal: Signal, now: () => Date = () => new Date()): Promise<RecordOutcome & { unlinkedFrom?: string }> {
  assertActionable(signal);
  const phone = signal.subject.find((identity) => identity.type === 'phone');
  if (!phone || signal.subject.length !== 1) throw new BadRequestError('A wrong number names exactly one phone number.');
  for (let attempt = 1; ; attempt++) {
    const [event, claims] = await Promise.all([
      guard(() => ctx.documents.send(new GetCommand({ TableName: ctx.tables.preferences, Key: keys.event(signal.id), ConsistentRead: true }))),
      readClaims(ctx, [phone]),
    ]);
    if (event.Item) {
      return { eventId: signal.id, personId: String(event.Item.personId), duplicate: true, effect: event.Item.effect, suppressions: [], statusChanges: [] };
    }
    const ownerId = claims.get(identityKey(phone));
    // Nobody holds the number yet: recording the signal makes it a person of its own.
    if (!ownerId) return recordSignal(ctx, signal, now);
    const owner = await getPerson(ctx, ownerId);
    if (!owner) return recordSignal(ctx, signal, now);

    const result = await attemptUnlink(ctx, signal, phone, owner, now().toISOString());
    if (result !== 'retry') return result;
    if (attempt >= MAX_ATTEMPTS) throw new DependencyError('The change kept conflicting with concurrent changes; it was not acknowledged.');
    await sleep(Math.random() * 10 * attempt);
  }
}

async function attemptUnlink(
  ctx: StoreContext,
  signal: Signal,
  phone: Identity,
  owner: PersonRecord & { createdAt?: string },
  recordedAt: string,
): Promise<(RecordOutcome & { unlinkedFrom?: string }) | 'retry'> {
  const aboutPhone = (preference: PersonRecord['preferences'][number]) => preference.scope === 'address' && preference.address === phone.value;
  const remaining: PersonRecord = {
    ...owner,
    identities: owner.identities.filter((identity) => identityKey(identity) !== identityKey(phone)),
    preferences: owner.preferences.filter((preference) => !aboutPhone(preference)),
  };
  const holder: PersonRecord = { personId: newPersonId(), revision: 0, identities: [phone], preferences: owner.preferences.filter(aboutPhone), mergedFrom: [] };
  const applied = applySignal(holder, signal);

  const views = impliedSuppressions(applied.record, phoneChannels);
  const read = await guard(() =>
    ctx.documents.send(
      new BatchGetCommand({ RequestItems: { [ctx.tables.suppressions]: { Keys: views.map((view) => keys.suppression(view.channel, view.address)), ConsistentRead: true } } }),
    ),
  );
  const current = new Map<string, Suppression>(
    (read.Responses?.[ctx.tables.suppressions] ?? []).map(({ pk, ...item }) => [String(pk), item as unknown as Suppression]),
  );
  const writes = materialize(views, current, recordedAt);

  const summary = { kind: signal.kind, channels: signal.channels, purpose: signal.purpose, scope: signal.scope, receivedAt: signal.receivedAt, source: signal.source };
  const items: TransactItems = [
    {
      Put: {
        TableName: ctx.tables.preferences,
        Item: { ...keys.event(signal.id), type: 'event', personId: holder.personId, recordedAt, ...signal, effect: applied.effect, unlinkedFrom: owner.personId },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName: ctx.tables.preferences,
        Item: { ...keys.history(holder.personId, signal.occurredAt, signal.id), type: 'history', eventId: signal.id, occurredAt: signal.occurredAt, recordedAt, ...summary, effect: applied.effect, unlinkedFrom: owner.personId },
      },
    },
    {
      Put: {
        TableName: ctx.tables.preferences,
        Item: { ...keys.history(owner.personId, signal.occurredAt, signal.id), type: 'history', eventId: signal.id, occurredAt: signal.occurredAt, recordedAt, kind: 'identity-unlinked', identity: phone, movedTo: holder.personId, source: signal.source },
      },
    },
    {
      Put: {
        TableName: ctx.tables.preferences,
        Item: { ...keys.person(owner.personId), type: 'person', ...remaining, revision: owner.revision + 1, createdAt: owner.createdAt ?? recordedAt, updatedAt: recordedAt },
        ...ifRevision(owner.revision),
      },
    },
    {
      Put: {
        TableName: ctx.tables.preferences,
        Item: { ...keys.person(holder.personId), type: 'person', ...applied.record, revision: 1, createdAt: recordedAt, updatedAt: recordedAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName: ctx.tables.preferences,
        Item: { ...keys.claim(phone), type: 'claim', personId: holder.personId, claimedAt: recordedAt },
        ConditionExpression: 'personId = :from',
        ExpressionAttributeValues: { ':from': owner.personId },
      },
    },
    ...writes.map((suppression) => {
      const version = current.get(suppressionKey(suppression.channel, suppression.address))?.version;
      return {
        Put: {
          TableName: ctx.tables.suppressions,
          // changeKey places the item in the channel's change index, as every suppression write does.
          Item: { ...keys.suppression(suppression.channel, suppression.address), ...suppression, changeKey: changeKey(suppression) },
          ...(version
            ? { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': version } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        },
      };
    }),
  ];
  try {
    await ctx.documents.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (error instanceof TransactionCanceledException) {
      const reasons = error.CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') {
        return { eventId: signal.id, personId: holder.personId, duplicate: true, effect: applied.effect, suppressions: [], statusChanges: [] };
      }
      if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict')) return 'retry';
    }
    throw new DependencyError('The change could not be recorded; it was not acknowledged.', {}, error);
  }
  const statusChanges = writes.filter((write) => write.status !== (current.get(suppressionKey(write.channel, write.address))?.status ?? 'allowed'));
  return { eventId: signal.id, personId: holder.personId, duplicate: false, effect: applied.effect, suppressions: writes, statusChanges, unlinkedFrom: owner.personId };
}
