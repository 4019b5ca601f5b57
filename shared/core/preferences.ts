import { channelIdentity, identityKey, type Identity } from './identity.js';
import { channels, type Channel } from './channels.js';
import type { Signal } from './signal.js';

/**
 * The master preference record of one person, and the rules that decide what each of their
 * addresses may receive. Plain functions over plain data: the store persists what they return.
 *
 * A record holds one preference per (channel, purpose, target), where the target is the whole
 * person or one address. Each preference is a last-writer-wins register over the time the person
 * acted: a later act replaces an earlier one, at equal times suppression wins, and a redelivered
 * act changes nothing. Because targets are separate registers, an SMS START from one number can
 * never clear a person-wide opt-out, nor another channel.
 */

export type Status = 'suppressed' | 'allowed';
export type Scope = 'address' | 'person';

export interface Preference {
  channel: Channel;
  purpose: string;
  scope: Scope;
  /** The address this preference is about, when its scope is `address`. */
  address?: string;
  status: Status;
  /** When the person acted; orders preferences. */
  occurredAt: string;
  /** Since when the status holds (differs from occurredAt only for merged preferences). */
  since: string;
  eventId: string;
}

export interface PersonRecord {
  personId: string;
  /** Grows with every stored change; 0 for a person not stored yet. */
  revision: number;
  identities: Identity[];
  preferences: Preference[];
  /** People merged into this one; their history is this person's history. */
  mergedFrom: string[];
}

/** What the suppressions table holds for one (channel, address), as the record implies it. */
export interface SuppressionView {
  channel: Channel;
  address: string;
  personId: string;
  /** Suppressed when any purpose is; a sender that does not say its purpose gets the strictest answer. */
  status: Status;
  /** Status per purpose; `all` stands for every purpose not named. */
  purposes: Record<string, Status>;
  since: string;
  eventId: string;
}

export function emptyRecord(personId: string): PersonRecord {
  return { personId, revision: 0, identities: [], preferences: [], mergedFrom: [] };
}

export function preferenceKey(preference: Pick<Preference, 'channel' | 'purpose' | 'scope' | 'address'>): string {
  const target = preference.scope === 'person' ? 'person' : `address#${preference.address}`;
  return `${preference.channel}#${preference.purpose}#${target}`;
}

export function statusOf(signal: Pick<Signal, 'kind'>): Status | undefined {
  if (signal.kind === 'opt-out') return 'suppressed';
  if (signal.kind === 'opt-in') return 'allowed';
  return undefined;
}

/**
 * Whether `incoming` decides instead of `current`: the later act wins; at equal times suppression
 * wins; between equal acts the greater event id, so that arrival order never decides.
 */
export function supersedes(
  current: Pick<Preference, 'occurredAt' | 'status' | 'eventId'> | undefined,
  incoming: Pick<Preference, 'occurredAt' | 'status' | 'eventId'>,
): boolean {
  if (!current) return true;
  const byTime = Date.parse(incoming.occurredAt) - Date.parse(current.occurredAt);
  if (byTime !== 0) return byTime > 0;
  if (incoming.status !== current.status) return incoming.status === 'suppressed';
  return incoming.eventId > current.eventId;
}

/** The address a signal's subject has for a channel, if it names one. */
export function addressFor(signal: Pick<Signal, 'subject'>, channel: Channel): string | undefined {
  return signal.subject.find((identity) => identity.type === channelIdentity[channel])?.value;
}

/** The preferences a signal asks for, one per channel. */
export function preferencesOf(signal: Signal): Preference[] {
  const status = statusOf(signal);
  if (!status) return [];
  return signal.channels.map((channel) => ({
    channel,
    purpose: signal.purpose,
    scope: signal.scope,
    ...(signal.scope === 'address' ? { address: addressFor(signal, channel) } : {}),
    status,
    occurredAt: signal.occurredAt,
    since: signal.occurredAt,
    eventId: signal.id,
  }));
}

export interface Applied {
  record: PersonRecord;
  /** The preferences that changed; empty when the signal was older than what the record holds. */
  changed: Preference[];
  effect: 'applied' | 'superseded' | 'recorded';
}

export function withIdentities(record: PersonRecord, identities: readonly Identity[]): PersonRecord {
  const known = new Set(record.identities.map(identityKey));
  const added: Identity[] = [];
  for (const identity of identities) {
    const key = identityKey(identity);
    if (known.has(key)) continue;
    known.add(key);
    added.push(identity);
  }
  return added.length ? { ...record, identities: [...record.identities, ...added] } : record;
}

export function applySignal(record: PersonRecord, signal: Signal): Applied {
  const incoming = preferencesOf(signal);
  if (incoming.length === 0) return { record, changed: [], effect: 'recorded' };
  const byKey = new Map(record.preferences.map((preference) => [preferenceKey(preference), preference]));
  const changed = incoming.filter((preference) => supersedes(byKey.get(preferenceKey(preference)), preference));
  if (changed.length === 0) return { record, changed, effect: 'superseded' };
  for (const preference of changed) byKey.set(preferenceKey(preference), preference);
  return { record: { ...record, preferences: [...byKey.values()] }, changed, effect: 'applied' };
}

type Target = Pick<Preference, 'channel' | 'scope' | 'address'>;

const sameTarget = (a: Target, b: Target) => a.channel === b.channel && a.scope === b.scope && a.address === b.address;

/** The preference that decides `purpose` for one target: the later of its own and the `all` one. */
function effectivePreference(preferences: readonly Preference[], target: Target, purpose: string): Preference | undefined {
  const onTarget = preferences.filter((preference) => sameTarget(preference, target));
  return decidingPreference([
    onTarget.find((preference) => preference.purpose === purpose),
    purpose === 'all' ? undefined : onTarget.find((preference) => preference.purpose === 'all'),
  ]);
}

/**
 * The most restrictive union of two records: identities and preferences of both. Where both hold
 * a preference for the same target, a suppression on either side survives. Then, for every
 * target and purpose that either person had suppressed (directly or through `all`), a suppression
 * dated after everything else on that target is kept, so that nothing suppressed in either person
 * becomes allowed by the merge, even where `all` and a named purpose interact.
 */
export function mergeRecords(survivor: PersonRecord, merged: PersonRecord): PersonRecord {
  const byKey = new Map(survivor.preferences.map((preference) => [preferenceKey(preference), preference]));
  for (const theirs of merged.preferences) {
    const key = preferenceKey(theirs);
    const ours = byKey.get(key);
    if (!ours) {
      byKey.set(key, theirs);
      continue;
    }
    const suppressed = [ours, theirs].filter((preference) => preference.status === 'suppressed');
    const latest = supersedes(ours, theirs) ? theirs : ours;
    if (suppressed.length === 0) {
      byKey.set(key, latest);
    } else {
      const holding = suppressed.reduce((a, b) => (Date.parse(a.since) <= Date.parse(b.since) ? a : b));
      byKey.set(key, { ...holding, occurredAt: latest.occurredAt });
    }
  }
  for (const side of [survivor, merged]) {
    for (const target of side.preferences) {
      const onTarget = [...side.preferences, ...byKey.values()].filter((preference) => sameTarget(preference, target));
      for (const purpose of new Set(['all', ...onTarget.map((preference) => preference.purpose)])) {
        const before = effectivePreference(side.preferences, target, purpose);
        if (before?.status !== 'suppressed') continue;
        const combined = [...byKey.values()];
        if (effectivePreference(combined, target, purpose)?.status === 'suppressed') continue;
        const newest = combined
          .filter((preference) => sameTarget(preference, target) && (preference.purpose === purpose || preference.purpose === 'all'))
          .reduce((a, b) => (Date.parse(a.occurredAt) >= Date.parse(b.occurredAt) ? a : b));
        const held: Preference = { ...before, purpose, occurredAt: newest.occurredAt };
        byKey.set(preferenceKey(held), held);
      }
    }
  }
  return {
    ...withIdentities(survivor, merged.identities),
    preferences: [...byKey.values()],
    mergedFrom: [...new Set([...survivor.mergedFrom, merged.personId, ...merged.mergedFrom])],
  };
}

/** The person's addresses on a channel. */
export function addressesOn(record: PersonRecord, channel: Channel): string[] {
  return record.identities.filter((identity) => identity.type === channelIdentity[channel]).map((identity) => identity.value);
}

/** Last-writer-wins between the specific purpose's preference and the `all` one, for one target. */
function decidingPreference(candidates: (Preference | undefined)[]): Preference | undefined {
  let winner: Preference | undefined;
  for (const candidate of candidates) {
    if (candidate && supersedes(winner, candidate)) winner = candidate;
  }
  return winner;
}

/** What the record implies for one address on one channel, or undefined when no preference touches it. */
export function suppressionFor(record: PersonRecord, channel: Channel, address: string): SuppressionView | undefined {
  const relevant = record.preferences.filter(
    (preference) => preference.channel === channel && (preference.scope === 'person' || preference.address === address),
  );
  if (relevant.length === 0) return undefined;
  const find = (purpose: string, scope: Scope) => relevant.find((preference) => preference.purpose === purpose && preference.scope === scope);
  const purposes: Record<string, Status> = {};
  const deciding = new Set<Preference>();
  for (const purpose of new Set(['all', ...relevant.map((preference) => preference.purpose)])) {
    const outcomes = (['person', 'address'] as const)
      .map((scope) => decidingPreference([find(purpose, scope), purpose === 'all' ? undefined : find('all', scope)]))
      .filter((preference): preference is Preference => preference !== undefined);
    const suppressing = outcomes.filter((preference) => preference.status === 'suppressed');
    purposes[purpose] = suppressing.length ? 'suppressed' : 'allowed';
    for (const preference of suppressing.length ? suppressing : outcomes) deciding.add(preference);
  }
  const status: Status = Object.values(purposes).includes('suppressed') ? 'suppressed' : 'allowed';
  const reasons = [...deciding].filter((preference) => preference.status === status);
  // Suppressed since the earliest act still holding it; allowed since the latest act that allowed.
  const reason = reasons.reduce((a, b) => {
    const order = Date.parse(a.since) - Date.parse(b.since) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
    return (status === 'suppressed' ? order <= 0 : order >= 0) ? a : b;
  });
  return { channel, address, personId: record.personId, status, purposes, since: reason.since, eventId: reason.eventId };
}

/** Every suppression the record implies, for the given channels (all by default). */
export function impliedSuppressions(record: PersonRecord, onChannels: readonly Channel[] = channels): SuppressionView[] {
  return onChannels.flatMap((channel) =>
    addressesOn(record, channel)
      .map((address) => suppressionFor(record, channel, address))
      .filter((view): view is SuppressionView => view !== undefined),
  );
}

/** The stored form of a suppression view: the view plus a version that grows with every change. */
export interface Suppression extends SuppressionView {
  version: number;
  updatedAt: string;
}

export function suppressionKey(channel: Channel, address: string): string {
  return `${channel}#${address}`;
}

function sameView(a: SuppressionView, b: SuppressionView): boolean {
  const purposes = (view: SuppressionView) => JSON.stringify(Object.entries(view.purposes).sort(([x], [y]) => x.localeCompare(y)));
  return a.status === b.status && a.since === b.since && a.eventId === b.eventId && a.personId === b.personId && purposes(a) === purposes(b);
}

/**
 * The suppression items to write so that the table equals what the record implies for the given
 * (channel, address) pairs: changed ones one version up, unchanged ones not at all. An address
 * that was never suppressed and still is not needs no item.
 */
export function materialize(implied: readonly SuppressionView[], current: ReadonlyMap<string, Suppression>, updatedAt: string): Suppression[] {
  const writes: Suppression[] = [];
  for (const view of implied) {
    const existing = current.get(suppressionKey(view.channel, view.address));
    if (existing ? sameView(existing, view) : view.status === 'allowed') continue;
    writes.push({ ...view, version: (existing?.version ?? 0) + 1, updatedAt });
  }
  return writes;
}

/** A suppression's answer for one purpose; without a purpose, the strictest answer. */
export function statusFor(suppression: Pick<SuppressionView, 'status' | 'purposes'> | undefined, purpose: string | undefined): Status {
  if (!suppression) return 'allowed';
  if (purpose === undefined) return suppression.status;
  return suppression.purposes[purpose] ?? suppression.purposes.all ?? 'allowed';
}
