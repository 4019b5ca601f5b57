import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { InvalidAddressError } from './errors.js';

/**
 * E.164 form of a phone number, or InvalidAddressError.
 *
 * "Possible" rather than "valid": a number in a range newer than the bundled metadata must
 * still be suppressible, and refusing a real STOP is the worse mistake.
 */
export function normalizePhone(raw: string, defaultRegion: CountryCode): string {
  const trimmed = raw.trim();
  const national = parsePhoneNumberFromString(trimmed, defaultRegion);
  // Providers often send international numbers as bare digits (447700900123). Eleven or more
  // bare digits are read as international when that makes a valid number, otherwise as national
  // (a Chinese mobile, 13812345678, is not a valid +1 number).
  const international = /^\d{11,15}$/.test(trimmed) ? parsePhoneNumberFromString(`+${trimmed}`) : undefined;
  const readings = [international, national];
  const phone = readings.find((reading) => reading?.isValid()) ?? [national, international].find((reading) => reading?.isPossible());
  if (!phone) throw new InvalidAddressError('The phone number cannot be read as an E.164 number.');
  return phone.number;
}
