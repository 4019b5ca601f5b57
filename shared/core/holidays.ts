import Holidays, { type HolidaysTypes } from 'date-holidays';
import { ConfigurationError } from './errors.js';
import { useHolidaySource, type BusinessCalendar } from './time.js';

/**
 * The holidays behind core/time.ts's business-day calendar, from date-holidays (a maintained
 * library of public holidays by country and region). Importing this module plugs them in; the
 * modules that count business days (the call receipt, the trace, reconciliation) import it, the
 * rest of the functions do not load its data.
 */

/**
 * Holidays the library marks `public` or `bank` (offices closed). date-holidays lists some
 * observed days as `bank`: Veterans Day on a weekend is observed on the Friday before or the
 * Monday after (5 U.S.C. 6103(b)) and appears only as a `bank` substitute day.
 */
const closedTypes: HolidaysTypes.HolidayType[] = ['public', 'bank'];

const libraries = new Map<string, Holidays>();

/** date-holidays for a calendar, refusing a country or region it does not know (it would silently have no holidays). */
function library(calendar: BusinessCalendar & { country: string }): Holidays {
  const key = `${calendar.country}/${calendar.region ?? ''}`;
  let found = libraries.get(key);
  if (!found) {
    const known = new Holidays();
    if (!Object.hasOwn(known.getCountries(), calendar.country)) {
      throw new ConfigurationError(`HOLIDAYS_COUNTRY "${calendar.country}" is not a country date-holidays knows (or "none").`);
    }
    if (calendar.region && !Object.hasOwn(known.getStates(calendar.country) ?? {}, calendar.region)) {
      throw new ConfigurationError(`HOLIDAYS_REGION "${calendar.region}" is not a region of ${calendar.country} that date-holidays knows.`);
    }
    found = calendar.region ? new Holidays(calendar.country, calendar.region, { types: closedTypes }) : new Holidays(calendar.country, { types: closedTypes });
    libraries.set(key, found);
  }
  return found;
}

/** The public and bank holidays of a year, as YYYY-MM-DD (the date in the country's own time). */
export function publicHolidays(year: number, calendar: BusinessCalendar & { country: string }): string[] {
  return library(calendar)
    .getHolidays(year)
    .map((holiday) => holiday.date.slice(0, 10));
}

useHolidaySource(publicHolidays);
