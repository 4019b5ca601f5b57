import { BadRequestError } from './errors.js';

/**
 * Rules for text that becomes part of a stored key (an event id, an identity, a path). DynamoDB
 * stores strings as UTF-8, where an unpaired surrogate has no encoding and is replaced: two ids
 * that differ only in one (`…-\ud800`, `…-\ud801`) would be one key, so one person's opt-out
 * would answer as a duplicate of another's. Such text is refused, never repaired.
 */

// With the `u` flag a surrogate pair is one supplementary code point; only an unpaired surrogate is Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether the text is well-formed Unicode (what ES2024's String.prototype.isWellFormed says). */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** The value, when it is well-formed and at most `maxLength` characters; otherwise a 400 naming the field. */
export function keyText(field: string, value: string, maxLength: number): string {
  if (!isWellFormed(value)) {
    throw new BadRequestError(`${field} is not well-formed Unicode (it contains an unpaired surrogate).`, { field });
  }
  if (value.length > maxLength) throw new BadRequestError(`${field} is longer than ${maxLength} characters.`, { field, maxLength });
  return value;
}
