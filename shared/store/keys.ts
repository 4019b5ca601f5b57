import { identityKey, type Identity } from '../core/identity.js';
import { suppressionKey, type Suppression } from '../core/preferences.js';
import type { Channel } from '../core/channels.js';

/**
 * Key layout of the tables, in one place.
 *
 * preferences: `PERSON#id / RECORD` (the master record: identities and preferences),
 * `PERSON#id / EVENT#occurredAt#eventId` (the person's history, in the order they acted),
 * `IDENTITY#type#value / CLAIM` (which person an identity belongs to; one owner each),
 * `EVENT#eventId / EVENT` (the immutable event; its existence makes a redelivery a no-op).
 * `DELIVERY#channel#address / v<version>` (what fan-out enqueued and integrations acked; store/deliveries.ts).
 * `APPLIED#integration#channel#address / APPLIED` (the highest version a connector applied; store/applied.ts).
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
  apiKey: (id: string) => ({ pk: `APIKEY#${id}` }),
  identityOfClaim: (pk: string) => pk.slice('IDENTITY#'.length),
  suppression: (channel: Channel, address: string) => ({ pk: suppressionKey(channel, address) }),
  delivery: (channel: Channel, address: string, version: number) => ({ pk: `${DELIVERY_PREFIX}${channel}#${address}`, sk: versionKey(version) }),
  deliveryPartition: (channel: Channel, address: string) => `${DELIVERY_PREFIX}${channel}#${address}`,
  applied: (integration: string, channel: Channel, address: string) => ({ pk: `APPLIED#${integration}#${channel}#${address}`, sk: 'APPLIED' }),
  mailgunToken: (tokenSha256: string) => ({ pk: `MAILGUN_TOKEN#${tokenSha256}` }),
};

export const DELIVERY_PREFIX = 'DELIVERY#';

/** Zero-padded so that sort-key order is numeric order: "every version older than N" is one query. */
export function versionKey(version: number): string {
  return `v${String(version).padStart(10, '0')}`;
}

const MILLIS_DIGITS = 15;
const VERSION_DIGITS = 10;

/**
 * Where a suppression item sorts among its channel's changes: recorded-at millis (zero-padded, so
 * string order is time order), then address and version to make the key unique per change.
 */
export function changeKey(suppression: Pick<Suppression, 'address' | 'version' | 'updatedAt'>): string {
  const millis = String(Date.parse(suppression.updatedAt)).padStart(MILLIS_DIGITS, '0');
  return `${millis}#${suppression.address}#${String(suppression.version).padStart(VERSION_DIGITS, '0')}`;
}

/** The recorded-at millis a change key starts with. */
export function changeKeyMillis(key: string): number {
  return Number(key.slice(0, key.indexOf('#')));
}

/** The first change key at or after `millis`: everything recorded before it sorts below it. */
export function changeKeyFloor(millis: number): string {
  return `${String(Math.max(0, millis)).padStart(MILLIS_DIGITS, '0')}#`;
}
