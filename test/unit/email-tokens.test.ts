import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../shared/core/errors.js';
import { createUnsubscribeToken, InvalidUnsubscribeTokenError, parseTokenKeys, verifyUnsubscribeToken } from '../../shared/intake/email/tokens.js';

const KEY_A = randomBytes(32).toString('base64');
const KEY_B = randomBytes(32).toString('base64');
const ISSUED = new Date('2026-01-01T12:00:00Z');
const DAY = 86_400_000;

const keys = parseTokenKeys(`a:${KEY_A}`);
const verifyAt = (token: string, at: Date, maxAgeDays = 400, withKeys = keys) => verifyUnsubscribeToken(withKeys, token, at, maxAgeDays);

describe('unsubscribe tokens', () => {
  it('carry the normalized address, the topic and the issue time, URL-safe', () => {
    const token = createUnsubscribeToken(keys, '  Ann@Example.COM ', 'newsletter', ISSUED);
    expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(verifyAt(token, new Date(ISSUED.getTime() + DAY))).toEqual({ email: 'ann@example.com', purpose: 'newsletter', issuedAt: ISSUED, kid: 'a' });
  });

  it('is an HMAC-SHA256 over kid.payload, as an independent computation gives', () => {
    const token = createUnsubscribeToken(keys, 'ann@example.com', 'marketing', ISSUED);
    const [kid, payload, mac] = token.split('.');
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toEqual({ e: 'ann@example.com', p: 'marketing', t: ISSUED.getTime() / 1000 });
    expect(mac).toBe(createHmac('sha256', Buffer.from(KEY_A, 'base64')).update(`${kid}.${payload}`).digest('base64url'));
  });

  it('stays valid for more than a year, and expires after the configured age', () => {
    const token = createUnsubscribeToken(keys, 'ann@example.com', 'marketing', ISSUED);
    expect(() => verifyAt(token, new Date(ISSUED.getTime() + 399 * DAY))).not.toThrow();
    expect(() => verifyAt(token, new Date(ISSUED.getTime() + 401 * DAY))).toThrow(/expired/);
    expect(() => verifyAt(token, new Date(ISSUED.getTime() + 31 * DAY), 30)).toThrow(InvalidUnsubscribeTokenError);
  });

  it('rejects a change to any single character', () => {
    const token = createUnsubscribeToken(keys, 'ann@example.com', 'newsletter', ISSUED);
    const at = new Date(ISSUED.getTime() + DAY);
    for (let i = 0; i < token.length; i++) {
      const replacement = token[i] === 'A' ? 'B' : 'A';
      const tampered = token.slice(0, i) + replacement + token.slice(i + 1);
      expect(() => verifyAt(tampered, at), `position ${i}`).toThrow(InvalidUnsubscribeTokenError);
    }
  });

  it('cannot be turned into a token for another address or topic', () => {
    const token = createUnsubscribeToken(keys, 'ann@example.com', 'newsletter', ISSUED);
    const [kid, , mac] = token.split('.');
    for (const claims of [
      { e: 'bob@example.com', p: 'newsletter', t: ISSUED.getTime() / 1000 },
      { e: 'ann@example.com', p: 'marketing', t: ISSUED.getTime() / 1000 },
      { e: 'ann@example.com', p: 'newsletter', t: ISSUED.getTime() / 1000 + 1 },
    ]) {
      const forged = `${kid}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${mac}`;
      expect(() => verifyAt(forged, new Date(ISSUED.getTime() + DAY))).toThrow(/altered/);
    }
  });

  it('keeps verifying with a rotated-out key, and refuses unknown key ids', () => {
    const old = createUnsubscribeToken(keys, 'ann@example.com', 'marketing', ISSUED);
    const rotated = parseTokenKeys(`b:${KEY_B},a:${KEY_A}`);
    const fresh = createUnsubscribeToken(rotated, 'ann@example.com', 'marketing', ISSUED);
    const at = new Date(ISSUED.getTime() + DAY);
    expect(fresh.startsWith('b.')).toBe(true);
    expect(verifyAt(old, at, 400, rotated).kid).toBe('a');
    expect(() => verifyAt(fresh, at)).toThrow(/key this service does not hold/);
    expect(() => verifyAt(`b${old.slice(1)}`, at, 400, rotated)).toThrow(InvalidUnsubscribeTokenError);
  });

  it('refuses malformed and future-dated tokens', () => {
    for (const junk of ['', 'a', 'a.b', 'a.b.c.d', '..', `a..${'A'.repeat(43)}`]) expect(() => verifyAt(junk, ISSUED)).toThrow(InvalidUnsubscribeTokenError);
    const future = createUnsubscribeToken(keys, 'ann@example.com', 'marketing', new Date(ISSUED.getTime() + DAY));
    expect(() => verifyAt(future, ISSUED)).toThrow(/future/);
  });

  it('refuses weak, duplicate or missing keys as configuration errors', () => {
    expect(() => parseTokenKeys('a:c2hvcnQ=')).toThrow(ConfigurationError);
    expect(() => parseTokenKeys(`a:${KEY_A},a:${KEY_B}`)).toThrow(ConfigurationError);
    expect(() => parseTokenKeys(' , ')).toThrow(ConfigurationError);
    expect(() => parseTokenKeys(`bad kid:${KEY_A}`)).toThrow(ConfigurationError);
  });
});
