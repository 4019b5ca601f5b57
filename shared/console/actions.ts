import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { CountryCode } from 'libphonenumber-js/max';
import { channels, type Channel } from '../core/channels.js';
import { BadRequestError } from '../core/errors.js';
import { normalizeIdentity, type Identity, type IdentityType } from '../core/identity.js';
import { classify, type Classification, type KeywordLists } from '../core/keywords.js';
import type { SlaPolicy } from '../core/sla.js';
import { channelQueues, fanoutFailureQueue, dlqName, integrationQueue, tables, type TableKey } from '../platform/resources.js';
import { integrations } from '../platform/config.js';
import { sqs, tableAnswers, type StoreContext } from '../store/clients.js';
import { findPerson, getPerson, type StoredPerson } from '../store/people.js';
import { consoleActionsAbout } from '../store/console-log.js';
import { deliveriesOf } from '../store/deliveries.js';
import { batchGetItems } from '../store/dynamo.js';
import { changeKeyFloor, keys } from '../store/keys.js';
import { changesSince } from '../store/suppressions.js';
import { appliedAt } from '../audit/acks.js';
import { propagationOf, type Propagation, type PropagationSample } from './propagation.js';
import { recordSignal } from '../record/record-signal.js';
import { describePerson } from '../record/people.js';
import { readTrace } from '../audit/trace.js';
import { requestSchema, signalFromRequest } from '../intake/requests/requests.js';
import type { HealthView, PersonView, Receipt } from './pages.js';
import type { ConsoleUser } from './session.js';

/**
 * What the console does, as plain functions over the store: find a person, show them, record a
 * request (through the same schema, rules and transaction as `POST /v1/requests`), test a text
 * against the SMS keywords, and read health. The handler (functions/console.ts) reads the form,
 * checks the session and role, and calls these.
 */

export type Form = Record<string, string | string[]>;

const one = (form: Form, name: string): string | undefined => {
  const value = form[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() ? text.trim() : undefined;
};

const many = (form: Form, name: string): string[] => {
  const value = form[name];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((item) => item.trim()).filter(Boolean);
};

const searchKinds: readonly IdentityType[] = ['phone', 'email', 'externalId', 'postal'];

/** The identity a search form names: one of phone, email, external id or a postal address. */
export function searchIdentity(form: Form, region: CountryCode): Identity {
  const kind = one(form, 'kind');
  if (!kind || !(searchKinds as readonly string[]).includes(kind)) throw new BadRequestError('Search by phone, email, externalId or postal.');
  if (kind === 'postal') {
    return normalizeIdentity(
      'postal',
      {
        line1: one(form, 'line1') ?? '',
        ...(one(form, 'line2') ? { line2: one(form, 'line2') } : {}),
        city: one(form, 'city') ?? '',
        ...(one(form, 'state') ? { state: one(form, 'state') } : {}),
        postalCode: one(form, 'postalCode') ?? '',
        country: one(form, 'country') ?? 'US',
      },
      region,
    );
  }
  const value = one(form, 'value');
  if (!value) throw new BadRequestError(`Give the ${kind} to search for.`);
  return normalizeIdentity(kind as IdentityType, value, region);
}

export async function searchPerson(store: StoreContext, form: Form, region: CountryCode): Promise<{ kind: string; person: StoredPerson | undefined }> {
  const identity = searchIdentity(form, region);
  return { kind: identity.type, person: await findPerson(store, identity) };
}

export interface TraceSettings {
  policy: SlaPolicy;
  expected: (channel: Channel) => string[];
}

export async function personView(store: StoreContext, person: StoredPerson, settings: TraceSettings & { purposes: string[] }): Promise<PersonView> {
  const described = describePerson(person);
  const [trace, activity] = await Promise.all([readTrace(store, person, settings), consoleActionsAbout(store, person.personId)]);
  return {
    personId: person.personId,
    identities: person.identities,
    preferences: person.preferences,
    suppressions: described.suppressions as PersonView['suppressions'],
    purposes: settings.purposes,
    trace,
    activity,
  };
}

/** `2026-06-01T09:30` (a datetime-local field, read as UTC) as ISO 8601 with an offset. */
function utcDateTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00Z` : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(value) ? `${value}Z` : value;
}

/**
 * The `POST /v1/requests` body a console form stands for. The signed-in user is who collected it
 * (evidence.collectedBy), and the source is `console`, so the history says who keyed it in.
 */
export function requestFromForm(form: Form, user: ConsoleUser): Record<string, unknown> {
  const postal = one(form, 'line1') || one(form, 'city') || one(form, 'postalCode');
  const subject = {
    ...(one(form, 'phone') ? { phone: one(form, 'phone') } : {}),
    ...(one(form, 'email') ? { email: one(form, 'email') } : {}),
    ...(one(form, 'externalId') ? { externalId: one(form, 'externalId') } : {}),
    ...(postal
      ? {
          postal: {
            line1: one(form, 'line1') ?? '',
            ...(one(form, 'line2') ? { line2: one(form, 'line2') } : {}),
            city: one(form, 'city') ?? '',
            ...(one(form, 'state') ? { state: one(form, 'state') } : {}),
            postalCode: one(form, 'postalCode') ?? '',
            country: one(form, 'country') ?? 'US',
          },
        }
      : {}),
  };
  const evidence = {
    collectedBy: user.id,
    ...(one(form, 'method') ? { method: one(form, 'method') } : {}),
    ...(one(form, 'reference') ? { reference: one(form, 'reference') } : {}),
    ...(one(form, 'note') ? { note: one(form, 'note') } : {}),
  };
  return {
    requestId: one(form, 'requestId'),
    kind: one(form, 'kind'),
    channels: many(form, 'channels'),
    purpose: one(form, 'purpose') ?? 'all',
    scope: one(form, 'scope') ?? 'address',
    subject,
    occurredAt: utcDateTime(one(form, 'occurredAt')),
    ...(one(form, 'receivedOn') ? { receivedOn: one(form, 'receivedOn') } : {}),
    source: 'console',
    evidence,
  };
}

/** Records a console request exactly as `POST /v1/requests` would, and returns its receipt with the deadlines. */
export async function recordConsoleRequest(
  store: StoreContext,
  body: Record<string, unknown>,
  context: TraceSettings & { receivedAt: Date; region: CountryCode; assertPurpose: (purpose: string) => unknown },
): Promise<Receipt> {
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    throw new BadRequestError('The request is not complete.', {
      errors: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  context.assertPurpose(parsed.data.purpose);
  const signal = signalFromRequest(parsed.data, { receivedAt: context.receivedAt, defaultRegion: context.region });
  const outcome = await recordSignal(store, signal);
  // The record as this request left it; a duplicate wrote nothing and reads it back.
  const person = outcome.record ? ({ ...outcome.record, createdAt: '', updatedAt: '' } as StoredPerson) : await getPerson(store, outcome.personId);
  const traced = person ? (await readTrace(store, person, context)).events.find((event) => event.eventId === outcome.eventId) : undefined;
  return {
    eventId: outcome.eventId,
    personId: outcome.personId,
    duplicate: outcome.duplicate,
    effect: outcome.effect,
    suppressions: outcome.suppressions.map(({ channel, address, status, version }) => ({ channel, address, status, version })),
    ...(traced ? { traced } : {}),
  };
}

export function testKeywords(text: string, lists: KeywordLists): Classification {
  if (text.length > 2048) throw new BadRequestError('Only the first 2,048 characters of a text are read; paste at most that.');
  return classify(text, lists);
}

const CHECK_TIMEOUT_MS = 2000;

async function answers(operation: (abortSignal: AbortSignal) => Promise<unknown>): Promise<'ok' | 'unavailable'> {
  try {
    await operation(AbortSignal.timeout(CHECK_TIMEOUT_MS));
    return 'ok';
  } catch {
    return 'unavailable';
  }
}

async function depth(url: string | undefined): Promise<number | undefined> {
  if (!url) return undefined;
  try {
    const result = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }), {
      abortSignal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
    return Number(result.Attributes?.ApproximateNumberOfMessages ?? 0);
  } catch {
    return undefined;
  }
}

/** Whether every table and channel queue answers, and how many messages wait on each dead-letter queue. */
export async function readHealth(environment: Record<string, string | undefined>): Promise<HealthView> {
  const tableKeys = Object.keys(tables) as TableKey[];
  const [tableChecks, queueChecks, depths] = await Promise.all([
    Promise.all(tableKeys.map((key) => answers((signal) => tableAnswers(environment[tables[key].env] ?? '', signal)))),
    Promise.all(
      channels.map((channel) =>
        answers((signal) =>
          sqs.send(new GetQueueAttributesCommand({ QueueUrl: environment[channelQueues[channel].env] ?? '', AttributeNames: ['QueueArn'] }), {
            abortSignal: signal,
          }),
        ),
      ),
    ),
    Promise.all([
      ...channels.map((channel) => depth(environment[channelQueues[channel].dlqEnv])),
      ...integrations().map((integration) => depth(environment[integrationQueue(integration.name).dlqEnv])),
      depth(environment[fanoutFailureQueue.env]),
    ]),
  ]);
  return {
    store: Object.fromEntries(tableKeys.map((key, i) => [tables[key].name, tableChecks[i]!])),
    queues: Object.fromEntries(channels.map((channel, i) => [channelQueues[channel].name, queueChecks[i]!])),
    deadLetters: [
      ...channels.map((channel) => dlqName(channelQueues[channel].name)),
      ...integrations().map((integration) => dlqName(integrationQueue(integration.name).name)),
      fanoutFailureQueue.name,
    ].map((name, i) => ({ name, depth: depths[i] })),
  };
}

/** The changes read per channel for the charts: enough for a picture, bounded for a page. */
export const PROPAGATION_CHANGES_PER_CHANNEL = 500;
const READ_CONCURRENCY = 16;

async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) results.push(...(await Promise.all(items.slice(start, start + size).map(work))));
  return results;
}

/**
 * The samples behind the propagation charts: every version enqueued in the last `days` days of the
 * addresses whose latest change falls in that window (at most PROPAGATION_CHANGES_PER_CHANNEL
 * addresses per channel, the oldest first), with when its request arrived and when it was applied.
 */
export async function readPropagation(
  store: StoreContext,
  options: { expected: (channel: Channel, delivery?: { affects?: readonly string[] }) => string[]; now: Date; days: number },
): Promise<Propagation & { truncated: boolean }> {
  const today = Date.UTC(options.now.getUTCFullYear(), options.now.getUTCMonth(), options.now.getUTCDate());
  const since = today - (options.days - 1) * 86_400_000;
  let truncated = false;
  const samples: (Omit<PropagationSample, 'arrivedAt'> & { eventId?: string })[] = [];
  for (const channel of channels) {
    const page = await changesSince(store, channel, changeKeyFloor(since), options.now.getTime() + 1, PROPAGATION_CHANGES_PER_CHANNEL);
    truncated ||= page.hasMore;
    const deliveries = await inBatches([...new Set(page.items.map((item) => item.address))], READ_CONCURRENCY, (address) =>
      deliveriesOf(store, channel, address),
    );
    for (const delivery of deliveries.flat()) {
      if (!delivery.enqueuedAt || Date.parse(delivery.enqueuedAt) < since) continue;
      // Who must ack depends on the purposes the change affects (an integration may take marketing only).
      const applied = appliedAt(delivery, options.expected(channel, delivery));
      const acks = Object.fromEntries(Object.entries(delivery.acks ?? {}).map(([integration, ack]) => [integration, ack.at]));
      samples.push({
        channel,
        enqueuedAt: delivery.enqueuedAt,
        ...(applied ? { appliedAt: applied } : {}),
        ...(Object.keys(acks).length ? { acks } : {}),
        ...(delivery.eventId ? { eventId: delivery.eventId } : {}),
      });
    }
  }
  const eventIds = [...new Set(samples.map((sample) => sample.eventId).filter((id): id is string => Boolean(id)))];
  const events = await batchGetItems(
    store,
    store.tables.preferences,
    eventIds.map((id) => keys.event(id)),
  );
  const arrived = new Map(events.map((event) => [String(event.pk).slice('EVENT#'.length), String(event.receivedAt ?? event.recordedAt ?? '')] as const));
  const complete = samples.map(({ eventId, ...sample }) => ({ ...sample, arrivedAt: (eventId && arrived.get(eventId)) || sample.enqueuedAt }));
  return { ...propagationOf(complete, channels, options.now, options.days, options.expected), truncated };
}
