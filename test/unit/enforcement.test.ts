import { describe, expect, it } from 'vitest';
import { answer, decodeCursor, encodeCursor, normalizeAll, summarize } from '../../shared/distribution/enforcement.js';
import { BadRequestError } from '../../shared/core/errors.js';
import { statusFor, type Suppression } from '../../shared/core/preferences.js';

const marketingOnly: Suppression = {
  channel: 'email',
  address: 'ana@example.com',
  personId: 'p-1',
  status: 'suppressed',
  purposes: { all: 'allowed', marketing: 'suppressed' },
  since: '2026-01-02T03:04:05.000Z',
  eventId: 'email.sendgrid.evt-1',
  version: 3,
  updatedAt: '2026-01-02T03:04:06.000Z',
};

describe('statusFor', () => {
  it('answers per purpose, falls back to `all`, and is strictest without a purpose', () => {
    expect(statusFor(marketingOnly, 'marketing')).toBe('suppressed');
    expect(statusFor(marketingOnly, 'newsletter')).toBe('allowed');
    expect(statusFor(marketingOnly, undefined)).toBe('suppressed');
    expect(statusFor(undefined, 'marketing')).toBe('allowed');
  });
});

describe('answer', () => {
  it('says why and since when an address is suppressed', () => {
    expect(answer('Ana@Example.com', 'ana@example.com', { found: marketingOnly }, 'marketing')).toEqual({
      input: 'Ana@Example.com',
      address: 'ana@example.com',
      sendable: false,
      suppressed: true,
      status: 'suppressed',
      reason: 'suppressed',
      since: '2026-01-02T03:04:05.000Z',
      eventId: 'email.sendgrid.evt-1',
      version: 3,
    });
  });

  it('lets an address with no item be contacted', () => {
    expect(answer('x', 'bo@example.com', { found: undefined }, 'marketing')).toMatchObject({ sendable: true, suppressed: false, reason: null, version: 0 });
  });

  it('fails closed when the store did not answer, or gave no answer at all', () => {
    expect(answer('x', 'bo@example.com', { failed: 'The store did not answer.' }, 'marketing')).toMatchObject({
      sendable: false,
      suppressed: null,
      reason: 'check-failed',
      detail: 'The store did not answer.',
    });
    expect(answer('x', 'bo@example.com', undefined, undefined)).toMatchObject({ sendable: false, reason: 'check-failed' });
  });
});

describe('normalizeAll', () => {
  it('normalizes like the single check and reports an invalid address without failing the rest', () => {
    const [good, bad] = normalizeAll('sms', ['(415) 555-0100', 'not a phone'], 'US');
    expect(good).toEqual({ input: '(415) 555-0100', address: '+14155550100' });
    expect(bad).toMatchObject({ input: 'not a phone', address: null, sendable: false, reason: 'invalid-address' });
    expect((bad as { detail: string }).detail).toBeTruthy();
  });
});

describe('summarize', () => {
  it('counts each kind of answer once', () => {
    const results = [
      answer('a', 'a@example.com', { found: undefined }, undefined),
      answer('b', 'b@example.com', { found: marketingOnly }, undefined),
      answer('c', 'c@example.com', { failed: 'down' }, undefined),
      ...normalizeAll('email', ['nope'], 'US').filter((entry) => 'sendable' in entry),
    ] as Parameters<typeof summarize>[0];
    expect(summarize(results)).toEqual({ sendable: 1, suppressed: 1, invalid: 1, failed: 1 });
  });
});

describe('export cursors', () => {
  it('round-trips a change key and is opaque URL-safe text', () => {
    const key = '001767323046000#ana@example.com#0000000003';
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toBe(key);
  });

  it('refuses a cursor it did not issue', () => {
    for (const bad of ['', 'abc', Buffer.from('000001#x').toString('base64url'), 'not base64!', encodeCursor('x#y').slice(0, -2)]) {
      expect(() => decodeCursor(bad), bad).toThrow(BadRequestError);
    }
  });
});
