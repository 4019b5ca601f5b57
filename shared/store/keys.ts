import { identityKey, type Identity } from '../core/identity.js';
import { suppressionKey } from '../core/preferences.js';
import type { Channel } from '../core/channels.js';

/**
 * Key layout of the tables, in one place.
 *
 * preferences: `PERSON#id / RECORD` (the master record: identities and preferences),
 * `PERSON#id / EVENT#occurredAt#eventId` (the person's history, in the order they acted),
 * `IDENTITY#type#value / CLAIM` (which person an identity belongs to; one owner each),
 * `EVENT#eventId / EVENT` (the immutable event; its existence makes a redelivery a no-op).
 * suppressions: `channel#address` (what the pre-send check reads).
 * replay-guards: `MAILGUN_TOKEN#sha256(token)` (a Mailgun signature token, used once; expires by TTL).
 */
export const keys = {
  event: (eventId: string) => ({ pk: `EVENT#${eventId}`, sk: 'EVENT' }),
  history: (personId: string, occurredAt: string, eventId: string) => ({
    pk: `PERSON#${personId}`,
    sk: `EVENT#${occurredAt}#${eventId}`,
  }),
  historyPrefix: 'EVENT#',
  person: (personId: string) => ({ pk: `PERSON#${personId}`, sk: 'RECORD' }),
  personPartition: (personId: string) => `PERSON#${personId}`,
  claim: (identity: Identity) => ({ pk: `IDENTITY#${identityKey(identity)}`, sk: 'CLAIM' }),
  suppression: (channel: Channel, address: string) => ({ pk: suppressionKey(channel, address) }),
  mailgunToken: (tokenSha256: string) => ({ pk: `MAILGUN_TOKEN#${tokenSha256}` }),
};
