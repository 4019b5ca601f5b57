import type { CountryCode } from 'libphonenumber-js/max';
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { normalizePhone } from './addresses.js';
import { BadRequestError, InvalidAddressError } from './errors.js';
import { isWellFormed } from './text.js';
import type { Channel } from './channels.js';

/**
 * Who a person is: the phone numbers, email addresses, postal addresses and external (CRM) ids
 * that lead to them. Every identity has one normalized value, so that one address written two
 * ways is one address.
 */

export const identityTypes = ['phone', 'email', 'postal', 'externalId'] as const;
export type IdentityType = (typeof identityTypes)[number];

export interface Identity {
  type: IdentityType;
  value: string;
}

/** The identity type a channel reaches a person at. */
export const channelIdentity: Record<Channel, Exclude<IdentityType, 'externalId'>> = {
  sms: 'phone',
  voice: 'phone',
  email: 'email',
  mail: 'postal',
};

/**
 * Person ids are `p-` and a UUID (shared/record/record-signal.ts). A longer one names nobody, and
 * past DynamoDB's key limit the store would refuse it as invalid, so callers refuse it first (400).
 */
export const MAX_PERSON_ID_LENGTH = 64;

export function identityKey(identity: Identity): string {
  return `${identity.type}#${identity.value}`;
}

const MAX_EMAIL_LENGTH = 254;

const MAX_LOCAL_PART_LENGTH = 64;

/**
 * Trimmed, lower-cased, Unicode local part in NFC (RFC 6532), internationalized domain in its
 * ASCII (punycode) form.
 */
export function normalizeEmail(raw: string): string {
  // Stored as UTF-8, two addresses that differ only in an unpaired surrogate would be one key.
  if (!isWellFormed(raw)) throw new InvalidAddressError('The email address is not well-formed Unicode.');
  const trimmed = raw.trim().normalize('NFC');
  const at = trimmed.lastIndexOf('@');
  const local = trimmed.slice(0, at);
  const domain = domainToASCII(trimmed.slice(at + 1).toLowerCase());
  const labels = domain.split('.');
  if (at <= 0 || local.length > MAX_LOCAL_PART_LENGTH || /[\s@]/.test(local) || !domain || labels.length < 2 || labels.some((label) => label === '')) {
    throw new InvalidAddressError('The email address cannot be read.');
  }
  const email = `${local.toLowerCase()}@${domain}`;
  if (email.length > MAX_EMAIL_LENGTH) throw new InvalidAddressError('The email address is longer than 254 characters.');
  return email;
}

/**
 * Field limits of a postal address, generous beside what any postal service prints (UPU S42 and
 * USPS lines are tens of characters), so that its key stays far inside DynamoDB's key limit.
 */
export const POSTAL_LIMITS = { line: 200, city: 100, state: 100, postalCode: 20 } as const;

/** The longest postal key: a few characters (a ligature, say) decompose into several letters. */
export const MAX_POSTAL_KEY_LENGTH = 512;

const WELL_FORMED = 'not well-formed Unicode (an unpaired surrogate)';

/** A postal field: normalizing keeps only A-Z and 0-9, but a line that is not text is refused, not guessed at. */
const postalField = (max: number) => z.string().max(max).refine(isWellFormed, WELL_FORMED);

export const postalAddressSchema = z
  .object({
    line1: postalField(POSTAL_LIMITS.line).min(1),
    line2: postalField(POSTAL_LIMITS.line).optional(),
    city: postalField(POSTAL_LIMITS.city).min(1),
    state: postalField(POSTAL_LIMITS.state).optional(),
    postalCode: postalField(POSTAL_LIMITS.postalCode).min(1),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'a two-letter country code')
      .default('US'),
  })
  .strict();
export type PostalAddress = z.input<typeof postalAddressSchema>;

/** USPS Publication 28 abbreviations for the words that vary most between writings of one address. */
const POSTAL_WORDS: Record<string, string> = {
  STREET: 'ST',
  AVENUE: 'AVE',
  AV: 'AVE',
  ROAD: 'RD',
  BOULEVARD: 'BLVD',
  DRIVE: 'DR',
  LANE: 'LN',
  COURT: 'CT',
  PLACE: 'PL',
  TERRACE: 'TER',
  PARKWAY: 'PKWY',
  HIGHWAY: 'HWY',
  CIRCLE: 'CIR',
  SQUARE: 'SQ',
  TRAIL: 'TRL',
  WAY: 'WAY',
  EXPRESSWAY: 'EXPY',
  FREEWAY: 'FWY',
  ALLEY: 'ALY',
  NORTH: 'N',
  SOUTH: 'S',
  EAST: 'E',
  WEST: 'W',
  NORTHEAST: 'NE',
  NORTHWEST: 'NW',
  SOUTHEAST: 'SE',
  SOUTHWEST: 'SW',
  // One designator for a unit, however it is written ("Apt 4", "Unit 4", "#4").
  APARTMENT: 'UNIT',
  APT: 'UNIT',
  SUITE: 'STE',
  FLOOR: 'FL',
  BUILDING: 'BLDG',
  ROOM: 'RM',
};

const US_STATES: Record<string, string> = {
  ALABAMA: 'AL',
  ALASKA: 'AK',
  ARIZONA: 'AZ',
  ARKANSAS: 'AR',
  CALIFORNIA: 'CA',
  COLORADO: 'CO',
  CONNECTICUT: 'CT',
  DELAWARE: 'DE',
  'DISTRICT OF COLUMBIA': 'DC',
  FLORIDA: 'FL',
  GEORGIA: 'GA',
  HAWAII: 'HI',
  IDAHO: 'ID',
  ILLINOIS: 'IL',
  INDIANA: 'IN',
  IOWA: 'IA',
  KANSAS: 'KS',
  KENTUCKY: 'KY',
  LOUISIANA: 'LA',
  MAINE: 'ME',
  MARYLAND: 'MD',
  MASSACHUSETTS: 'MA',
  MICHIGAN: 'MI',
  MINNESOTA: 'MN',
  MISSISSIPPI: 'MS',
  MISSOURI: 'MO',
  MONTANA: 'MT',
  NEBRASKA: 'NE',
  NEVADA: 'NV',
  'NEW HAMPSHIRE': 'NH',
  'NEW JERSEY': 'NJ',
  'NEW MEXICO': 'NM',
  'NEW YORK': 'NY',
  'NORTH CAROLINA': 'NC',
  'NORTH DAKOTA': 'ND',
  OHIO: 'OH',
  OKLAHOMA: 'OK',
  OREGON: 'OR',
  PENNSYLVANIA: 'PA',
  'PUERTO RICO': 'PR',
  'RHODE ISLAND': 'RI',
  'SOUTH CAROLINA': 'SC',
  'SOUTH DAKOTA': 'SD',
  TENNESSEE: 'TN',
  TEXAS: 'TX',
  UTAH: 'UT',
  VERMONT: 'VT',
  VIRGINIA: 'VA',
  WASHINGTON: 'WA',
  'WEST VIRGINIA': 'WV',
  WISCONSIN: 'WI',
  WYOMING: 'WY',
};

/** Upper-case ASCII words of a field, without accents, punctuation or extra spaces. */
function postalWords(text: string | undefined): string[] {
  return (text ?? '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/#/g, ' UNIT ')
    .replace(/[^A-Z0-9]+/g, ' ')
    .split(' ')
    .filter(Boolean);
}

function postalPart(text: string | undefined): string {
  return postalWords(text)
    .map((word) => POSTAL_WORDS[word] ?? word)
    .filter((word, i, words) => !(word === 'UNIT' && words[i - 1] === 'UNIT')) // "Apt #4"
    .join(' ');
}

/**
 * A key that is equal for the usual ways of writing one postal address: case, spacing,
 * punctuation, accents, suffix and unit words (on either line), state names, and ZIP+4 versus
 * ZIP5. Its form is `STREET|CITY|STATE|POSTALCODE|COUNTRY`.
 */
export function normalizePostal(raw: PostalAddress): string {
  const parsed = postalAddressSchema.safeParse(raw);
  if (!parsed.success) {
    const { line, city, state, postalCode } = POSTAL_LIMITS;
    throw new InvalidAddressError(
      `A postal address needs line1, city and postalCode (and nothing else), each line at most ${line} characters, city and state ${city} and ${state}, postalCode ${postalCode}.`,
    );
  }
  const address = parsed.data;
  const country = address.country.toUpperCase();
  let postalCode = address.postalCode.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (country === 'US') {
    const zip = /^(\d{5})(\d{4})?$/.exec(postalCode);
    if (!zip) throw new InvalidAddressError('A US postal code is five digits (ZIP) or nine (ZIP+4).');
    postalCode = zip[1]!;
  }
  const street = postalPart(`${address.line1} ${address.line2 ?? ''}`);
  const city = postalPart(address.city);
  // State names are looked up before street abbreviations, which would turn NORTH into N.
  const stateName = postalWords(address.state).join(' ');
  const state = country === 'US' ? (US_STATES[stateName] ?? postalPart(address.state)) : postalPart(address.state);
  if (!street || !city || !postalCode) throw new InvalidAddressError('A postal address needs line1, city and postalCode.');
  const key = [street, city, state, postalCode, country].join('|');
  if (key.length > MAX_POSTAL_KEY_LENGTH)
    throw new InvalidAddressError(`The postal address is longer than ${MAX_POSTAL_KEY_LENGTH} characters once normalized.`);
  return key;
}

const MAX_EXTERNAL_ID_LENGTH = 256;

export function normalizeExternalId(raw: string): string {
  const value = raw.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what an external id may not contain.
  if (!value || value.length > MAX_EXTERNAL_ID_LENGTH || /[\u0000-\u001f]/.test(value) || !isWellFormed(value)) {
    throw new InvalidAddressError('An external id is 1 to 256 printable characters of well-formed Unicode.');
  }
  return value;
}

/** What a caller may send to name a person: any of these, already normalized or not. */
export const subjectSchema = z
  .object({
    phone: z.string().refine(isWellFormed, WELL_FORMED).optional(),
    email: z.string().refine(isWellFormed, WELL_FORMED).optional(),
    postal: postalAddressSchema.optional(),
    externalId: z.string().refine(isWellFormed, WELL_FORMED).optional(),
  })
  .strict();
export type SubjectInput = z.input<typeof subjectSchema>;

/** The normalized identities of a subject, in a fixed order (phone, email, postal, externalId). */
export function subjectIdentities(input: SubjectInput, region: CountryCode): Identity[] {
  const parsed = subjectSchema.safeParse(input);
  if (!parsed.success) {
    throw new BadRequestError('A subject names a person by phone, email, postal ({line1, city, postalCode}) and/or externalId.');
  }
  const subject = parsed.data;
  const identities: Identity[] = [];
  if (subject.phone !== undefined) identities.push({ type: 'phone', value: normalizePhone(subject.phone, region) });
  if (subject.email !== undefined) identities.push({ type: 'email', value: normalizeEmail(subject.email) });
  if (subject.postal !== undefined) identities.push({ type: 'postal', value: normalizePostal(subject.postal) });
  if (subject.externalId !== undefined) identities.push({ type: 'externalId', value: normalizeExternalId(subject.externalId) });
  return identities;
}

/** One identity from its type and raw value, as `POST /v1/people/{id}/identities` receives it. */
export function normalizeIdentity(type: IdentityType, raw: unknown, region: CountryCode): Identity {
  const [identity] = subjectIdentities({ [type]: raw } as SubjectInput, region);
  if (!identity) throw new BadRequestError(`An identity needs a ${type} value.`);
  return identity;
}

/**
 * The normalized address of a channel from how a sender writes it: a phone number, an email, or
 * (for mail) the postal key `normalizePostal` produces, as the check API receives it.
 */
export function normalizeChannelAddress(channel: Channel, raw: string, region: CountryCode): string {
  switch (channelIdentity[channel]) {
    case 'phone':
      return normalizePhone(raw, region);
    case 'email':
      return normalizeEmail(raw);
    case 'postal': {
      const parts = raw.split('|');
      if (parts.length !== 5) {
        throw new InvalidAddressError('A mail address is checked by its postal key: STREET|CITY|STATE|POSTALCODE|COUNTRY.');
      }
      const [line1, city, state, postalCode, country] = parts as [string, string, string, string, string];
      return normalizePostal({ line1, city, state, postalCode, country });
    }
  }
}
