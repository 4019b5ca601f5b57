import type { CountryCode } from 'libphonenumber-js/max';
import { callingWindow, isTimeZone, localTime, locate, type CalledLocation, type ContactKind, type WindowAnswer } from '../core/calling-window.js';
import type { CallingRule } from '../core/calling-rules.js';
import { decideContact, type ContactDecision, type ListFacts, type Reassigned } from '../core/contact-decision.js';
import { BadRequestError } from '../core/errors.js';
import { consentDate } from '../core/exemptions.js';
import { isLegalHoliday } from '../core/legal-holidays.js';
import { blockHas, blockOf, isStale, nanpDigits, placeOf, type RefreshRule } from '../core/registries.js';
import type { StoreContext } from '../store/clients.js';
import { getPerson, readClaims } from '../store/people.js';
import { exemptionsFrom, listCatalogue, readKeyId, readKeys, registryKeys, storedBlock, type ListEntry, type RegistryContext } from '../store/registries.js';
import { checkAddresses, type AddressCheck } from './enforcement.js';

/**
 * POST /v1/contact-check: may this number be called or texted now? One answer from the internal
 * opt-out record (the same check as /v1/suppressions), every Do-Not-Call list in the registries
 * table, the exemptions recorded for the number, the calling window where the person is, and the
 * reassigned-numbers database when a consent date is on record. See
 * docs/registries-and-calling-windows.md for every field.
 */

export const MAX_CONTACT_CHECKS = 1000;

export interface ContactRequest {
  channel: 'voice' | 'sms';
  phone: string;
  purpose: string;
  /** When the contact would happen (ISO 8601); now when absent. */
  at?: string;
  /** `solicitation` (default: telemarketing) or `informational`. */
  kind?: ContactKind;
  /** Where the person is, when the caller knows: a state (`FL`, `US-FL`, `CA-ON`) and/or an IANA time zone. */
  state?: string;
  timeZone?: string;
}

export interface ContactAnswer extends ContactDecision {
  phone: string;
  /** E.164; null when the number is invalid. */
  address: string | null;
  channel: string;
  purpose: string;
  kind: ContactKind;
  at: string;
  location: CalledLocation | null;
  window: WindowAnswer | null;
  lists: { list: string; listed: boolean | null; asOf: string; stale: boolean }[];
  reassigned: Reassigned | 'failed';
}

/** Asks the reassigned-numbers database whether a number was disconnected after a date. */
export type ReassignedQuery = (digits: string, consentDate: string) => Promise<Reassigned>;

export interface ContactCheckContext {
  store: StoreContext;
  registries: RegistryContext;
  region: CountryCode;
  rules: readonly CallingRule[];
  refreshDays: RefreshRule;
  staleFailsClosed: boolean;
  reassigned?: ReassignedQuery;
  /** The list catalogue, possibly cached. */
  catalogue?: () => Promise<ListEntry[]>;
  now?: () => Date;
}

/**
 * The state or province of the postal address on record for each number's person (`US-FL`), for
 * numbers whose caller named no state: one BatchGetItem of identity claims, then each person's
 * record. A person with postal addresses in more than one state has none taken (the area code
 * decides). Throws when the store does not answer (the check then fails closed).
 */
export async function postalStates(store: StoreContext, addresses: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const unique = [...new Set(addresses)];
  if (unique.length === 0) return found;
  const claims = await readClaims(
    store,
    unique.map((value) => ({ type: 'phone' as const, value })),
  );
  const people = [...new Set(claims.values())];
  const states = new Map<string, string | undefined>();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(8, people.length) }, async () => {
      while (next < people.length) {
        const personId = people[next++]!;
        const person = await getPerson(store, personId);
        const regions = new Set(
          (person?.identities ?? [])
            .filter((identity) => identity.type === 'postal')
            .map((identity) => identity.value.split('|'))
            .filter((parts) => (parts[4] === 'US' || parts[4] === 'CA') && /^[A-Z]{2}$/.test(parts[2] ?? ''))
            .map((parts) => `${parts[4]}-${parts[2]}`),
        );
        states.set(personId, regions.size === 1 ? [...regions][0] : undefined);
      }
    }),
  );
  for (const address of unique) {
    const state = states.get(claims.get(`phone#${address}`) ?? '');
    if (state) found.set(address, state);
  }
  return found;
}

/** The instant of a request: `at` parsed, or now. A bad `at` is the caller's mistake (400). */
export function contactInstant(at: string | undefined, now: Date): Date {
  if (at === undefined) return now;
  const parsed = Date.parse(at);
  if (Number.isNaN(parsed) || !/^\d{4}-\d{2}-\d{2}T/.test(at)) throw new BadRequestError(`at is not an ISO 8601 date-time: "${at}".`);
  return new Date(parsed);
}

function assertLocationHints(request: ContactRequest): void {
  if (request.timeZone !== undefined && !isTimeZone(request.timeZone))
    throw new BadRequestError(`timeZone "${request.timeZone}" is not an IANA time zone such as America/Chicago.`);
  if (request.state !== undefined && !/^((US|CA)-)?[A-Za-z]{2}$/.test(request.state))
    throw new BadRequestError(`state "${request.state}" is not a state code such as FL or US-FL.`);
}

function invalidAnswer(request: ContactRequest, at: Date, detail: string): ContactAnswer {
  return {
    phone: request.phone,
    address: null,
    channel: request.channel,
    purpose: request.purpose,
    kind: request.kind ?? 'solicitation',
    at: at.toISOString(),
    allowed: false,
    reasons: ['invalid-number'],
    exemptionsApplied: [],
    nextAllowedAt: null,
    listedOn: [],
    staleLists: [],
    failures: [detail],
    location: null,
    window: null,
    lists: [],
    reassigned: 'not-checked',
  };
}

/**
 * Answers every request, in order; never throws for a source's sake (fail closed per number). A
 * number that is not a valid North American number gets `invalid-number`; `single` makes it a 400.
 */
export async function checkContacts(
  ctx: ContactCheckContext,
  requests: readonly ContactRequest[],
  options: { single?: boolean } = {},
): Promise<ContactAnswer[]> {
  const now = (ctx.now ?? (() => new Date()))();
  const instants = requests.map((request) => contactInstant(request.at, now));
  requests.forEach(assertLocationHints);

  // The internal record, per channel and purpose, through the same check as /v1/suppressions.
  const internal = new Array<AddressCheck>(requests.length);
  const groups = new Map<string, number[]>();
  requests.forEach((request, i) => {
    const key = `${request.channel}\u0000${request.purpose}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const first = requests[indexes[0]!]!;
      const answers = await checkAddresses(
        ctx.store,
        indexes.map((i) => requests[i]!.phone),
        { channel: first.channel, purpose: first.purpose, region: ctx.region },
      );
      indexes.forEach((i, n) => {
        internal[i] = answers[n]!;
      });
    }),
  );
  const digits = requests.map((_, i) => (internal[i]!.address ? nanpDigits(internal[i]!.address!) : undefined));
  if (options.single && digits[0] === undefined) {
    throw new BadRequestError(
      internal[0]!.reason === 'invalid-address'
        ? (internal[0]!.detail ?? 'The phone number is not valid.')
        : 'The phone number is not a North American (+1) number.',
    );
  }

  // Where each person lives, when the caller did not say: the postal address on record.
  let postal = new Map<string, string>();
  let postalFailure: string | undefined;
  const unplaced = requests.flatMap((request, i) => (digits[i] && !request.state ? [internal[i]!.address!] : []));
  try {
    postal = await postalStates(ctx.store, unplaced);
  } catch (error) {
    postalFailure = `The postal address on record could not be read: ${error instanceof Error ? error.message : String(error)}`;
  }

  let catalogue: ListEntry[] | null;
  let catalogueFailure: string | undefined;
  try {
    catalogue = await (ctx.catalogue ?? (() => listCatalogue(ctx.registries)))();
  } catch (error) {
    catalogue = null;
    catalogueFailure = `The list catalogue could not be read: ${error instanceof Error ? error.message : String(error)}`;
  }
  const keys = digits.flatMap((number) =>
    number ? [registryKeys.exemptions(number), ...(catalogue ?? []).map((list) => registryKeys.block(list.name, blockOf(number)))] : [],
  );
  const reads = await readKeys(ctx.registries, keys, { concurrency: 8 });

  return Promise.all(
    requests.map(async (request, i): Promise<ContactAnswer> => {
      const at = instants[i]!;
      const number = digits[i];
      const check = internal[i]!;
      if (!number) {
        return invalidAnswer(request, at, check.detail ?? 'The phone number is not a North American (+1) number.');
      }
      const kind = request.kind ?? 'solicitation';
      const location = locate(number, { state: request.state, timeZone: request.timeZone, postalState: postal.get(check.address!) });
      const window = callingWindow(at, location, kind, ctx.rules, isLegalHoliday);
      const localDate = localTime(at.getTime(), location.zones[0]!).date;
      const failures: string[] = [];
      if (check.reason === 'check-failed') failures.push(check.detail ?? 'The opt-out record could not be read.');
      if (catalogueFailure) failures.push(catalogueFailure);
      const located = request.state === undefined && postalFailure !== undefined;
      if (located) failures.push(postalFailure!);
      const lists: ListFacts[] | null = catalogue
        ? catalogue.map((list) => {
            const read = reads.get(readKeyId(registryKeys.block(list.name, blockOf(number))))!;
            if ('failed' in read) failures.push(`${list.name}: ${read.failed}`);
            const block = 'failed' in read ? undefined : storedBlock(read.found);
            return {
              list,
              asOf: list.asOf,
              stale: isStale(list.asOf, ctx.refreshDays(list), at),
              listed: 'failed' in read ? null : block ? blockHas(block, placeOf(number)) : false,
            };
          })
        : null;
      const exemptionRead = reads.get(readKeyId(registryKeys.exemptions(number)))!;
      if ('failed' in exemptionRead) failures.push(`exemptions: ${exemptionRead.failed}`);
      const exemptions = 'failed' in exemptionRead ? null : exemptionsFrom(exemptionRead.found);
      let reassigned: Reassigned | { failed: string } = 'not-checked';
      const consent = exemptions ? consentDate(exemptions, localDate) : undefined;
      if (consent && ctx.reassigned) {
        try {
          reassigned = await ctx.reassigned(number, consent);
        } catch (error) {
          reassigned = { failed: `The reassigned-numbers database did not answer: ${error instanceof Error ? error.message : String(error)}` };
        }
      }
      const decision = decideContact(
        {
          optedOut: check.reason === 'check-failed' ? null : check.suppressed === true,
          lists,
          exemptions,
          window,
          localDate,
          reassigned,
          solicitation: kind === 'solicitation',
          staleFailsClosed: ctx.staleFailsClosed,
          failures,
          locationFailed: located,
        },
        at,
      );
      return {
        phone: request.phone,
        address: check.address,
        channel: request.channel,
        purpose: request.purpose,
        kind,
        at: at.toISOString(),
        ...decision,
        location,
        window,
        lists: (lists ?? []).map((facts) => ({ list: facts.list.name, listed: facts.listed, asOf: facts.asOf, stale: facts.stale })),
        reassigned: typeof reassigned === 'object' ? 'failed' : reassigned,
      };
    }),
  );
}

export interface ContactSummary {
  allowed: number;
  blocked: number;
  invalid: number;
  failed: number;
}

export function summarizeContacts(answers: readonly ContactAnswer[]): ContactSummary {
  const summary: ContactSummary = { allowed: 0, blocked: 0, invalid: 0, failed: 0 };
  for (const answer of answers) {
    if (answer.allowed) summary.allowed++;
    else if (answer.reasons.includes('invalid-number')) summary.invalid++;
    else summary.blocked++;
    if (answer.reasons.includes('check-failed')) summary.failed++;
  }
  return summary;
}
