import { z } from 'zod';
import { evidenceSchema } from '../core/signal.js';
import { identityTypes } from '../core/identity.js';
import { impliedSuppressions } from '../core/preferences.js';
import type { StoredPerson } from '../store/people.js';

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

export const mergeSchema = z
  .object({
    /** The person who remains. */
    survivorId: z.string().min(1),
    /** The person merged into the survivor. */
    mergedId: z.string().min(1),
    evidence: evidenceSchema.default({}),
  })
  .strict();
