import type { CountryCode } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { normalizePhone } from '../../shared/core/addresses.js';
import { InvalidAddressError } from '../../shared/core/errors.js';

describe('normalizePhone', () => {
  it.each([
    ['+14155550100', '+14155550100'],
    ['+1 415 555 0100', '+14155550100'],
    ['+1 (415) 555-0100', '+14155550100'],
    ['  +14155550100\n', '+14155550100'],
    ['+447700900001', '+447700900001'],
    ['+44 7700 900001', '+447700900001'],
    ['+33 6 12 34 56 78', '+33612345678'],
    ['+81 90-1234-5678', '+819012345678'],
  ])('keeps the E.164 number %j as %s, whatever the default region', (raw, e164) => {
    expect(normalizePhone(raw, 'US')).toBe(e164);
    expect(normalizePhone(raw, 'GB')).toBe(e164);
  });

  it.each([
    ['(415) 555-0100', '+14155550100'],
    ['415-555-0100', '+14155550100'],
    ['415.555.0100', '+14155550100'],
    ['4155550100', '+14155550100'],
    ['1 415 555 0100', '+14155550100'],
    ['1-415-555-0100', '+14155550100'],
    ['011 44 7700 900001', '+447700900001'],
  ])('reads the national format %j with default region US as %s', (raw, e164) => {
    expect(normalizePhone(raw, 'US')).toBe(e164);
  });

  it.each([
    ['07700 900001', 'GB', '+447700900001'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['0044 7700 900001', 'GB', '+447700900001'],
    ['06 12 34 56 78', 'FR', '+33612345678'],
    ['4155550100', 'GB', '+444155550100'],
  ] as [string, CountryCode, string][])('reads %j with default region %s as %s', (raw, region, e164) => {
    expect(normalizePhone(raw, region)).toBe(e164);
  });

  // 07700 900xxx is Ofcom's range for drama, never a valid number, so a real-format mobile here.
  it.each([
    ['447911123456', '+447911123456'],
    ['14155550100', '+14155550100'],
    ['33612345678', '+33612345678'],
    ['819012345678', '+819012345678'],
  ])('reads the digits-only international number %j as %s', (raw, e164) => {
    expect(normalizePhone(raw, 'US')).toBe(e164);
    expect(normalizePhone(raw, 'DE')).toBe(e164);
  });

  it('gives the same E.164 for every written form of one number', () => {
    const forms = ['+14155550100', '14155550100', '(415) 555-0100', '415 555 0100', '+1.415.555.0100'];
    expect(new Set(forms.map((form) => normalizePhone(form, 'US')))).toEqual(new Set(['+14155550100']));
  });

  it.each([
    '',
    '   ',
    'hello',
    'MyBrand',
    '+',
    '123',
    '5555',
    '+1415555010',
    '+999123',
    '0044 7700 900001',
    '1-800-FLOWERS',
    'not a number 12',
    '0000000000000000',
  ])('throws InvalidAddressError for %j (default region US)', (raw) => {
    expect(() => normalizePhone(raw, 'US')).toThrow(InvalidAddressError);
  });

  it('reports an unreadable number as a 400 invalid-address problem without echoing it', () => {
    let caught: unknown;
    try {
      normalizePhone('+1 555 not-a-phone', 'US');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidAddressError);
    expect(caught).toMatchObject({ status: 400, slug: 'invalid-address' });
    expect((caught as InvalidAddressError).detail).not.toContain('555');
  });

  // Eleven bare digits are the ordinary national length of a Chinese mobile. They are read as
  // international only when that makes a valid number, which +1 381 234 5678 is not, so the number
  // has one address however it is written, and a STOP under one form suppresses the other.
  it('reads a digits-only national number as national when the default region says so (CN)', () => {
    expect(normalizePhone('138 1234 5678', 'CN')).toBe('+8613812345678');
    expect(normalizePhone('13812345678', 'CN')).toBe('+8613812345678');
    // Bare digits that do make a valid international number still read as one.
    expect(normalizePhone('447911123456', 'CN')).toBe('+447911123456');
  });
});
