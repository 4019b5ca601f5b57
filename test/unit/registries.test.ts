import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideContact, type ContactFacts } from '../../shared/core/contact-decision.js';
import { BadRequestError, ConfigurationError } from '../../shared/core/errors.js';
import { consentDate, exemptionApplies, expiresOn, type Exemption } from '../../shared/core/exemptions.js';
import {
  applyChanges,
  BITMAP_BYTES,
  blockHas,
  decodeBlock,
  encodeBlock,
  isStale,
  listingReason,
  parseListName,
  parseRegistryLine,
  refreshRule,
  SPARSE_LIMIT,
} from '../../shared/core/registries.js';

describe('registry lines', () => {
  it('reads ten-digit and area-code,number lines, with or without a change action', () => {
    expect(parseRegistryLine('2125550123', false)).toEqual({ number: '2125550123' });
    expect(parseRegistryLine(' 212,5550123 \r', false)).toEqual({ number: '2125550123' });
    expect(parseRegistryLine('212,5550123,D', true)).toEqual({ number: '2125550123', action: 'delete' });
    expect(parseRegistryLine('2125550123,A', true)).toEqual({ number: '2125550123', action: 'add' });
    expect(parseRegistryLine('', false)).toEqual({ skip: true });
    expect(parseRegistryLine('AreaCode,PhoneNumber', false)).toEqual({ skip: true });
  });

  it('reports what is wrong with a malformed line', () => {
    expect(parseRegistryLine('212555012', false)).toHaveProperty('error');
    expect(parseRegistryLine('1125550123', false)).toHaveProperty('error');
    expect(parseRegistryLine('2121550123', false)).toHaveProperty('error');
    expect(parseRegistryLine('2125550123', true)).toHaveProperty('error');
    expect(parseRegistryLine('2125550123,X', true)).toHaveProperty('error');
    expect(parseRegistryLine('21,25550123', false)).toHaveProperty('error');
  });
});

describe('list names', () => {
  it('knows the national, state, litigator and internal lists, and their reasons', () => {
    expect(listingReason(parseListName('national'))).toBe('national-dnc');
    expect(listingReason(parseListName('state:fl'))).toBe('state-dnc:FL');
    expect(listingReason(parseListName('litigator'))).toBe('litigator');
    expect(listingReason(parseListName('former-customers'))).toBe('internal-list:former-customers');
    expect(() => parseListName('state:XX')).toThrow(BadRequestError);
    expect(() => parseListName('Bad Name')).toThrow(BadRequestError);
  });
});

describe('blocks', () => {
  it('stores few numbers as a sorted list and many as a bitmap, whichever is smaller', () => {
    const sparse = encodeBlock([9999, 0, 123])!;
    expect(sparse).toMatchObject({ format: 's', count: 3 });
    expect(sparse.data.length).toBe(6);
    const dense = encodeBlock(Array.from({ length: SPARSE_LIMIT }, (_, i) => i * 3))!;
    expect(dense.format).toBe('b');
    expect(dense.data.length).toBe(BITMAP_BYTES);
    expect(encodeBlock([])).toBeUndefined();
  });

  it('property: after any sequence of deltas a block answers exactly like the set it represents', () => {
    const place = fc.integer({ min: 0, max: 9999 });
    const delta = fc.array(fc.record({ place: fc.oneof(place, fc.integer({ min: 0, max: 20 })), action: fc.constantFrom('add' as const, 'delete' as const) }), {
      maxLength: 800,
    });
    fc.assert(
      fc.property(fc.array(place, { maxLength: 1500 }), fc.array(delta, { maxLength: 5 }), fc.array(place, { maxLength: 50 }), (full, deltas, probes) => {
        const model = new Set(full);
        let block = encodeBlock(full);
        for (const changes of deltas) {
          for (const change of changes) {
            if (change.action === 'add') model.add(change.place);
            else model.delete(change.place);
          }
          block = applyChanges(block, changes);
        }
        expect(block ? decodeBlock(block) : []).toEqual([...model].sort((a, b) => a - b));
        expect(block?.count ?? 0).toBe(model.size);
        for (const probe of [...probes, ...full.slice(0, 20)]) expect(block ? blockHas(block, probe) : false).toBe(model.has(probe));
      }),
      { numRuns: 150 },
    );
  });
});

describe('staleness', () => {
  it('the national list may be relied on for 31 days after its as-of date, and no longer', () => {
    const rule = refreshRule(undefined);
    const national = parseListName('national');
    expect(isStale('2026-01-01', rule(national), new Date('2026-02-01T23:59:59Z'))).toBe(false);
    expect(isStale('2026-01-01', rule(national), new Date('2026-02-02T00:00:00Z'))).toBe(true);
    expect(rule(parseListName('litigator'))).toBeUndefined();
    expect(isStale('2020-01-01', undefined, new Date())).toBe(false);
  });

  it('REGISTRY_REFRESH_DAYS sets a list’s rule, all states’, or fails loudly', () => {
    const rule = refreshRule('state=30,state:FL=14,litigator=7');
    expect(rule(parseListName('state:FL'))).toBe(14);
    expect(rule(parseListName('state:TX'))).toBe(30);
    expect(rule(parseListName('litigator'))).toBe(7);
    expect(rule(parseListName('national'))).toBe(31);
    expect(() => refreshRule('national=soon')).toThrow(ConfigurationError);
    expect(() => refreshRule('Bad Name=3')).toThrow(ConfigurationError);
  });
});

describe('exemptions', () => {
  it('an established business relationship lasts 18 months after a transaction and 3 after an inquiry', () => {
    expect(expiresOn({ kind: 'ebr-transaction', date: '2025-08-31', evidence: 'order 1' })).toBe('2027-02-28');
    expect(expiresOn({ kind: 'ebr-inquiry', date: '2026-01-15', evidence: 'web form 7' })).toBe('2026-04-15');
    const inquiry = { date: '2026-01-15', expiresOn: '2026-04-15' };
    expect(exemptionApplies(inquiry, '2026-04-14')).toBe(true);
    expect(exemptionApplies(inquiry, '2026-04-15')).toBe(false);
    expect(exemptionApplies(inquiry, '2026-01-14')).toBe(false);
  });

  it('written consent lasts until revoked; the latest consent in force is the one the reassigned query uses', () => {
    expect(expiresOn({ kind: 'written-consent', date: '2024-01-01', evidence: 'form 1' })).toBeNull();
    expect(expiresOn({ kind: 'written-consent', date: '2024-01-01', evidence: 'form 1', revokedOn: '2025-01-01' })).toBe('2025-01-01');
    const consents: Exemption[] = [
      { kind: 'written-consent', date: '2023-05-01', evidence: 'a', expiresOn: null, recordedAt: '' },
      { kind: 'written-consent', date: '2025-03-01', evidence: 'b', expiresOn: null, recordedAt: '' },
      { kind: 'ebr-transaction', date: '2025-06-01', evidence: 'c', expiresOn: '2026-12-01', recordedAt: '' },
    ];
    expect(consentDate(consents, '2026-01-01')).toBe('2025-03-01');
    expect(() => expiresOn({ kind: 'ebr-inquiry', date: '2026-02-30', evidence: 'x' })).toThrow(BadRequestError);
  });
});

describe('the combined decision', () => {
  const open = { allowed: true, outsideOf: [], nextAllowedAt: '2026-01-14T15:00:00.000Z', rules: [] };
  const closed = { allowed: false, outsideOf: ['US'], nextAllowedAt: '2026-01-15T13:00:00.000Z', rules: [] };
  const at = new Date('2026-01-14T15:00:00Z');
  const ebr: Exemption = { kind: 'ebr-transaction', date: '2025-12-01', evidence: 'order 42', expiresOn: '2027-06-01', recordedAt: '' };
  const facts = (overrides: Partial<ContactFacts>): ContactFacts => ({
    optedOut: false,
    lists: [],
    exemptions: [],
    window: open,
    localDate: '2026-01-14',
    reassigned: 'not-checked',
    solicitation: true,
    staleFailsClosed: true,
    failures: [],
    ...overrides,
  });
  const listed = (name: string, stale = false) => ({ list: parseListName(name), asOf: '2026-01-01', stale, listed: true });

  it('allows a number on no list, inside the window, with nextAllowedAt the instant asked about', () => {
    expect(decideContact(facts({}), at)).toMatchObject({ allowed: true, reasons: [], nextAllowedAt: at.toISOString() });
  });

  it('an exemption lifts the national and state lists, never the internal opt-out, the litigator or an internal list', () => {
    const decision = decideContact(
      facts({ optedOut: true, exemptions: [ebr], lists: [listed('national'), listed('state:FL'), listed('litigator'), listed('no-call-backs')] }),
      at,
    );
    expect(decision.reasons).toEqual(['internal-opt-out', 'litigator', 'internal-list:no-call-backs']);
    expect(decision.exemptionsApplied).toEqual([
      { kind: 'ebr-transaction', date: '2025-12-01', evidence: 'order 42', expiresOn: '2027-06-01', exempts: ['national-dnc', 'state-dnc:FL'] },
    ]);
    expect(decision.listedOn).toEqual(['national-dnc', 'state-dnc:FL', 'litigator', 'internal-list:no-call-backs']);
    expect(decision.nextAllowedAt).toBeNull();
  });

  it('an expired relationship exempts nothing', () => {
    const expired = { ...ebr, date: '2024-01-01', expiresOn: '2025-07-01' };
    expect(decideContact(facts({ exemptions: [expired], lists: [listed('national')] }), at).reasons).toEqual(['national-dnc']);
  });

  it('only the window blocking gives its next opening', () => {
    expect(decideContact(facts({ window: closed }), at)).toMatchObject({
      allowed: false,
      reasons: ['outside-calling-window'],
      nextAllowedAt: closed.nextAllowedAt,
    });
    expect(decideContact(facts({ window: closed, reassigned: 'yes' }), at)).toMatchObject({
      reasons: ['outside-calling-window', 'reassigned'],
      nextAllowedAt: null,
    });
  });

  it('a stale list blocks when configured to fail closed, and is reported either way', () => {
    const stale = { ...listed('national', true), listed: false };
    expect(decideContact(facts({ lists: [stale] }), at)).toMatchObject({
      allowed: false,
      reasons: ['list-stale'],
      staleLists: [{ list: 'national', asOf: '2026-01-01' }],
    });
    expect(decideContact(facts({ lists: [stale], staleFailsClosed: false }), at)).toMatchObject({ allowed: true, staleLists: [{ list: 'national' }] });
  });

  it('fails closed on any source that did not answer', () => {
    expect(decideContact(facts({ optedOut: null }), at).reasons).toEqual(['check-failed']);
    expect(decideContact(facts({ lists: null }), at).reasons).toEqual(['check-failed']);
    expect(decideContact(facts({ lists: [{ ...listed('national'), listed: null }] }), at).reasons).toEqual(['check-failed']);
    expect(decideContact(facts({ reassigned: { failed: 'timeout' } }), at)).toMatchObject({ reasons: ['check-failed'], failures: ['timeout'] });
  });

  it('informational calls are not held to the national and state lists', () => {
    expect(decideContact(facts({ solicitation: false, lists: [listed('national'), listed('litigator')] }), at).reasons).toEqual(['litigator']);
  });
});
