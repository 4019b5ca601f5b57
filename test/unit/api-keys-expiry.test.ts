import { describe, expect, it } from 'vitest';
import { expiryOf } from '../../cli/commands/api-keys.js';
import { UsageError } from '../../cli/command.js';

/** `api-keys create --expires-in DAYS | --expires-at DATE`, read against a fixed clock. */

const now = new Date('2026-06-15T10:30:00.000Z');

describe('api-keys create expiry options', () => {
  it('never expires without either option', () => {
    expect(expiryOf({}, now)).toBeUndefined();
  });

  it('--expires-in counts whole days from now', () => {
    expect(expiryOf({ 'expires-in': '30' }, now)?.toISOString()).toBe('2026-07-15T10:30:00.000Z');
    for (const days of ['0', '-1', '1.5', 'ten', '']) expect(() => expiryOf({ 'expires-in': days }, now)).toThrow(UsageError);
  });

  it('--expires-at takes a date as midnight UTC, or a time only with Z or an offset', () => {
    expect(expiryOf({ 'expires-at': '2027-01-31' }, now)?.toISOString()).toBe('2027-01-31T00:00:00.000Z');
    expect(expiryOf({ 'expires-at': '2027-01-31T12:00:00Z' }, now)?.toISOString()).toBe('2027-01-31T12:00:00.000Z');
    expect(expiryOf({ 'expires-at': '2027-01-31T12:00+02:00' }, now)?.toISOString()).toBe('2027-01-31T10:00:00.000Z');
    // Read in the machine's time zone otherwise: refused rather than guessed.
    expect(() => expiryOf({ 'expires-at': '2027-01-31T12:00:00' }, now)).toThrow(UsageError);
    expect(() => expiryOf({ 'expires-at': '31/01/2027' }, now)).toThrow(UsageError);
    expect(() => expiryOf({ 'expires-at': '2027-02-30' }, now)).toThrow(UsageError);
  });

  it('refuses a time already past, and both options at once', () => {
    expect(() => expiryOf({ 'expires-at': '2026-06-15T10:30:00Z' }, now)).toThrow('--expires-at must be in the future.');
    expect(() => expiryOf({ 'expires-in': '3', 'expires-at': '2027-01-31' }, now)).toThrow('Give --expires-in or --expires-at, not both.');
  });
});
