import Holidays from 'date-holidays';
import type { HolidayCheck } from './calling-window.js';

/**
 * The legal holidays of a state or province (`US-AL`, `CA-QC`) for the calling-window rules that
 * forbid solicitations on them: the days date-holidays marks `public` there (the federal or
 * national holidays and the state's own), on the date they are observed. Loaded only by what
 * checks calling windows.
 */

const calendars = new Map<string, Holidays | null>();
const days = new Map<string, Set<string>>();

function calendar(region: string): Holidays | null {
  let found = calendars.get(region);
  if (found === undefined) {
    const [country, state] = region.split('-') as [string, string | undefined];
    const library = new Holidays();
    const known = Object.hasOwn(library.getCountries(), country) && (!state || Object.hasOwn(library.getStates(country) ?? {}, state));
    found = known ? (state ? new Holidays(country, state, { types: ['public'] }) : new Holidays(country, { types: ['public'] })) : null;
    calendars.set(region, found);
  }
  return found;
}

export const isLegalHoliday: HolidayCheck = (region, date) => {
  const key = `${region}/${date.slice(0, 4)}`;
  let year = days.get(key);
  if (!year) {
    const holidays = calendar(region)?.getHolidays(Number(date.slice(0, 4))) ?? [];
    year = new Set(holidays.map((holiday) => holiday.date.slice(0, 10)));
    days.set(key, year);
  }
  return year.has(date);
};
