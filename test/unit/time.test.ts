import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { BadRequestError, ConfigurationError } from '../../shared/core/errors.js';
import '../../shared/core/holidays.js';
import {
  actTime,
  addBusinessDays,
  businessCalendar,
  clockStart,
  CLOCK_SKEW_MS,
  deadlineFor,
  describeCalendar,
  holidaysIn,
  isBusinessDay,
  receivedOnTime,
  US_FEDERAL_HOLIDAYS,
  type BusinessCalendar,
} from '../../shared/core/time.js';

const at = (iso: string) => new Date(iso);
const US = US_FEDERAL_HOLIDAYS;
const WEEKENDS_ONLY: BusinessCalendar = {};
const tenBusinessDays = { deadline: { amount: 10, unit: 'business-days' as const } };

/**
 * An independent statement of 5 U.S.C. 6103 (the eleven federal holidays, a fixed date on a
 * Saturday observed the Friday before, on a Sunday the Monday after), to check the library with.
 */
function federalHolidays(year: number): string[] {
  const day = (y: number, m: number, d: number) => new Date(Date.UTC(y, m, d));
  const text = (date: Date) => date.toISOString().slice(0, 10);
  const nth = (m: number, weekday: number, n: number) => {
    if (n > 0) {
      const first = day(year, m, 1);
      return text(day(year, m, 1 + ((weekday - first.getUTCDay() + 7) % 7) + (n - 1) * 7));
    }
    const last = day(year, m + 1, 0);
    return text(day(year, m + 1, -((last.getUTCDay() - weekday + 7) % 7)));
  };
  const observed = (y: number, m: number, d: number) => {
    const date = day(y, m, d);
    const shift = date.getUTCDay() === 6 ? -1 : date.getUTCDay() === 0 ? 1 : 0;
    return text(day(y, m, d + shift));
  };
  return [
    observed(year, 0, 1),
    nth(0, 1, 3),
    nth(1, 1, 3),
    nth(4, 1, -1),
    observed(year, 5, 19),
    observed(year, 6, 4),
    nth(8, 1, 1),
    nth(9, 1, 2),
    observed(year, 10, 11),
    nth(10, 4, 4),
    observed(year, 11, 25),
    // New Year's Day of the next year on a Saturday is observed on December 31.
    observed(year + 1, 0, 1),
  ]
    .filter((date) => date.startsWith(String(year)))
    .sort();
}

describe('the business-day calendar (date-holidays)', () => {
  it('knows the eleven US federal holidays of 2026 as observed (Independence Day on Friday July 3)', () => {
    expect(holidaysIn(2026, US)).toEqual([
      '2026-01-01',
      '2026-01-19',
      '2026-02-16',
      '2026-05-25',
      '2026-06-19',
      '2026-07-03',
      '2026-09-07',
      '2026-10-12',
      '2026-11-11',
      '2026-11-26',
      '2026-12-25',
    ]);
  });

  it('knows those of 2027, with the observed days of Juneteenth, Independence Day, Christmas and New Year 2028', () => {
    expect(holidaysIn(2027, US)).toEqual([
      '2027-01-01',
      '2027-01-18',
      '2027-02-15',
      '2027-05-31',
      '2027-06-18',
      '2027-07-05',
      '2027-09-06',
      '2027-10-11',
      '2027-11-11',
      '2027-11-25',
      '2027-12-24',
      '2027-12-31',
    ]);
  });

  it('keeps Veterans Day observed on a Friday (2028), which date-holidays lists as a bank holiday', () => {
    expect(holidaysIn(2028, US)).toContain('2028-11-10');
    expect(isBusinessDay(at('2028-11-10T12:00:00Z'), US)).toBe(false);
  });

  it('agrees with 5 U.S.C. 6103 for every year from 2021 (Juneteenth) to 2045', () => {
    for (let year = 2021; year <= 2045; year++) expect(holidaysIn(year, US), String(year)).toEqual(federalHolidays(year));
  });

  it('leaves out observances: the day after Thanksgiving and Christmas Eve are business days federally', () => {
    expect(isBusinessDay(at('2026-11-27T12:00:00Z'), US)).toBe(true);
    expect(isBusinessDay(at('2026-12-24T12:00:00Z'), US)).toBe(true);
  });

  it("adds a region's own holidays, and counts holidays as business days without a country", () => {
    const california = businessCalendar('US', 'CA');
    expect(california).toEqual({ country: 'US', region: 'CA' });
    // César Chávez Day and the day after Thanksgiving are California state holidays.
    expect(isBusinessDay(at('2026-03-31T12:00:00Z'), california)).toBe(false);
    expect(isBusinessDay(at('2026-11-27T12:00:00Z'), california)).toBe(false);
    expect(isBusinessDay(at('2026-03-31T12:00:00Z'), US)).toBe(true);
    expect(isBusinessDay(at('2026-11-26T12:00:00Z'), WEEKENDS_ONLY)).toBe(true);
    expect(holidaysIn(2026, WEEKENDS_ONLY)).toEqual([]);
  });

  it('reads the configuration and refuses what date-holidays does not know', () => {
    expect(businessCalendar(undefined, undefined)).toEqual({ country: 'US' });
    expect(businessCalendar(' gb ', undefined)).toEqual({ country: 'GB' });
    expect(businessCalendar('none', undefined)).toEqual({});
    expect(() => businessCalendar('USA', undefined)).toThrow(ConfigurationError);
    expect(() => businessCalendar('none', 'CA')).toThrow(ConfigurationError);
    // Well-formed but unknown: refused when the first business day is counted, never ignored.
    expect(() => isBusinessDay(at('2026-05-04T12:00:00Z'), businessCalendar('XX', undefined))).toThrow(/HOLIDAYS_COUNTRY "XX"/);
    expect(() => isBusinessDay(at('2026-05-04T12:00:00Z'), businessCalendar('US', 'ZZ'))).toThrow(/HOLIDAYS_REGION "ZZ"/);
    // Germany's holidays differ by state: Epiphany is one in Bavaria only.
    expect(isBusinessDay(at('2026-01-06T12:00:00Z'), businessCalendar('DE', 'BY'))).toBe(false);
    expect(isBusinessDay(at('2026-01-06T12:00:00Z'), businessCalendar('DE', undefined))).toBe(true);
  });

  it('refuses to count business days on a country calendar without its holidays loaded', async () => {
    vi.resetModules();
    const bare = await import('../../shared/core/time.js');
    expect(() => bare.isBusinessDay(at('2026-11-26T12:00:00Z'), US)).toThrow(/import shared\/core\/holidays\.js/);
    expect(bare.isBusinessDay(at('2026-11-26T12:00:00Z'), WEEKENDS_ONLY)).toBe(true);
  });

  it('describes itself for documents', () => {
    expect(describeCalendar(US)).toMatch(/US federal holidays/);
    expect(describeCalendar({ country: 'US', region: 'CA' })).toMatch(/US-CA/);
    expect(describeCalendar(WEEKENDS_ONLY)).toMatch(/holidays are counted as business days/);
  });
});

describe('business days', () => {
  it('keeps the time of day on a business day: Friday 15:30 + 10 is Friday two weeks later 15:30', () => {
    expect(addBusinessDays(at('2026-05-01T15:30:00Z'), 10, US).toISOString()).toBe('2026-05-15T15:30:00.000Z');
    expect(addBusinessDays(at('2026-05-01T15:30:00Z'), 1, US).toISOString()).toBe('2026-05-04T15:30:00.000Z');
    expect(addBusinessDays(at('2026-05-06T08:00:00Z'), 0, US).toISOString()).toBe('2026-05-06T08:00:00.000Z');
  });

  it('counts a Saturday act from Monday 00:00: the Do Not Call of Saturday 2026-11-28 is due Monday 2026-12-14 00:00', () => {
    expect(addBusinessDays(at('2026-11-28T12:00:00Z'), 10, US).toISOString()).toBe('2026-12-14T00:00:00.000Z');
    // Never earlier than a request made the Friday before, which is due Friday 2026-12-11.
    expect(addBusinessDays(at('2026-11-27T17:00:00Z'), 10, US).toISOString()).toBe('2026-12-11T17:00:00.000Z');
  });

  it('skips a federal holiday: Wednesday 2026-11-25 + 10 skips Thanksgiving', () => {
    expect(addBusinessDays(at('2026-11-25T12:00:00Z'), 1, US).toISOString()).toBe('2026-11-27T12:00:00.000Z');
    expect(addBusinessDays(at('2026-11-25T12:00:00Z'), 10, US).toISOString()).toBe('2026-12-10T12:00:00.000Z');
    expect(addBusinessDays(at('2026-11-25T12:00:00Z'), 10, WEEKENDS_ONLY).toISOString()).toBe('2026-12-09T12:00:00.000Z');
    // An act on Thanksgiving itself counts from Friday 00:00.
    expect(addBusinessDays(at('2026-11-26T15:00:00Z'), 10, US).toISOString()).toBe('2026-12-11T00:00:00.000Z');
  });

  it('always lands on a business day, n business days later, and a later act is never due earlier', () => {
    const calendars = fc.constantFrom<BusinessCalendar>(US, WEEKENDS_ONLY, { country: 'US', region: 'CA' });
    const date = fc.date({ min: at('2020-01-01T00:00:00Z'), max: at('2035-01-01T00:00:00Z'), noInvalidDate: true });
    fc.assert(
      fc.property(date, fc.integer({ min: 1, max: 30 }), calendars, fc.integer({ min: 0, max: 5 * 86_400_000 }), (start, days, calendar, later) => {
        const end = addBusinessDays(start, days, calendar);
        expect(isBusinessDay(end, calendar)).toBe(true);
        let first = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
        if (!isBusinessDay(start, calendar)) while (!isBusinessDay(new Date(first), calendar)) first += 86_400_000;
        let counted = 0;
        for (let day = new Date(first + 86_400_000); day <= end; day = new Date(day.getTime() + 86_400_000)) {
          if (isBusinessDay(day, calendar)) counted++;
        }
        expect(counted).toBe(days);
        expect(addBusinessDays(new Date(start.getTime() + later), days, calendar).getTime()).toBeGreaterThanOrEqual(end.getTime());
      }),
    );
  });
});

describe('deadlineFor', () => {
  it('counts business days on the calendar, and hours and calendar days straight through', () => {
    expect(deadlineFor(tenBusinessDays, '2026-11-28T12:00:00.000Z', US).toISOString()).toBe('2026-12-14T00:00:00.000Z');
    expect(deadlineFor({ deadline: { amount: 48, unit: 'hours' } }, '2026-11-25T12:00:00Z', US).toISOString()).toBe('2026-11-27T12:00:00.000Z');
    expect(deadlineFor({ deadline: { amount: 30, unit: 'days' } }, at('2026-05-02T10:00:00Z'), US).toISOString()).toBe('2026-06-01T10:00:00.000Z');
  });
});

describe('clockStart: when the organisation received the request', () => {
  it('is the act unless a later received date is given', () => {
    expect(clockStart({ occurredAt: '2026-11-02T14:00:00.000Z' })).toBe('2026-11-02T14:00:00.000Z');
    expect(clockStart({ occurredAt: '2026-11-02T14:00:00.000Z', receivedOn: '2026-11-04T00:00:00.000Z' })).toBe('2026-11-04T00:00:00.000Z');
    // A letter received the day it is dated starts at the act, not at midnight before it.
    expect(clockStart({ occurredAt: '2026-11-02T14:00:00.000Z', receivedOn: '2026-11-02T00:00:00.000Z' })).toBe('2026-11-02T14:00:00.000Z');
  });

  it('gives a letter received weeks before its import the deadline of its receipt, not of the import', () => {
    const start = clockStart({
      occurredAt: '2026-11-02T09:00:00.000Z',
      receivedOn: receivedOnTime('2026-11-04', '2026-11-02T09:00:00.000Z', at('2026-12-02T15:00:00Z')),
    });
    // Veterans Day (Wednesday 2026-11-11) is skipped.
    expect(deadlineFor(tenBusinessDays, start, US).toISOString()).toBe('2026-11-19T00:00:00.000Z');
  });
});

describe('the future-date rule (actTime)', () => {
  const receivedAt = at('2026-05-01T12:00:00.000Z');
  const ahead = (ms: number) => new Date(receivedAt.getTime() + ms).toISOString();

  it('keeps a past time, and reads a time within the clock skew as the receipt', () => {
    for (const sender of ['caller', 'provider'] as const) {
      expect(actTime('2026-05-01T11:00:00.000Z', receivedAt, sender)).toBe('2026-05-01T11:00:00.000Z');
      expect(actTime('2026-05-01T13:30:00+01:30', receivedAt, sender)).toBe('2026-05-01T12:00:00.000Z');
      expect(actTime(ahead(CLOCK_SKEW_MS), receivedAt, sender)).toBe(receivedAt.toISOString());
      expect(actTime(undefined, receivedAt, sender)).toBe(receivedAt.toISOString());
    }
  });

  it("refuses a caller's time further ahead with a 400 naming the field", () => {
    expect(() => actTime(ahead(CLOCK_SKEW_MS + 1), receivedAt, 'caller')).toThrow(BadRequestError);
    expect(() => actTime('2099-01-01T00:00:00Z', receivedAt, 'caller', 'receivedOn')).toThrow(/receivedOn is in the future/);
    expect(() => actTime('yesterday', receivedAt, 'caller')).toThrow(/occurredAt is not a time/);
  });

  it("dates a provider's act at arrival instead, so that no opt-out is lost", () => {
    expect(actTime(ahead(CLOCK_SKEW_MS + 1), receivedAt, 'provider')).toBe(receivedAt.toISOString());
    expect(actTime(new Date('2099-01-01T00:00:00Z'), receivedAt, 'provider')).toBe(receivedAt.toISOString());
    expect(actTime('not a time', receivedAt, 'provider')).toBe(receivedAt.toISOString());
  });
});

describe('receivedOn', () => {
  const importedAt = at('2026-12-02T15:00:00.000Z');
  const letter = '2026-11-02T09:00:00.000Z';

  it('reads a date as the start of that day (UTC) and a date-time as given', () => {
    expect(receivedOnTime('2026-11-04', letter, importedAt)).toBe('2026-11-04T00:00:00.000Z');
    expect(receivedOnTime('2026-11-04T10:15:00-05:00', letter, importedAt)).toBe('2026-11-04T15:15:00.000Z');
    expect(receivedOnTime('2026-11-02', letter, importedAt)).toBe('2026-11-02T00:00:00.000Z');
  });

  it('refuses a date in the future, before the letter, or that does not exist', () => {
    expect(() => receivedOnTime('2026-12-03', letter, importedAt)).toThrow(/receivedOn is in the future/);
    expect(() => receivedOnTime('2026-11-01', letter, importedAt)).toThrow(/before occurredAt/);
    expect(() => receivedOnTime('2026-11-02T08:59:59Z', letter, importedAt)).toThrow(BadRequestError);
    expect(() => receivedOnTime('2026-02-30', letter, importedAt)).toThrow(/not a date/);
  });
});
