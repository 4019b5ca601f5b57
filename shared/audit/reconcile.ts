import { appliedAt, missingAcks, type ExpectedIntegrations } from './acks.js';
import { impliedSuppressions, suppressionFor, suppressionKey, type PersonRecord, type Suppression, type SuppressionView } from '../core/preferences.js';
import type { Channel } from '../core/channels.js';
import { assess, type SlaPolicy } from '../core/sla.js';
import { clockStart } from '../core/time.js';
// Deadlines here count business days: load the holiday calendar.
import '../core/holidays.js';
import type { StoreContext } from '../store/clients.js';
import { deliveryId, getDeliveries, type Delivery } from '../store/deliveries.js';
import { batchGetItems, scanPages } from '../store/dynamo.js';
import { keys } from '../store/keys.js';
import { getPerson, type StoredPerson } from '../store/people.js';
import type { SnapshotSink } from '../store/snapshots.js';

/**
 * Reconciliation: a full snapshot of each channel's suppressions, the drift it can see between the
 * suppressions table, the master record and the delivery trail, and every change a channel has
 * not applied in time. `judgeSuppression` is the rule for one item; `reconcileChannel` walks a
 * channel page by page (memory bounded by one page), streaming the snapshot as it goes.
 */

export type DriftKind = 'state-differs' | 'person-missing' | 'delivery-missing' | 'item-missing';
export type FlagKind = 'past-target' | 'approaching-deadline' | 'past-deadline';

export interface Finding {
  kind: DriftKind | FlagKind;
  channel: Channel;
  address: string;
  version: number;
  personId: string;
  status: Suppression['status'];
  /** When this version entered the master record: the clock the target runs from. */
  recordedAt: string;
  detail?: string;
  targetAt?: string;
  /** When the organisation received the request behind this version: the clock the deadline runs from. */
  startedAt?: string;
  deadlineAt?: string;
  /** Recorded after its deadline had passed: late, and the deadline stays the original one. */
  recordedLate?: true;
  /** Share of the deadline elapsed. */
  deadlineElapsed?: number;
  /** Expected integrations that have not acked this version. */
  awaiting?: string[];
}

export interface JudgeContext {
  policy: SlaPolicy;
  /** The integrations expected to ack a delivery of this channel. */
  expected: (delivery: Delivery | undefined) => readonly string[];
  now: Date;
  /** A version younger than this may still be on its way to the queue. */
  deliveryGraceMinutes: number;
}

export const DEFAULT_DELIVERY_GRACE_MINUTES = 5;

/** The times of the request that produced a version, from its event: where its deadline starts. */
export interface RequestTimes {
  occurredAt: string;
  receivedOn?: string;
}

/**
 * The request times behind a suppression version: those of the request the item names, when
 * that request's own transaction wrote this version (the event's recordedAt is the version's
 * updatedAt). A version written by something else (a link or merge, or a later request that
 * changed only the purposes) has no request of its own that reconciliation can name, so its
 * deadline runs from when it was recorded.
 */
export function requestTimesOf(event: Record<string, unknown> | undefined, item: Pick<Suppression, 'updatedAt'>): RequestTimes | undefined {
  if (!event || typeof event.occurredAt !== 'string' || event.recordedAt !== item.updatedAt) return undefined;
  return { occurredAt: event.occurredAt, ...(typeof event.receivedOn === 'string' ? { receivedOn: event.receivedOn } : {}) };
}

function differs(item: Suppression, implied: SuppressionView | undefined): string | undefined {
  if (!implied) return item.status === 'allowed' ? undefined : `the record implies no suppression; the item says ${item.status}`;
  const purposes = (value: Record<string, string>) => JSON.stringify(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
  const fields: string[] = [];
  if (item.status !== implied.status) fields.push(`status ${item.status} ≠ ${implied.status}`);
  if (purposes(item.purposes) !== purposes(implied.purposes)) fields.push('purposes');
  if (item.since !== implied.since) fields.push('since');
  if (item.eventId !== implied.eventId) fields.push('eventId');
  if (item.personId !== implied.personId) fields.push(`personId ${item.personId} ≠ ${implied.personId}`);
  return fields.length ? `differs from the record: ${fields.join(', ')}` : undefined;
}

/**
 * Everything reconciliation has to say about one suppression item. `request` is the request that
 * produced the version (requestTimesOf); its deadline is the one the trace and the dialer's
 * receipt give, from when the organisation received it. Without one it runs from the recording.
 */
export function judgeSuppression(
  item: Suppression,
  person: PersonRecord | undefined,
  delivery: Delivery | undefined,
  context: JudgeContext,
  request?: RequestTimes,
): Finding[] {
  const base = {
    channel: item.channel,
    address: item.address,
    version: item.version,
    personId: item.personId,
    status: item.status,
    recordedAt: item.updatedAt,
  };
  const findings: Finding[] = [];
  if (!person) {
    findings.push({ ...base, kind: 'person-missing', detail: `no record for person ${item.personId}` });
  } else {
    const detail = differs(item, suppressionFor(person, item.channel, item.address));
    if (detail) findings.push({ ...base, kind: 'state-differs', detail });
  }
  const age = context.now.getTime() - Date.parse(item.updatedAt);
  if (!delivery && age > context.deliveryGraceMinutes * 60_000) {
    findings.push({ ...base, kind: 'delivery-missing', detail: `version ${item.version} was never recorded as enqueued` });
  }
  const expected = context.expected(delivery);
  const applied = appliedAt(delivery, expected);
  if (applied) return findings;
  const sla = context.policy.channels[item.channel];
  const startedAt = request ? clockStart(request) : item.updatedAt;
  const assessment = assess(sla, { startedAt, recordedAt: item.updatedAt }, undefined, context.now, context.policy.calendar);
  const timing = {
    targetAt: assessment.targetAt,
    startedAt: assessment.startedAt,
    deadlineAt: assessment.deadlineAt,
    deadlineElapsed: assessment.deadlineElapsed,
    ...(assessment.recordedLate && item.status === 'suppressed' ? { recordedLate: true as const } : {}),
    ...(expected.length ? { awaiting: missingAcks(delivery, expected) } : {}),
  };
  if (assessment.target === 'missed') findings.push({ ...base, kind: 'past-target', ...timing });
  // The regulatory deadline is about honouring opt-outs; applying an opt-in late breaks none.
  if (item.status === 'suppressed' && assessment.deadline === 'approaching') findings.push({ ...base, kind: 'approaching-deadline', ...timing });
  if (item.status === 'suppressed' && assessment.deadline === 'missed') findings.push({ ...base, kind: 'past-deadline', ...timing });
  return findings;
}

/**
 * The other direction: what one (unmerged) person's record implies on a channel that the
 * suppressions table does not hold. A missing item is `item-missing`. An item held under another
 * person is `state-differs` (the suppression-side check judges it against that other person, so
 * it may not see it). An item that names this person but differs is left to the suppression-side
 * check, which judges it against this same record, so it is not counted twice.
 */
export function judgePerson(person: PersonRecord & { updatedAt?: string }, channel: Channel, items: ReadonlyMap<string, Suppression>): Finding[] {
  const findings: Finding[] = [];
  for (const implied of impliedSuppressions(person, [channel])) {
    const item = items.get(suppressionKey(implied.channel, implied.address));
    const base = {
      channel: implied.channel,
      address: implied.address,
      personId: person.personId,
      status: implied.status,
      recordedAt: person.updatedAt ?? implied.since,
    };
    if (!item) {
      // An address never suppressed needs no item (materialize writes none): only a missing suppression is drift.
      if (implied.status === 'allowed') continue;
      findings.push({
        ...base,
        kind: 'item-missing',
        version: 0,
        detail: `the record of person ${person.personId} implies ${implied.status}; no suppression item exists`,
      });
    } else if (item.personId !== person.personId) {
      findings.push({
        ...base,
        kind: 'state-differs',
        version: item.version,
        detail: `the record of person ${person.personId} implies ${implied.status}; the item names person ${item.personId} (${item.status})`,
      });
    }
  }
  return findings;
}

/**
 * Scans the preferences table for current person records (not merged away), page by page, and
 * reports what each implies on `channel` that the suppressions table lacks. Memory is bounded by
 * one page of records and the items they imply.
 */
async function reconcilePeople(ctx: StoreContext, channel: Channel, report: (finding: Finding) => void): Promise<number> {
  let people = 0;
  const pages = scanPages(
    ctx.documents,
    {
      TableName: ctx.tables.preferences,
      FilterExpression: '#type = :person AND sk = :record AND attribute_not_exists(mergedInto)',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':person': 'person', ':record': 'RECORD' },
      ConsistentRead: true,
    },
    'The preferences table',
  );
  for await (const page of pages) {
    const records = page.map((item) => {
      const { pk: _pk, sk: _sk, type: _type, ...person } = item;
      return person as unknown as StoredPerson;
    });
    const wanted = new Map<string, { channel: Channel; address: string }>();
    for (const record of records) {
      for (const view of impliedSuppressions(record, [channel])) wanted.set(suppressionKey(view.channel, view.address), view);
    }
    const found = await batchGetItems(
      ctx,
      ctx.tables.suppressions,
      [...wanted.values()].map((view) => keys.suppression(view.channel, view.address)),
    );
    const items = new Map<string, Suppression>();
    for (const item of found) {
      const { pk, ...suppression } = item;
      items.set(String(pk), suppression as unknown as Suppression);
    }
    for (const record of records) {
      people++;
      for (const finding of judgePerson(record, channel, items)) report(finding);
    }
  }
  return people;
}

export interface ChannelReport {
  channel: Channel;
  startedAt: string;
  finishedAt: string;
  items: number;
  suppressed: number;
  /** Person records checked for implied suppressions missing from the table. */
  people: number;
  snapshot?: { bucket: string; key: string };
  counts: Record<DriftKind | FlagKind, number>;
  /** The first findings of each kind, up to the example limit; counts are complete. */
  findings: Finding[];
  truncated: boolean;
}

export interface ReconcileOptions {
  policy: SlaPolicy;
  expected: ExpectedIntegrations;
  now?: () => Date;
  deliveryGraceMinutes?: number;
  /** Findings kept per kind in the report (the counts cover all). */
  exampleLimit?: number;
  snapshot?: (channel: Channel, startedAt: Date) => SnapshotSink;
  /** Called after each page, with items seen so far. */
  progress?: (items: number) => void;
}

const findingKinds: (DriftKind | FlagKind)[] = [
  'state-differs',
  'person-missing',
  'delivery-missing',
  'item-missing',
  'past-target',
  'approaching-deadline',
  'past-deadline',
];

async function peopleOf(ctx: StoreContext, personIds: readonly string[]): Promise<Map<string, StoredPerson>> {
  const items = await batchGetItems(
    ctx,
    ctx.tables.preferences,
    [...new Set(personIds)].map((id) => keys.person(id)),
  );
  const people = new Map<string, StoredPerson>();
  for (const item of items) {
    const { pk: _pk, sk: _sk, ...person } = item;
    let record = person as unknown as StoredPerson;
    // A merged person's items are judged against the person they were merged into.
    if (record.mergedInto) record = (await getPerson(ctx, record.personId)) ?? record;
    people.set(String(item.personId), record);
  }
  return people;
}

/** The events named by every version of a page not yet applied (only those are judged against a deadline), by id. */
async function eventsOf(
  ctx: StoreContext,
  suppressions: readonly Suppression[],
  deliveries: ReadonlyMap<string, Delivery>,
  expected: JudgeContext['expected'],
): Promise<Map<string, Record<string, unknown>>> {
  const eventIds = new Set(
    suppressions
      .filter((item) => {
        const delivery = deliveries.get(deliveryId(item));
        return !appliedAt(delivery, expected(delivery));
      })
      .map((item) => item.eventId),
  );
  const events = await batchGetItems(
    ctx,
    ctx.tables.preferences,
    [...eventIds].map((id) => keys.event(id)),
  );
  return new Map(events.map((event) => [String(event.pk).slice('EVENT#'.length), event]));
}

export async function reconcileChannel(ctx: StoreContext, channel: Channel, options: ReconcileOptions): Promise<ChannelReport> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const limit = options.exampleLimit ?? 100;
  const counts = Object.fromEntries(findingKinds.map((kind) => [kind, 0])) as ChannelReport['counts'];
  const findings: Finding[] = [];
  let items = 0;
  let suppressed = 0;
  let truncated = false;
  let people = 0;
  const record = (finding: Finding) => {
    counts[finding.kind]++;
    if (counts[finding.kind] <= limit) findings.push(finding);
    else truncated = true;
  };
  const sink = options.snapshot?.(channel, started);
  try {
    const pages = scanPages(
      ctx.documents,
      {
        TableName: ctx.tables.suppressions,
        FilterExpression: '#channel = :channel',
        ExpressionAttributeNames: { '#channel': 'channel' },
        ExpressionAttributeValues: { ':channel': channel },
        ConsistentRead: true,
      },
      'The suppressions table',
    );
    for await (const page of pages) {
      const suppressions = page.map((item) => {
        const { pk: _pk, ...suppression } = item;
        return suppression as unknown as Suppression;
      });
      const [owners, deliveries] = await Promise.all([
        peopleOf(
          ctx,
          suppressions.map((item) => item.personId),
        ),
        getDeliveries(ctx, suppressions),
      ]);
      const context: JudgeContext = {
        policy: options.policy,
        expected: (delivery) => options.expected(channel, delivery),
        now: now(),
        deliveryGraceMinutes: options.deliveryGraceMinutes ?? DEFAULT_DELIVERY_GRACE_MINUTES,
      };
      const events = await eventsOf(ctx, suppressions, deliveries, context.expected);
      for (const item of suppressions) {
        items++;
        if (item.status === 'suppressed') suppressed++;
        if (sink) await sink.write(`${JSON.stringify(item)}\n`);
        const delivery = deliveries.get(deliveryId(item));
        const request = requestTimesOf(events.get(item.eventId), item);
        for (const finding of judgeSuppression(item, owners.get(item.personId), delivery, context, request)) record(finding);
      }
      options.progress?.(items);
    }
    people = await reconcilePeople(ctx, channel, record);
  } catch (error) {
    await sink?.abort().catch(() => undefined);
    throw error;
  }
  const snapshot = sink ? await sink.close() : undefined;
  return {
    channel,
    startedAt: started.toISOString(),
    finishedAt: now().toISOString(),
    items,
    suppressed,
    people,
    ...(snapshot ? { snapshot } : {}),
    counts,
    findings,
    truncated,
  };
}
