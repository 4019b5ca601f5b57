import { BadRequestError, ConfigurationError } from './errors.js';

/**
 * The one time policy. Every time optout-hub is given, and every deadline it reports (the
 * dialer's receipt, `optout-hub trace`, `optout-hub sla`, reconciliation, docs/GOVERNANCE.md),
 * goes through the functions here, so the same request always gets the same deadline:
 *
 * - Clock skew and future-dated input: `actTime` (one rule, below).
 * - When the clock starts: `clockStart`, when the organisation received the request (the act for
 *   a text, click, call or webhook; a letter's received date), never when optout-hub recorded it.
 *   A request recorded after its deadline keeps that deadline and is reported late.
 * - Which days are business days: a `BusinessCalendar` (Monday to Friday, less one country's
 *   public holidays, from date-holidays through core/holidays.ts; US federal holidays by default).
 * - The deadline itself: `deadlineFor`.
 *
 * Everything is counted in UTC.
 */

/** How far another system's clock may run ahead of ours before its time is not believed. */
export const CLOCK_SKEW_MS = 5 * 60_000;

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Who stamped a time: a `caller` reads our answer and can correct it (an API request, an import
 * row); a `provider` sends a webhook nobody watches (an SMS provider, an ESP, a dialer), so a
 * refusal would be retried unchanged until it is dropped, and the opt-out lost with it.
 */
export type TimeSender = 'caller' | 'provider';

/**
 * When the person acted, given the time `reported` for it and when optout-hub received it. The
 * rule, the same everywhere: an act is never later than its receipt. A time up to CLOCK_SKEW_MS
 * after receipt is clock difference and reads as the receipt. A time further ahead is not
 * believed: a caller gets a 400 naming the field, since a future date would outrank every real
 * act until that date; a provider's act is dated at receipt instead, because an opt-out must
 * never be lost. No time at all (Twilio sends none) also reads as the receipt.
 */
export function actTime(reported: string | Date | undefined, receivedAt: Date, sender: TimeSender, field = 'occurredAt'): string {
  const receipt = receivedAt.getTime();
  if (reported === undefined) return iso(receipt);
  const at = typeof reported === 'string' ? Date.parse(reported) : reported.getTime();
  if (Number.isNaN(at)) {
    if (sender === 'caller') throw new BadRequestError(`${field} is not a time.`);
    return iso(receipt);
  }
  if (at > receipt + CLOCK_SKEW_MS) {
    if (sender === 'caller') {
      throw new BadRequestError(
        `${field} is in the future: it is later than when the request arrived (${iso(receipt)}) by more than ${CLOCK_SKEW_MS / 60_000} minutes.`,
      );
    }
    return iso(receipt);
  }
  return iso(Math.min(at, receipt));
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * When the organisation received a request that reached optout-hub later (a letter keyed or
 * imported days after it came in): YYYY-MM-DD (the start of that day, UTC) or an ISO 8601
 * date-time. Future dates follow `actTime` (a caller's field), and it cannot be before the act.
 */
export function receivedOnTime(value: string, occurredAt: string, receivedAt: Date): string {
  const dateOnly = DATE_ONLY.test(value);
  const at = Date.parse(dateOnly ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(at) || (dateOnly && iso(at).slice(0, 10) !== value)) throw new BadRequestError('receivedOn is not a date.');
  const received = actTime(iso(at), receivedAt, 'caller', 'receivedOn');
  // A date names a whole day: the letter dated 09:30 may have come in that same day.
  const before = dateOnly ? value < occurredAt.slice(0, 10) : Date.parse(received) < Date.parse(occurredAt);
  if (before) throw new BadRequestError(`receivedOn (${value}) is before occurredAt (${occurredAt}): a request cannot be received before it was made.`);
  return received;
}

/**
 * When the deadline clock starts for a request: when the organisation received it. That is the
 * act itself for a text, an unsubscribe click, a call or a provider webhook, and the received
 * date of a letter (`receivedOn`) when one was given; the later of the two, so a date-only
 * `receivedOn` on the letter's own day starts at the act. Never when optout-hub recorded it.
 */
export function clockStart(request: { occurredAt: string; receivedOn?: string }): string {
  const acted = Date.parse(request.occurredAt);
  const received = request.receivedOn ? Date.parse(request.receivedOn) : Number.NaN;
  return iso(Number.isNaN(received) ? acted : Math.max(acted, received));
}

/**
 * Which days are business days: Monday to Friday, less the public holidays of `country` (ISO
 * 3166-1 alpha-2) and, when given, of one of its `region`s (a state or province code as
 * date-holidays names it, e.g. `CA`). No country: every weekday is a business day.
 */
export interface BusinessCalendar {
  country?: string;
  region?: string;
}

/** US federal holidays (5 U.S.C. 6103, as observed): the default. */
export const US_FEDERAL_HOLIDAYS: BusinessCalendar = { country: 'US' };

/**
 * The holidays of a year on a calendar with a country, as YYYY-MM-DD: date-holidays, plugged in
 * by core/holidays.ts when it is loaded. It is kept out of this module because its data (about
 * 1 MB with the time zones it needs) would otherwise load in every function, the pre-send check
 * and the provider webhooks included, which never count business days.
 */
export type HolidaySource = (year: number, calendar: BusinessCalendar & { country: string }) => readonly string[];

let holidaySource: HolidaySource | undefined;
/** Weekday holidays by `country/region/year`, computed once. */
const years = new Map<string, Set<string>>();

/** Called by core/holidays.ts as it loads; code that counts business days imports that module. */
export function useHolidaySource(source: HolidaySource): void {
  holidaySource = source;
  years.clear();
}

/**
 * A calendar from configuration (HOLIDAYS_COUNTRY, HOLIDAYS_REGION): `none` means weekends only.
 * Only the shape is checked here; whether date-holidays knows the country and region is checked
 * by core/holidays.ts the first time a business day is counted.
 */
export function businessCalendar(country: string | undefined, region: string | undefined): BusinessCalendar {
  const code = (country ?? 'US').trim().toUpperCase();
  const subdivision = region?.trim().toUpperCase() || undefined;
  if (code === 'NONE' || code === '') {
    if (subdivision) throw new ConfigurationError('HOLIDAYS_REGION needs a HOLIDAYS_COUNTRY.');
    return {};
  }
  if (!/^[A-Z]{2}$/.test(code)) throw new ConfigurationError(`HOLIDAYS_COUNTRY "${code}" is not a two-letter country code (or "none").`);
  if (subdivision && !/^[A-Z0-9]{1,3}$/.test(subdivision))
    throw new ConfigurationError(`HOLIDAYS_REGION "${subdivision}" is not a region code such as CA or BY.`);
  return subdivision ? { country: code, region: subdivision } : { country: code };
}

/** The holidays of `year` that fall Monday to Friday (weekends are never business days), as sorted YYYY-MM-DD. */
export function holidaysIn(year: number, calendar: BusinessCalendar): string[] {
  return [...holidaySet(year, calendar)].sort();
}

function holidaySet(year: number, calendar: BusinessCalendar): Set<string> {
  const country = calendar.country;
  if (!country) return new Set();
  const key = `${country}/${calendar.region ?? ''}/${year}`;
  let days = years.get(key);
  if (!days) {
    // Never count without the holidays: a deadline that silently ignored them would be wrong.
    if (!holidaySource) throw new ConfigurationError(`Business days on the ${country} calendar need its holidays: import shared/core/holidays.js.`);
    days = new Set(holidaySource(year, { ...calendar, country }).filter((day) => isWeekday(new Date(`${day}T00:00:00Z`))));
    years.set(key, days);
  }
  return days;
}

const isWeekday = (date: Date) => date.getUTCDay() !== 0 && date.getUTCDay() !== 6;

export function isBusinessDay(date: Date, calendar: BusinessCalendar): boolean {
  return isWeekday(date) && !holidaySet(date.getUTCFullYear(), calendar).has(date.toISOString().slice(0, 10));
}

/**
 * `start` plus `days` business days. On a business day the clock keeps the time of day: Friday
 * 15:30 plus 10 business days is 15:30 on the Friday two weeks later. The clock does not run on a
 * day that is not a business day, so a request received on a Saturday, a Sunday or a holiday
 * counts from 00:00 of the next business day: a Saturday request is due as if received on
 * Monday 00:00, and never earlier than one received the Friday before.
 */
export function addBusinessDays(start: Date, days: number, calendar: BusinessCalendar): Date {
  if (!Number.isInteger(days) || days < 0) throw new RangeError('Business days are counted in whole, non-negative numbers.');
  let at = start.getTime();
  if (!isBusinessDay(new Date(at), calendar)) {
    at = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
    while (!isBusinessDay(new Date(at), calendar)) at += DAY_MS;
  }
  for (let counted = 0; counted < days; ) {
    at += DAY_MS;
    if (isBusinessDay(new Date(at), calendar)) counted++;
  }
  return new Date(at);
}

export type DeadlineUnit = 'business-days' | 'hours' | 'days';

export interface Deadline {
  amount: number;
  unit: DeadlineUnit;
}

/**
 * The one deadline function: when a channel must have honoured a request whose clock started at
 * `start` (see `clockStart`). Business days (10 for texts and calls under 47 CFR 64.1200(a)(10)
 * and (d)(3), counted from the receipt of the request) follow `calendar` and the rule of
 * `addBusinessDays`; hours (the 48 hours of the Gmail and Yahoo sender requirements) and calendar
 * days run straight through weekends and holidays.
 */
export function deadlineFor(sla: { deadline: Deadline }, start: string | Date, calendar: BusinessCalendar): Date {
  const from = new Date(start);
  const { amount, unit } = sla.deadline;
  switch (unit) {
    case 'business-days':
      return addBusinessDays(from, amount, calendar);
    case 'hours':
      return new Date(from.getTime() + amount * 3_600_000);
    case 'days':
      return new Date(from.getTime() + amount * DAY_MS);
  }
}

/** The calendar in words, for documents and reports. */
export function describeCalendar(calendar: BusinessCalendar): string {
  if (!calendar.country) return 'Monday to Friday; holidays are counted as business days';
  if (calendar.country === 'US' && !calendar.region) return 'Monday to Friday except US federal holidays (5 U.S.C. 6103, as observed)';
  return `Monday to Friday except the public holidays of ${calendar.country}${calendar.region ? `-${calendar.region}` : ''} (as date-holidays lists them, observed days included)`;
}
