import { z } from 'zod';
import { areaCodes } from './area-codes.js';
import type { CallingRule, DayHours } from './calling-rules.js';
import { ConfigurationError } from './errors.js';

/**
 * Whether a call or text may reach a person at a given instant, and if not, the first instant it
 * may: pure functions over the rule table (core/calling-rules.ts) and a holiday predicate.
 *
 * Where the person is comes from the caller when it knows (a postal address's state, a time
 * zone), otherwise from the number's area code (core/area-codes.ts). An area code says where a
 * number was assigned, not where its holder is now (mobile numbers move with people), so the
 * caller's location wins. When the place spans several time zones, or is unknown, the window must
 * hold in every one of them.
 */

/** Where the called party is, as far as is known. */
export interface CalledLocation {
  /** `US-FL`, `CA-ON`; null when unknown or outside the US and Canada. */
  region: string | null;
  /** Every time zone the person may be in (one when the caller said). */
  zones: readonly string[];
  /** What the location was taken from. */
  source: 'caller' | 'postal-address' | 'area-code' | 'unknown';
}

/** The contiguous US, Alaska and Hawaii: where an unknown number may be. */
const US_ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'Pacific/Honolulu'];

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

let zonesByRegion: Map<string, string[]> | undefined;

/** Every time zone of a state or province's area codes (a state spans zones: Florida, Texas…). */
export function regionZones(region: string): string[] | undefined {
  if (!zonesByRegion) {
    zonesByRegion = new Map();
    for (const [entryRegion, zones] of Object.values(areaCodes)) {
      if (!entryRegion) continue;
      zonesByRegion.set(entryRegion, [...new Set([...(zonesByRegion.get(entryRegion) ?? []), ...zones])].sort());
    }
  }
  return zonesByRegion.get(region);
}

const asRegion = (state: string) => (state.includes('-') ? state.toUpperCase() : `US-${state.toUpperCase()}`);

/**
 * The called party's location, from the best source there is: the caller's `state` (`FL`,
 * `US-FL`, `CA-ON`) and `timeZone`; else the state of the person's postal address on record
 * (`postalState`); else the area code of `digits` (ten NANP digits); else unknown (every US
 * zone, federal rule). A state's zones are those of its area codes, narrowed to the number's own
 * area code when that is in the same state.
 */
export function locate(digits: string, given: { state?: string; timeZone?: string; postalState?: string } = {}): CalledLocation {
  const byAreaCode = areaCodes[digits.slice(0, 3)];
  const stated = given.state ? asRegion(given.state) : undefined;
  const postal = !stated && given.postalState ? asRegion(given.postalState) : undefined;
  const region = stated ?? postal ?? byAreaCode?.[0] ?? null;
  const source = stated || given.timeZone ? 'caller' : postal ? 'postal-address' : byAreaCode ? 'area-code' : 'unknown';
  if (given.timeZone) return { region, zones: [given.timeZone], source };
  if (byAreaCode && (region === byAreaCode[0] || (!stated && !postal))) return { region, zones: byAreaCode[1], source };
  const zones = region ? regionZones(region) : undefined;
  return { region, zones: zones ?? byAreaCode?.[1] ?? US_ZONES, source };
}

interface LocalTime {
  date: string;
  /** 0 Sunday … 6 Saturday. */
  weekday: number;
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function formatter(zone: string): Intl.DateTimeFormat {
  let found = formatters.get(zone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(zone, found);
  }
  return found;
}

function parts(ms: number, zone: string) {
  const values = Object.fromEntries(
    formatter(zone)
      .formatToParts(ms)
      .map((part) => [part.type, part.value]),
  );
  return {
    year: +values.year!,
    month: +values.month!,
    day: +values.day!,
    hour: +values.hour!,
    minute: +values.minute!,
    second: +values.second!,
    weekday: values.weekday!,
  };
}

export function localTime(ms: number, zone: string): LocalTime {
  const p = parts(ms, zone);
  return {
    date: `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`,
    weekday: WEEKDAYS.indexOf(p.weekday),
    minutes: p.hour * 60 + p.minute + p.second / 60,
  };
}

/** The instant a wall-clock time on a local date happens in a zone (the later one in a DST gap's shadow is never asked for: windows start after 03:00). */
export function zonedInstant(date: string, minutes: number, zone: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  const offset = (ms: number) => {
    const p = parts(ms, zone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
  };
  let guess = wall - offset(wall);
  guess = wall - offset(guess);
  return guess;
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `region`'s legal holiday falls on a local date (YYYY-MM-DD). */
export type HolidayCheck = (region: string, date: string) => boolean;

export type ContactKind = 'solicitation' | 'informational';

/** The rules that govern a contact of this kind to this place: federal (or Canadian), the state's, the organisation's. */
export function applicableRules(rules: readonly CallingRule[], location: CalledLocation, kind: ContactKind): CallingRule[] {
  const country = location.region?.startsWith('CA-') ? 'CA' : 'US';
  return rules.filter((rule) => {
    if (rule.appliesTo === 'solicitation' && kind !== 'solicitation') return false;
    return rule.jurisdiction === 'organisation' || rule.jurisdiction === country || (location.region !== null && rule.jurisdiction === location.region);
  });
}

function hoursOn(rule: CallingRule, local: LocalTime, region: string | null, isHoliday: HolidayCheck): DayHours | null {
  if (rule.holidays !== undefined && region && rule.jurisdiction !== 'US' && rule.jurisdiction !== 'CA') {
    const holidayRegion = rule.jurisdiction === 'organisation' ? region : rule.jurisdiction;
    if (isHoliday(holidayRegion, local.date)) return rule.holidays;
  }
  if (local.weekday === 0) return rule.sunday;
  if (local.weekday === 6) return rule.saturday;
  return rule.weekdays;
}

function allowedBy(rule: CallingRule, ms: number, zone: string, region: string | null, isHoliday: HolidayCheck): boolean {
  const local = localTime(ms, zone);
  const day = hoursOn(rule, local, region, isHoliday);
  return day !== null && local.minutes >= toMinutes(day.from) && local.minutes < toMinutes(day.to);
}

export interface WindowAnswer {
  allowed: boolean;
  /** The jurisdictions whose window the instant is outside (`US`, `US-FL`, `organisation`). */
  outsideOf: string[];
  /** The first instant every applicable rule allows, at or after the one asked about; null if none within 14 days. */
  nextAllowedAt: string | null;
  /** The rules applied, with their sources. */
  rules: { jurisdiction: string; source: string }[];
}

const SEARCH_DAYS = 14;
const DAY_MS = 86_400_000;

/** The answer at instant `at` for a contact of `kind` to `location`. */
export function callingWindow(at: Date, location: CalledLocation, kind: ContactKind, rules: readonly CallingRule[], isHoliday: HolidayCheck): WindowAnswer {
  const applied = applicableRules(rules, location, kind);
  const outsideAt = (ms: number) =>
    applied.filter((rule) => location.zones.some((zone) => !allowedBy(rule, ms, zone, location.region, isHoliday))).map((rule) => rule.jurisdiction);
  const start = at.getTime();
  const outsideOf = [...new Set(outsideAt(start))];
  let nextAllowedAt: string | null = outsideOf.length === 0 ? new Date(start).toISOString() : null;
  if (nextAllowedAt === null) {
    // The first allowed instant is the start of some rule's hours in some zone: try them in order.
    const candidates = new Set<number>();
    for (const zone of location.zones) {
      for (let offset = -1; offset <= SEARCH_DAYS; offset++) {
        const date = localTime(start + offset * DAY_MS, zone).date;
        for (const rule of applied) {
          for (const day of [rule.weekdays, rule.saturday, rule.sunday, rule.holidays]) {
            if (!day) continue;
            const instant = zonedInstant(date, toMinutes(day.from), zone);
            if (instant > start) candidates.add(instant);
          }
        }
      }
    }
    const found = [...candidates].sort((a, b) => a - b).find((candidate) => outsideAt(candidate).length === 0);
    nextAllowedAt = found === undefined ? null : new Date(found).toISOString();
  }
  return {
    allowed: outsideOf.length === 0,
    outsideOf,
    nextAllowedAt,
    rules: applied.map((rule) => ({ jurisdiction: rule.jurisdiction, source: rule.source })),
  };
}

const hhmm = z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/);
const dayHours = z.object({ from: hhmm, to: hhmm }).nullable();
const ruleSchema = z.object({
  jurisdiction: z.string().regex(/^(US|CA|US-[A-Z]{2}|CA-[A-Z]{2}|organisation)$/),
  weekdays: dayHours,
  saturday: dayHours,
  sunday: dayHours,
  holidays: dayHours.optional(),
  appliesTo: z.enum(['solicitation', 'all']).default('solicitation'),
  source: z.string().min(1),
});

/**
 * The rule table with CALLING_RULES (a JSON array of rules, each replacing the default of its
 * jurisdiction or adding one) and ORGANISATION_CALLING_HOURS (`weekdays=09:00-20:00,saturday=10:00-16:00,sunday=none,holidays=none`:
 * the organisation's own quiet hours, applied to every call and text).
 */
export function callingRulesFrom(defaults: readonly CallingRule[], callingRules: string | undefined, organisationHours: string | undefined): CallingRule[] {
  const byJurisdiction = new Map(defaults.map((rule) => [rule.jurisdiction, rule]));
  if (callingRules?.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(callingRules);
    } catch {
      throw new ConfigurationError('CALLING_RULES is not JSON: it is an array of rules (docs/registries-and-calling-windows.md).');
    }
    const result = z.array(ruleSchema).safeParse(parsed);
    if (!result.success) throw new ConfigurationError(`CALLING_RULES is not an array of rules: ${result.error.issues[0]?.message ?? 'invalid'}.`);
    for (const rule of result.data) byJurisdiction.set(rule.jurisdiction, rule as CallingRule);
  }
  if (organisationHours?.trim()) byJurisdiction.set('organisation', organisationRule(organisationHours));
  return [...byJurisdiction.values()];
}

function organisationRule(spec: string): CallingRule {
  const days: Record<string, DayHours | null | undefined> = {};
  for (const entry of spec.split(',').map((part) => part.trim())) {
    const match = /^(weekdays|saturday|sunday|holidays)=(?:none|(\d{2}:\d{2})-(\d{2}:\d{2}))$/.exec(entry);
    if (!match)
      throw new ConfigurationError(
        `ORGANISATION_CALLING_HOURS entry "${entry}" is not DAY=HH:MM-HH:MM or DAY=none (DAY: weekdays, saturday, sunday, holidays).`,
      );
    days[match[1]!] = match[2] ? { from: match[2], to: match[3]! } : null;
  }
  const any = { from: '00:00', to: '24:00' };
  return {
    jurisdiction: 'organisation',
    weekdays: days.weekdays === undefined ? any : days.weekdays,
    saturday: days.saturday === undefined ? any : days.saturday,
    sunday: days.sunday === undefined ? any : days.sunday,
    ...(days.holidays !== undefined ? { holidays: days.holidays } : {}),
    appliesTo: 'all',
    source: 'ORGANISATION_CALLING_HOURS (the organisation’s own quiet hours)',
  };
}
