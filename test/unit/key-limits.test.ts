import { describe, expect, it } from 'vitest';
import { BadRequestError, InvalidAddressError } from '../../shared/core/errors.js';
import {
  MAX_PERSON_ID_LENGTH,
  MAX_POSTAL_KEY_LENGTH,
  normalizeChannelAddress,
  normalizeEmail,
  normalizeExternalId,
  normalizePostal,
  POSTAL_LIMITS,
  subjectIdentities,
} from '../../shared/core/identity.js';
import { isWellFormed, keyText } from '../../shared/core/text.js';
import { eventIdPart } from '../../shared/intake/email/events.js';
import { recordRequestBatch } from '../../shared/intake/requests/batch.js';
import { requestSchema } from '../../shared/intake/requests/requests.js';
import { mergeSchema } from '../../shared/record/people.js';
import type { StoreContext } from '../../shared/store/clients.js';

/**
 * Text that becomes part of a key is well-formed Unicode and bounded, or a 400 naming the field.
 * DynamoDB stores strings as UTF-8, where an unpaired surrogate becomes U+FFFD: `…-\ud800` and
 * `…-\ud801` would be one key, and one phone's opt-out would answer as a duplicate of another's.
 */

const LONE = ['\ud800', '\udbff', '\udc00', '\udfff', 'a\ud800b', '\udc00\ud800'];

describe('isWellFormed and keyText', () => {
  it('tells unpaired surrogates from pairs, as String.prototype.isWellFormed does', () => {
    for (const text of LONE) expect(isWellFormed(text)).toBe(false);
    for (const text of ['', 'plain', 'é', '😀', 'a😀b', '中文']) expect(isWellFormed(text)).toBe(true);
    for (const text of [...LONE, 'a😀b']) expect(isWellFormed(text)).toBe((text as unknown as { isWellFormed(): boolean }).isWellFormed());
  });

  it('refuses with a 400 naming the field', () => {
    expect(() => keyText('requestId', 'r-\ud800', 10)).toThrow(expect.objectContaining({ status: 400, extensions: { field: 'requestId' } }));
    expect(() => keyText('id', 'x'.repeat(11), 10)).toThrow(expect.objectContaining({ status: 400, extensions: { field: 'id', maxLength: 10 } }));
    expect(keyText('id', 'x'.repeat(10), 10)).toBe('x'.repeat(10));
  });
});

describe('POST /v1/requests', () => {
  const body = (overrides: Record<string, unknown>) => ({
    requestId: 'letter-1',
    kind: 'opt-out',
    channels: ['sms'],
    subject: { phone: '+14155550100' },
    occurredAt: '2024-04-28T09:00:00Z',
    source: 'mail',
    ...overrides,
  });
  const paths = (value: unknown) => {
    const result = requestSchema.safeParse(value);
    return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
  };

  it('refuses request ids that differ only in an unpaired surrogate, naming requestId', () => {
    expect(paths(body({ requestId: 'letter-\ud800' }))).toEqual(['requestId']);
    expect(paths(body({ requestId: 'letter-\ud801' }))).toEqual(['requestId']);
    expect(paths(body({ requestId: 'letter-😀' }))).toEqual([]);
  });

  it.each(['phone', 'email', 'externalId'])('refuses a subject %s with an unpaired surrogate, naming it', (field) => {
    expect(paths(body({ subject: { [field]: 'ana\ud800@example.com' } }))).toEqual([`subject.${field}`]);
  });

  it('names the postal field that is too long, or not well-formed', () => {
    const postal = { line1: 'L'.repeat(3000), city: 'Springfield', postalCode: '62701' };
    expect(paths(body({ channels: ['mail'], subject: { postal } }))).toEqual(['subject.postal.line1']);
    expect(paths(body({ channels: ['mail'], subject: { postal: { ...postal, line1: '1 Main St', city: 'Spring\ud800field' } } }))).toEqual([
      'subject.postal.city',
    ]);
    expect(() => normalizePostal({ ...postal, line1: '1 Main St \udc00' })).toThrow(InvalidAddressError);
  });

  it('answers a batch item with an unpaired surrogate 400 and writes nothing for it', async () => {
    const store = {} as StoreContext; // never reached: the item is refused before any write
    const context = { receivedAt: new Date('2024-05-01T00:00:00Z'), defaultRegion: 'US' as const };
    const [result] = await recordRequestBatch(store, [body({ requestId: 'b-\udfff' })], context);
    expect(result).toMatchObject({ status: 400 });
  });
});

describe('identities', () => {
  it('refuses an email or external id with an unpaired surrogate (400)', () => {
    for (const lone of LONE) {
      expect(() => normalizeEmail(`ana${lone}@example.com`)).toThrow(InvalidAddressError);
      expect(() => normalizeExternalId(`crm-${lone}`)).toThrow(InvalidAddressError);
    }
    expect(normalizeEmail('añá😀@example.com')).toBe('añá😀@example.com');
  });

  it(`bounds each postal field (lines ${POSTAL_LIMITS.line}, city ${POSTAL_LIMITS.city}, postal code ${POSTAL_LIMITS.postalCode})`, () => {
    const address = { line1: '1 Main St', city: 'Springfield', state: 'IL', postalCode: '62701' };
    expect(normalizePostal({ ...address, line1: `1 ${'M'.repeat(POSTAL_LIMITS.line - 2)}` })).toMatch(/^1 M+\|/);
    for (const long of [
      { line1: 'L'.repeat(POSTAL_LIMITS.line + 1) },
      { line2: 'L'.repeat(3000) },
      { city: 'C'.repeat(POSTAL_LIMITS.city + 1) },
      { state: 'S'.repeat(POSTAL_LIMITS.state + 1) },
      { postalCode: '1'.repeat(POSTAL_LIMITS.postalCode + 1), country: 'GB' },
    ]) {
      expect(() => normalizePostal({ ...address, ...long })).toThrow(InvalidAddressError);
    }
  });

  it(`bounds the postal key at ${MAX_POSTAL_KEY_LENGTH} characters, however far its letters decompose`, () => {
    // Ⅷ (U+2167, ROMAN NUMERAL EIGHT) decomposes (NFKD) into the four letters VIII: 150 of them are 600.
    const address = { line1: '\u2167'.repeat(150), city: 'Springfield', postalCode: '62701' };
    expect(() => normalizePostal(address)).toThrow(/longer than 512 characters/);
  });

  it('answers a 3,000-character mail key in a check with a 400, before the store', () => {
    const attempt = () => normalizeChannelAddress('mail', `${'A'.repeat(3000)}|SPRINGFIELD|IL|62701|US`, 'US');
    expect(attempt).toThrow(InvalidAddressError);
    expect(attempt).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('refuses a subject whose identities are not well-formed before normalizing them', () => {
    expect(() => subjectIdentities({ externalId: 'x\ud800' }, 'US')).toThrow(BadRequestError);
  });
});

describe('person ids and provider event ids', () => {
  it(`bounds a merge's person ids at ${MAX_PERSON_ID_LENGTH} characters of well-formed Unicode`, () => {
    expect(mergeSchema.safeParse({ survivorId: 'p-1', mergedId: 'p-2' }).success).toBe(true);
    expect(mergeSchema.safeParse({ survivorId: 'p'.repeat(4000), mergedId: 'p-2' }).success).toBe(false);
    expect(mergeSchema.safeParse({ survivorId: 'p-1', mergedId: 'p-\ud800' }).success).toBe(false);
  });

  it('refuses an email provider event id with an unpaired surrogate rather than hashing it into a collision', () => {
    expect(() => eventIdPart('evt-\ud800')).toThrow(BadRequestError);
    expect(eventIdPart('evt-\ud800x'.replace('\ud800', '😀'))).toMatch(/^[0-9a-f]{64}$/);
    expect(eventIdPart('evt_1')).toBe('evt_1');
  });
});
