import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { channels } from '../core/channels.js';
import { BadRequestError, ConflictError, NotFoundError } from '../core/errors.js';
import { channelIdentity, identityKey, identityTypes, MAX_PERSON_ID_LENGTH, type Identity } from '../core/identity.js';
import { impliedSuppressions, mergeRecords, withIdentities, type Suppression } from '../core/preferences.js';
import { evidenceSchema } from '../core/signal.js';
import { isWellFormed } from '../core/text.js';
import type { StoreContext } from '../store/clients.js';
import { getPerson, readClaims, readRecord, type StoredPerson } from '../store/people.js';
import { commitChange, suppressionWrites, withRetries } from '../store/transactions.js';

/**
 * The people use cases: link an identity to a person, merge two people, and show a person to
 * compliance staff. Each change is one transaction, like recording a signal (record-signal.ts).
 */

/** How a person is shown to compliance staff: who they are, what they chose, what that implies. */
export function describePerson(person: StoredPerson) {
  return {
    personId: person.personId,
    identities: person.identities,
    preferences: [...person.preferences]
      .sort((a, b) => a.channel.localeCompare(b.channel) || a.purpose.localeCompare(b.purpose) || a.scope.localeCompare(b.scope))
      .map(({ channel, purpose, scope, address, status, since, occurredAt, eventId }) => ({
        channel,
        purpose,
        scope,
        ...(address ? { address } : {}),
        status,
        since,
        occurredAt,
        eventId,
      })),
    suppressions: impliedSuppressions(person).map(({ channel, address, status, purposes, since, eventId }) => ({
      channel,
      address,
      status,
      purposes,
      since,
      eventId,
    })),
    mergedFrom: person.mergedFrom,
    revision: person.revision,
    createdAt: person.createdAt,
    updatedAt: person.updatedAt,
  };
}

export const linkIdentitySchema = z
  .object({
    type: z.enum(identityTypes),
    value: z.unknown(),
    evidence: evidenceSchema.default({}),
  })
  .strict();

const personIdSchema = z.string().min(1).max(MAX_PERSON_ID_LENGTH).refine(isWellFormed, 'not well-formed Unicode (an unpaired surrogate)');

export const mergeSchema = z
  .object({
    /** The person who remains. */
    survivorId: personIdSchema,
    /** The person merged into the survivor. */
    mergedId: personIdSchema,
    evidence: evidenceSchema.default({}),
  })
  .strict();

export interface ChangeOutcome {
  eventId: string;
  person: StoredPerson;
  suppressions: Suppression[];
}

/**
 * Links an identity to a person. Every person-wide preference of that person applies to it at
 * once: linking a phone to someone who opted out of all calls suppresses that phone now.
 */
export async function linkIdentity(
  ctx: StoreContext,
  personId: string,
  identity: Identity,
  evidence: Record<string, unknown> = {},
  now: () => Date = () => new Date(),
): Promise<ChangeOutcome & { alreadyLinked: boolean }> {
  return withRetries(async () => {
    const person = await getPerson(ctx, personId);
    if (!person) throw new NotFoundError(`No person ${personId}.`);
    const owner = (await readClaims(ctx, [identity])).get(identityKey(identity));
    if (owner && owner !== person.personId) {
      throw new ConflictError('That identity belongs to another person; merge the two people instead.', { personId: owner });
    }
    if (owner === person.personId) return { eventId: '', person, suppressions: [], alreadyLinked: true };
    const record = withIdentities(person, [identity]);
    const touched = channels.filter((channel) => channelIdentity[channel] === identity.type);
    const recordedAt = now().toISOString();
    const suppressions = await suppressionWrites(ctx, record, touched, recordedAt);
    const eventId = `link.${randomUUID()}`;
    const result = await commitChange(ctx, {
      event: {
        eventId,
        personId: person.personId,
        occurredAt: recordedAt,
        recordedAt,
        summary: { kind: 'identity-linked', identity },
        detail: { id: eventId, kind: 'identity-linked', identity, evidence },
      },
      records: [{ before: person, after: record }],
      claims: [{ identity, personId: person.personId }],
      suppressions,
    });
    if (typeof result === 'string') return 'retry';
    return {
      eventId,
      person: { ...person, ...record, revision: person.revision + 1, updatedAt: recordedAt },
      suppressions: [...suppressions.writes],
      alreadyLinked: false,
    };
  });
}

/**
 * Merges `mergedId` into `survivorId` (a CRM says they are one person). The survivor gets the most
 * restrictive union of both records; every identity of the merged person moves to the survivor;
 * the merged person's record stays, pointing at the survivor, for the audit trail.
 */
export async function mergePeople(
  ctx: StoreContext,
  survivorId: string,
  mergedId: string,
  evidence: Record<string, unknown> = {},
  now: () => Date = () => new Date(),
): Promise<ChangeOutcome> {
  if (survivorId === mergedId) throw new BadRequestError('A person cannot be merged with itself.');
  return withRetries(async () => {
    const [survivor, merged] = await Promise.all([readRecord(ctx, survivorId), readRecord(ctx, mergedId)]);
    if (!survivor) throw new NotFoundError(`No person ${survivorId}.`);
    if (!merged) throw new NotFoundError(`No person ${mergedId}.`);
    for (const person of [survivor, merged]) {
      if (person.mergedInto) {
        throw new ConflictError(`Person ${person.personId} was already merged into ${person.mergedInto}.`, { mergedInto: person.mergedInto });
      }
    }
    const record = mergeRecords(survivor, merged);
    const recordedAt = now().toISOString();
    const suppressions = await suppressionWrites(ctx, record, channels, recordedAt);
    const eventId = `merge.${randomUUID()}`;
    const result = await commitChange(ctx, {
      event: {
        eventId,
        personId: survivor.personId,
        occurredAt: recordedAt,
        recordedAt,
        summary: { kind: 'people-merged', mergedPersonId: merged.personId },
        detail: { id: eventId, kind: 'people-merged', survivorId, mergedId, evidence },
      },
      records: [
        { before: survivor, after: record },
        { before: merged, after: { ...merged, identities: [], mergedInto: survivor.personId } },
      ],
      claims: merged.identities.map((identity) => ({ identity, personId: survivor.personId, movedFrom: merged.personId })),
      suppressions,
    });
    if (typeof result === 'string') return 'retry';
    return { eventId, person: { ...survivor, ...record, revision: survivor.revision + 1, updatedAt: recordedAt }, suppressions: [...suppressions.writes] };
  });
}
