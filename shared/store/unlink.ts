import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { BadRequestError } from '../core/errors.js';
import { identityKey, type Identity } from '../core/identity.js';
import { applySignal, type PersonRecord } from '../core/preferences.js';
import type { Channel } from '../core/channels.js';
import { assertActionable, type Signal } from '../core/signal.js';
import type { StoreContext } from './clients.js';
import { guard } from './dynamo.js';
import { keys } from './keys.js';
import { getPerson, newPersonId, readClaims, recordSignal, type RecordOutcome } from './people.js';
import {
  putClaim,
  putSignalEvent,
  putRecord,
  putSuppressions,
  statusChangesOf,
  suppressionWrites,
  transact,
  withRetries,
} from './transactions.js';

/**
 * "Wrong number": the phone on file is not this person's. The consent or preferences on file were
 * never its holder's, so in ONE transaction the phone leaves the person's record (with the
 * preferences that were about that phone alone, which its holder made), becomes a new person of
 * its own with `signal` applied (calls and texts suppressed), its claim moves to that person, and
 * its suppression items are rewritten to say so. The old person keeps everything else.
 */

const phoneChannels: readonly Channel[] = ['sms', 'voice'];

export async function unlinkIdentity(ctx: StoreContext, signal: Signal, now: () => Date = () => new Date()): Promise<RecordOutcome & { unlinkedFrom?: string }> {
  assertActionable(signal);
  const phone = signal.subject.find((identity) => identity.type === 'phone');
  if (!phone || signal.subject.length !== 1) throw new BadRequestError('A wrong number names exactly one phone number.');
  return withRetries(async () => {
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

    return attemptUnlink(ctx, signal, phone, owner, now().toISOString());
  });
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

  const { current, writes } = await suppressionWrites(ctx, applied.record, phoneChannels, recordedAt);
  const result = await transact(ctx, [
    ...putSignalEvent(ctx, signal, holder.personId, recordedAt, applied.effect, { unlinkedFrom: owner.personId }),
    // The old person's history says where the number went.
    {
      Put: {
        TableName: ctx.tables.preferences,
        Item: {
          ...keys.history(owner.personId, signal.occurredAt, signal.id),
          type: 'history',
          eventId: signal.id,
          occurredAt: signal.occurredAt,
          recordedAt,
          kind: 'identity-unlinked',
          identity: phone,
          movedTo: holder.personId,
          source: signal.source,
        },
      },
    },
    putRecord(ctx, owner, remaining, recordedAt),
    putRecord(ctx, holder, applied.record, recordedAt),
    putClaim(ctx, phone, holder.personId, recordedAt, owner.personId),
    ...putSuppressions(ctx, writes, current),
  ]);
  if (result === 'duplicate') {
    return { eventId: signal.id, personId: holder.personId, duplicate: true, effect: applied.effect, suppressions: [], statusChanges: [] };
  }
  if (result === 'changed') return 'retry';
  return {
    eventId: signal.id,
    personId: holder.personId,
    duplicate: false,
    effect: applied.effect,
    suppressions: writes,
    statusChanges: statusChangesOf(writes, current),
    cost: result,
    unlinkedFrom: owner.personId,
  };
}
