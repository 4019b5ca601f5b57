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
  const phone = /^\d{11,15}$/.test(trimmed) && !trimmed.startsWith('0')
    ? parsePhoneNumberFromString(`+${trimmed}`) ?? parsePhoneNumberFromString(trimmed, defaultRegion)
    : parsePhoneNumberFromString(trimmed, defaultRegion);
  if (!phone || !phone.isPossible()) {
    throw new InvalidAddressError('The phone number cannot be read as an E.164 number.');
  }
  return phone.number;
}
