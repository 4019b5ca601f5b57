import { BadRequestError, ConfigurationError } from './errors.js';

/**
 * Do-Not-Call registries as plain data: which lists there are, how a registry file's lines read,
 * how a block of 10,000 numbers is stored, and when a list is too old to rely on.
 *
 * A North American number NPA-NXX-XXXX lives in the block NPA-NXX; its last four digits are its
 * place among the block's 10,000 numbers. A block is stored as a bitmap of 10,000 bits (1,250
 * bytes) or, while it holds fewer than 625 numbers, as the sorted list of those places (two bytes
 * each), whichever is smaller: see docs/registries-and-calling-windows.md for sizes and costs.
 */

export type ListKind = 'national' | 'state' | 'litigator' | 'internal';

export interface ListName {
  /** As written on the command line and stored: `national`, `state:FL`, `litigator`, or an internal list's name. */
  name: string;
  kind: ListKind;
  /** The state of a state list (USPS code). */
  state?: string;
}

/** USPS codes of the states, DC and the territories whose residents a state list can hold. */
const STATES = new Set(
  'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP'.split(
    ' ',
  ),
);

const INTERNAL_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** Reads a list name; a bad one is a BadRequestError naming what is allowed. */
export function parseListName(raw: string): ListName {
  const name = raw.trim();
  if (name === 'national') return { name, kind: 'national' };
  if (name === 'litigator') return { name, kind: 'litigator' };
  const state = /^state:([A-Za-z]{2})$/.exec(name);
  if (state) {
    const code = state[1]!.toUpperCase();
    if (!STATES.has(code)) throw new BadRequestError(`"${name}" names no US state: use state:XX with a USPS code such as state:FL.`);
    return { name: `state:${code}`, kind: 'state', state: code };
  }
  if (name.startsWith('state:')) throw new BadRequestError(`"${name}" is not a state list: use state:XX with a USPS code such as state:FL.`);
  if (INTERNAL_NAME.test(name)) return { name, kind: 'internal' };
  throw new BadRequestError(
    `"${name}" is not a list name: use national, state:XX, litigator, or an internal list's name (lowercase letters, digits and -, up to 40).`,
  );
}

/** The reason a listing gives in a contact check: `national-dnc`, `state-dnc:FL`, `litigator`, `internal-list:NAME`. */
export function listingReason(list: ListName): string {
  switch (list.kind) {
    case 'national':
      return 'national-dnc';
    case 'state':
      return `state-dnc:${list.state}`;
    case 'litigator':
      return 'litigator';
    case 'internal':
      return `internal-list:${list.name}`;
  }
}

/** Only the public registries yield to an established business relationship or written consent. */
export function isExemptable(list: ListName): boolean {
  return list.kind === 'national' || list.kind === 'state';
}

/** A valid NANP number: NPA and NXX each start 2-9. */
const NANP = /^([2-9]\d{2})([2-9]\d{2})(\d{4})$/;

/** The ten digits of a North American number from `+1NPANXXXXXX`, `1NPANXXXXXX` or `NPANXXXXXX`; undefined if it is not one. */
export function nanpDigits(raw: string): string | undefined {
  const digits = raw.replace(/[\s().-]/g, '');
  const ten = /^\+?1(\d{10})$/.exec(digits)?.[1] ?? (/^\d{10}$/.test(digits) ? digits : undefined);
  return ten && NANP.test(ten) ? ten : undefined;
}

export type RegistryAction = 'add' | 'delete';

export type ParsedLine = { number: string; action?: RegistryAction } | { skip: true } | { error: string };

/**
 * One line of a registry file. Numbers are written `NPANXXXXXX` (ten digits, as the FTC's files
 * give them) or `NPA,NXXXXXX` (area code and number, as several states give them). In a change
 * file each line ends with its action: `,A` (added) or `,D` (deleted). Blank lines and a header
 * line (any line starting with a letter) are skipped.
 */
export function parseRegistryLine(line: string, withAction: boolean): ParsedLine {
  const text = line.trim();
  if (text === '' || /^[A-Za-z"]/.test(text)) return { skip: true };
  const fields = text.split(',').map((field) => field.trim().replace(/^"|"$/g, ''));
  let action: RegistryAction | undefined;
  if (withAction) {
    const flag = fields.pop()?.toUpperCase();
    if (flag === 'A' || flag === 'ADD' || flag === '+') action = 'add';
    else if (flag === 'D' || flag === 'DEL' || flag === 'DELETE' || flag === '-') action = 'delete';
    else return { error: `a change line ends with ,A (added) or ,D (deleted); this one ends with "${flag ?? ''}".` };
  }
  let digits: string | undefined;
  if (fields.length === 1) digits = fields[0];
  else if (fields.length === 2 && /^\d{3}$/.test(fields[0]!) && /^\d{7}$/.test(fields[1]!.replace('-', '')))
    digits = `${fields[0]}${fields[1]!.replace('-', '')}`;
  else return { error: `expected NPANXXXXXX or NPA,NXXXXXX${withAction ? ' followed by ,A or ,D' : ''}.` };
  const number = digits === undefined ? undefined : nanpDigits(digits);
  if (!number) return { error: 'not a North American number (ten digits; area code and exchange start 2-9).' };
  return action ? { number, action } : { number };
}

export const BLOCK_SIZE = 10_000;
/** A bitmap of a block: 10,000 bits. */
export const BITMAP_BYTES = BLOCK_SIZE / 8;
/** Below this many numbers the sorted list of places is smaller than the bitmap. */
export const SPARSE_LIMIT = BITMAP_BYTES / 2;

export const blockOf = (number: string) => number.slice(0, 6);
export const placeOf = (number: string) => Number(number.slice(6));

/** How a block is stored: `b` a 1,250-byte bitmap, `s` sorted places as big-endian 16-bit integers. */
export interface EncodedBlock {
  format: 'b' | 's';
  data: Uint8Array;
  count: number;
}

/** The places (0-9999) a block holds, in order. */
export function decodeBlock(block: EncodedBlock): number[] {
  const places: number[] = [];
  if (block.format === 's') {
    for (let i = 0; i + 1 < block.data.length; i += 2) places.push((block.data[i]! << 8) | block.data[i + 1]!);
    return places;
  }
  for (let byte = 0; byte < block.data.length; byte++) {
    const bits = block.data[byte]!;
    if (bits === 0) continue;
    for (let bit = 0; bit < 8; bit++) if (bits & (1 << bit)) places.push(byte * 8 + bit);
  }
  return places;
}

/** Whether a stored block holds a place, without decoding it whole. */
export function blockHas(block: EncodedBlock, place: number): boolean {
  if (block.format === 'b') return ((block.data[place >> 3] ?? 0) & (1 << (place & 7))) !== 0;
  let low = 0;
  let high = block.data.length / 2 - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const value = (block.data[middle * 2]! << 8) | block.data[middle * 2 + 1]!;
    if (value === place) return true;
    if (value < place) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/** The smaller encoding of a set of places; undefined for an empty block (which is not stored). */
export function encodeBlock(places: Iterable<number>): EncodedBlock | undefined {
  const sorted = [...new Set(places)].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  if (sorted.length < SPARSE_LIMIT) {
    const data = new Uint8Array(sorted.length * 2);
    sorted.forEach((place, i) => {
      data[i * 2] = place >> 8;
      data[i * 2 + 1] = place & 0xff;
    });
    return { format: 's', data, count: sorted.length };
  }
  const data = new Uint8Array(BITMAP_BYTES);
  for (const place of sorted) data[place >> 3]! |= 1 << (place & 7);
  return { format: 'b', data, count: sorted.length };
}

/** A block after a run of changes, applied in order (the last action on a place wins). */
export function applyChanges(block: EncodedBlock | undefined, changes: readonly { place: number; action: RegistryAction }[]): EncodedBlock | undefined {
  const places = new Set(block ? decodeBlock(block) : []);
  for (const change of changes) {
    if (change.action === 'add') places.add(change.place);
    else places.delete(change.place);
  }
  return encodeBlock(places);
}

/** Days after its as-of date a list may still be relied on; undefined: no limit. */
export type RefreshRule = (list: ListName) => number | undefined;

/**
 * The refresh rule from REGISTRY_REFRESH_DAYS (`national=31,state:FL=30,litigator=7`). The
 * national list defaults to 31 days (the Telemarketing Sales Rule's safe harbour, 16 CFR
 * 310.4(b)(3)(iv), and 47 CFR 64.1200(c)(2)(i)(D)); state lists default to the same 31 days
 * (`state=N` sets them all); the litigator and internal lists have no limit unless named.
 */
export function refreshRule(spec: string | undefined): RefreshRule {
  const days = new Map<string, number>([
    ['national', 31],
    ['state', 31],
  ]);
  for (const entry of (spec ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const equals = entry.lastIndexOf('=');
    const name = entry.slice(0, equals).trim();
    const value = Number(entry.slice(equals + 1));
    if (equals <= 0 || !Number.isInteger(value) || value < 1) {
      throw new ConfigurationError(`REGISTRY_REFRESH_DAYS entry "${entry}" is not LIST=DAYS (a whole number of days, 1 or more).`);
    }
    if (name !== 'state') {
      try {
        days.set(parseListName(name).name, value);
      } catch {
        throw new ConfigurationError(`REGISTRY_REFRESH_DAYS names "${name}", which is not a list name.`);
      }
    } else days.set('state', value);
  }
  return (list) => days.get(list.name) ?? (list.kind === 'state' ? days.get('state') : undefined);
}

const DAY_MS = 86_400_000;

/** Whether a list whose data is as of `asOf` (YYYY-MM-DD) is past its refresh rule at `now`. */
export function isStale(asOf: string, refreshDays: number | undefined, now: Date): boolean {
  if (refreshDays === undefined) return false;
  return now.getTime() >= Date.parse(`${asOf}T00:00:00Z`) + (refreshDays + 1) * DAY_MS;
}

/** A YYYY-MM-DD date that exists, or a BadRequestError naming the field. */
export function assertDate(value: string, field: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw new BadRequestError(`${field} is not a date (YYYY-MM-DD): "${value}".`);
  }
  return value;
}
