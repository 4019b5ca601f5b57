import { channelIdentity, identityKey, type Identity } from '../../shared/core/identity.js';
import {
  applySignal,
  emptyRecord,
  impliedSuppressions,
  materialize,
  suppressionKey,
  withIdentities,
  type PersonRecord,
  type Suppression,
  type SuppressionView,
} from '../../shared/core/preferences.js';
import { channels, type Channel } from '../../shared/core/channels.js';
import { assertActionable, type Signal } from '../../shared/core/signal.js';

/**
 * An in-memory stand-in for shared/store/people.ts `recordSignal`, using the same pure functions
 * in the same order: assertActionable → event marker (idempotency) → resolve the person →
 * withIdentities → applySignal → impliedSuppressions(record, touched channels) → materialize → write.
 * assertActionable refuses every opt-in (address or person scope) without evidence collectedBy and
 * method, so signals delivered here must carry it, as signalFromSms gives an SMS START.
 * No DynamoDB, no concurrency: it exists to state properties of the pure functions.
 */

export interface ModelPerson {
  personId: string;
  identities: Identity[];
}

export interface Delivery {
  signal: Signal;
  duplicate: boolean;
  personId: string;
  /** The views computed for the touched channels (empty for a duplicate). */
  views: SuppressionView[];
  /** The table as it was before this delivery's writes. */
  before: ReadonlyMap<string, Suppression>;
  writes: Suppression[];
}

export class PreferencesModel {
  readonly records = new Map<string, PersonRecord>();
  readonly table = new Map<string, Suppression>();
  /** Event ids already recorded, like the store's `EVENT#<id>` marker. */
  readonly events = new Set<string>();
  private readonly owners = new Map<string, string>();
  private clock = Date.parse('2030-01-01T00:00:00.000Z');

  constructor(people: readonly ModelPerson[]) {
    for (const person of people) {
      this.records.set(person.personId, withIdentities(emptyRecord(person.personId), person.identities));
      for (const identity of person.identities) this.owners.set(identityKey(identity), person.personId);
    }
  }

  /** The person a signal goes to: the owner of its first channel-addressed identity, else of any. */
  personOf(signal: Signal): string {
    const addressed = signal.channels
      .map((channel) => signal.subject.find((identity) => identity.type === channelIdentity[channel]))
      .find((identity) => identity !== undefined);
    const owner =
      (addressed && this.owners.get(identityKey(addressed))) ??
      signal.subject.map((identity) => this.owners.get(identityKey(identity))).find((id) => id !== undefined);
    if (!owner) throw new Error(`model: nobody owns the subject of ${signal.id}`);
    return owner;
  }

  deliver(signal: Signal): Delivery {
    assertActionable(signal);
    const personId = this.personOf(signal);
    const before = new Map(this.table);
    if (this.events.has(signal.id)) return { signal, duplicate: true, personId, views: [], before, writes: [] };
    const record = this.records.get(personId)!;
    const unowned = signal.subject.filter((identity) => !this.owners.has(identityKey(identity)));
    const linked = withIdentities(record, unowned);
    for (const identity of unowned) this.owners.set(identityKey(identity), personId);
    const applied = applySignal(linked, signal);
    const touched = channels.filter((channel) => signal.channels.includes(channel) || unowned.some((identity) => identity.type === channelIdentity[channel]));
    const views = impliedSuppressions(applied.record, touched);
    this.clock += 1000;
    const writes = materialize(views, this.table, new Date(this.clock).toISOString());
    for (const write of writes) this.table.set(suppressionKey(write.channel, write.address), write);
    this.records.set(personId, applied.record);
    this.events.add(signal.id);
    return { signal, duplicate: false, personId, views, before, writes };
  }

  deliverAll(signals: readonly Signal[]): Delivery[] {
    return signals.map((signal) => this.deliver(signal));
  }
}

/** A suppression item without what legitimately depends on delivery order. */
export function withoutVersion(item: Suppression): SuppressionView {
  const { version: _version, updatedAt: _updatedAt, ...view } = item;
  return view;
}

/** Whether a view allows everything: what an absent item means to a sender. */
export function allAllowed(view: SuppressionView | undefined): boolean {
  return view === undefined || (view.status === 'allowed' && Object.values(view.purposes).every((status) => status === 'allowed'));
}

/** Every (channel, address) a set of people can be reached at, as suppression keys. */
export function addressKeys(people: readonly ModelPerson[]): { channel: Channel; address: string; personId: string }[] {
  return people.flatMap((person) =>
    channels.flatMap((channel) =>
      person.identities
        .filter((identity) => identity.type === channelIdentity[channel])
        .map((identity) => ({ channel, address: identity.value, personId: person.personId })),
    ),
  );
}
