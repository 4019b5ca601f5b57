import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { areaCodes } from '../../shared/core/area-codes.js';
import { defaultCallingRules } from '../../shared/core/calling-rules.js';
import { callingRulesFrom, callingWindow, locate, type HolidayCheck } from '../../shared/core/calling-window.js';
import { ConfigurationError } from '../../shared/core/errors.js';
import { isLegalHoliday } from '../../shared/core/legal-holidays.js';

/**
 * The calling-window rules at their edges: the federal 8 a.m.–9 p.m. window in the called party's
 * zone, stricter states, Sundays and state holidays, area codes that span zones, DST changes,
 * and a caller's own location winning over the area code.
 */

const rules = defaultCallingRules;
const noHolidays: HolidayCheck = () => false;
const solicit = (at: string, digits: string, given: { state?: string; timeZone?: string } = {}, holidays: HolidayCheck = noHolidays) =>
  callingWindow(new Date(at), locate(digits, given), 'solicitation', rules, holidays);

describe('the area code table', () => {
  it('places area codes in their state and zones, and those that span zones in each', () => {
    expect(areaCodes['212']).toEqual(['US-NY', ['America/New_York']]);
    expect(areaCodes['305']![0]).toBe('US-FL');
    expect(areaCodes['208']![1]).toEqual(expect.arrayContaining(['America/Boise', 'America/Los_Angeles']));
    expect(areaCodes['416']![0]).toBe('CA-ON');
    expect(areaCodes['787']).toEqual(['US-PR', ['America/Puerto_Rico']]);
  });
});

describe('the federal window (8 a.m. to 9 p.m. where the called party is)', () => {
  it('opens at 08:00 and closes at 21:00 local time, exclusive', () => {
    // 212 is New York: in January UTC-5.
    expect(solicit('2026-01-14T12:59:00Z', '2125550123').allowed).toBe(false);
    expect(solicit('2026-01-14T13:00:00Z', '2125550123').allowed).toBe(true);
    expect(solicit('2026-01-15T01:59:00Z', '2125550123').allowed).toBe(true);
    const late = solicit('2026-01-15T02:00:00Z', '2125550123');
    expect(late).toMatchObject({ allowed: false, outsideOf: ['US'] });
    expect(late.nextAllowedAt).toBe('2026-01-15T13:00:00.000Z');
  });

  it('is the called party’s time, not the caller’s: 8:30 in New York is 5:30 in California', () => {
    const at = '2026-01-14T13:30:00Z';
    expect(solicit(at, '2125550123').allowed).toBe(true);
    const california = solicit(at, '4155550123');
    expect(california.allowed).toBe(false);
    expect(california.nextAllowedAt).toBe('2026-01-14T16:00:00.000Z');
  });

  it('follows DST: 8 a.m. in New York is 13:00 UTC in winter and 12:00 UTC in summer, on both sides of the change', () => {
    // Clocks spring forward on 8 March 2026 and fall back on 1 November 2026.
    expect(solicit('2026-03-07T12:30:00Z', '2125550123').allowed).toBe(false);
    expect(solicit('2026-03-09T12:30:00Z', '2125550123').allowed).toBe(true);
    expect(solicit('2026-03-08T11:00:00Z', '2125550123').nextAllowedAt).toBe('2026-03-08T12:00:00.000Z');
    expect(solicit('2026-11-01T11:30:00Z', '2125550123').nextAllowedAt).toBe('2026-11-01T13:00:00.000Z');
  });

  it('holds in every zone of an area code that spans zones (208: Boise and Los Angeles)', () => {
    // 15:30 UTC in January: 08:30 in Boise (UTC-7), 07:30 in the Idaho panhandle (UTC-8).
    const answer = solicit('2026-01-14T15:30:00Z', '2085550123');
    expect(answer.allowed).toBe(false);
    expect(answer.nextAllowedAt).toBe('2026-01-14T16:00:00.000Z');
    // The caller who knows the person is in Boise may call.
    expect(solicit('2026-01-14T15:30:00Z', '2085550123', { timeZone: 'America/Boise' }).allowed).toBe(true);
  });

  it('uses the caller’s location over the area code (a number kept after a move)', () => {
    // A 212 number whose holder lives in Los Angeles: 9:30 in New York is 6:30 there.
    const moved = solicit('2026-01-14T14:30:00Z', '2125550123', { state: 'CA', timeZone: 'America/Los_Angeles' });
    expect(moved.allowed).toBe(false);
    expect(moved.nextAllowedAt).toBe('2026-01-14T16:00:00.000Z');
    // A number moved to a state with a stricter rule follows that state's rule.
    const toFlorida = solicit('2026-01-15T01:30:00Z', '2125550123', { state: 'FL' });
    expect(toFlorida).toMatchObject({ allowed: false, outsideOf: ['US-FL'] });
  });

  it('takes the postal address’s state when the caller names none: its zones, narrowed to the area code’s when in the same state', () => {
    expect(locate('2125550123', { postalState: 'US-CA' })).toEqual({ region: 'US-CA', zones: ['America/Los_Angeles'], source: 'postal-address' });
    // Florida spans Eastern and Central time: a 212 number of a Florida resident is checked in both.
    expect(locate('2125550123', { postalState: 'US-FL' }).zones).toEqual(['America/Chicago', 'America/New_York']);
    expect(locate('3055550123', { postalState: 'US-FL' })).toEqual({ region: 'US-FL', zones: ['America/New_York'], source: 'postal-address' });
    expect(locate('2125550123', { state: 'NY', postalState: 'US-CA' })).toMatchObject({ region: 'US-NY', source: 'caller' });
  });

  it('an unknown area code must fit every US zone, Hawaii included', () => {
    const answer = solicit('2026-01-14T14:00:00Z', '8005550123');
    expect(answer.allowed).toBe(false);
    // 08:00 in Honolulu (UTC-10) is 18:00 UTC, still before 21:00 in New York (02:00 UTC).
    expect(answer.nextAllowedAt).toBe('2026-01-14T18:00:00.000Z');
  });
});

describe('stricter states', () => {
  it('Florida ends at 8 p.m.', () => {
    // 305 Miami, January UTC-5: 20:30 local.
    const answer = solicit('2026-01-15T01:30:00Z', '3055550123');
    expect(answer).toMatchObject({ allowed: false, outsideOf: ['US-FL'] });
    expect(answer.rules.map((rule) => rule.jurisdiction)).toEqual(['US', 'US-FL']);
    expect(answer.rules.find((rule) => rule.jurisdiction === 'US-FL')!.source).toMatch(/501\.616/);
  });

  it('Texas allows Sundays only from noon', () => {
    // 214 Dallas; Sunday 18 January 2026, UTC-6.
    expect(solicit('2026-01-18T17:30:00Z', '2145550123').allowed).toBe(false);
    expect(solicit('2026-01-18T17:30:00Z', '2145550123').nextAllowedAt).toBe('2026-01-18T18:00:00.000Z');
    expect(solicit('2026-01-17T15:30:00Z', '2145550123').allowed).toBe(true);
  });

  it('Alabama allows no Sunday calls: the next opening is Monday 8 a.m.', () => {
    // 205 Birmingham; Sunday 18 January 2026 at noon (UTC-6).
    const answer = solicit('2026-01-18T18:00:00Z', '2055550123');
    expect(answer).toMatchObject({ allowed: false, outsideOf: ['US-AL'] });
    expect(answer.nextAllowedAt).toBe('2026-01-19T14:00:00.000Z');
  });

  it('Alabama allows no calls on its holidays (date-holidays): Monday 19 January 2026 (Robert E. Lee / MLK Day) moves to Tuesday', () => {
    const answer = solicit('2026-01-19T16:00:00Z', '2055550123', {}, isLegalHoliday);
    expect(answer).toMatchObject({ allowed: false, outsideOf: ['US-AL'] });
    expect(answer.nextAllowedAt).toBe('2026-01-20T14:00:00.000Z');
    // Not a holiday in Florida's rule (Florida's rule has no holiday ban).
    expect(solicit('2026-01-19T16:00:00Z', '3055550123', {}, isLegalHoliday).allowed).toBe(true);
  });

  it('Rhode Island: 9 to 6 on weekdays, 10 to 5 on Saturdays', () => {
    // 401; Saturday 17 January 2026, UTC-5: 17:30 local is closed; Monday 09:00 opens.
    const answer = solicit('2026-01-17T22:30:00Z', '4015550123', {}, isLegalHoliday);
    expect(answer.allowed).toBe(false);
    // Sunday closed; Monday 19 January is MLK Day, a Rhode Island holiday: Tuesday 09:00.
    expect(answer.nextAllowedAt).toBe('2026-01-20T14:00:00.000Z');
  });

  it('informational calls are outside the telemarketing windows', () => {
    const answer = callingWindow(new Date('2026-01-15T02:30:00Z'), locate('2125550123'), 'informational', rules, noHolidays);
    expect(answer).toMatchObject({ allowed: true, rules: [] });
  });
});

describe('configuration', () => {
  it('adds the organisation’s quiet hours to every call, informational ones too', () => {
    const configured = callingRulesFrom(rules, undefined, 'weekdays=09:00-17:00,saturday=none,sunday=none');
    const evening = callingWindow(new Date('2026-01-14T23:00:00Z'), locate('2125550123'), 'informational', configured, noHolidays);
    expect(evening).toMatchObject({ allowed: false, outsideOf: ['organisation'], nextAllowedAt: '2026-01-15T14:00:00.000Z' });
    // Friday 16:30 → Monday 09:00.
    expect(callingWindow(new Date('2026-01-16T22:00:00Z'), locate('2125550123'), 'solicitation', configured, noHolidays).nextAllowedAt).toBe(
      '2026-01-19T14:00:00.000Z',
    );
  });

  it('CALLING_RULES replaces a state’s rule or adds one; a bad rule is a configuration error', () => {
    const configured = callingRulesFrom(
      rules,
      JSON.stringify([{ jurisdiction: 'US-NY', weekdays: { from: '10:00', to: '19:00' }, saturday: null, sunday: null, source: 'test rule' }]),
      undefined,
    );
    expect(callingWindow(new Date('2026-01-14T14:30:00Z'), locate('2125550123'), 'solicitation', configured, noHolidays).outsideOf).toEqual(['US-NY']);
    expect(() => callingRulesFrom(rules, '[{"jurisdiction":"US-NY"}]', undefined)).toThrow(ConfigurationError);
    expect(() => callingRulesFrom(rules, 'not json', undefined)).toThrow(ConfigurationError);
    expect(() => callingRulesFrom(rules, undefined, 'weekdays=9-5')).toThrow(ConfigurationError);
  });

  it('every default rule names its source, and the documented table prints each with it', () => {
    const page = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'registries-and-calling-windows.md'), 'utf8');
    const show = (day: { from: string; to: string } | null | undefined, fallback: string) =>
      day === undefined ? fallback : day ? `${day.from}–${day.to}` : 'no calls';
    for (const rule of defaultCallingRules) {
      expect(rule.source.length).toBeGreaterThan(5);
      const row = page.split('\n').find((line) => line.startsWith(`| \`${rule.jurisdiction}\``));
      expect(row, rule.jurisdiction).toBeDefined();
      const cells = row!.split('|').map((cell) => cell.trim());
      expect(cells.slice(2, 7)).toEqual([
        show(rule.weekdays, ''),
        show(rule.saturday, ''),
        show(rule.sunday, ''),
        show(rule.holidays, 'as the day'),
        rule.source,
      ]);
    }
  });
});
