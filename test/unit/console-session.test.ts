import { describe, expect, it } from 'vitest';
import { ForbiddenError, UnauthenticatedError } from '../../shared/core/errors.js';
import {
  assertCsrf,
  can,
  clearedSessionCookie,
  cookieValue,
  csrfToken,
  newSession,
  openSession,
  requirePermission,
  roles,
  sealSession,
  sessionCookie,
  SESSION_SECONDS,
  type Permission,
  type Role,
} from '../../shared/console/session.js';

const KEY = 'a console session key of at least 32 characters';
const OTHER_KEY = 'another console session key, also 32 characters';
const at = new Date('2026-06-01T09:00:00Z');
const agent = { id: 'agent-ann', name: 'Ann', role: 'agent' as const, via: 'development' as const };

describe('console sessions', () => {
  it('opens what it sealed, until it expires', () => {
    const session = newSession(agent, at);
    const sealed = sealSession(session, KEY);
    expect(openSession(sealed, KEY, at)).toEqual(session);
    expect(openSession(sealed, KEY, new Date(at.getTime() + (SESSION_SECONDS - 1) * 1000)).id).toBe('agent-ann');
    expect(() => openSession(sealed, KEY, new Date(at.getTime() + SESSION_SECONDS * 1000))).toThrow(/expired/);
  });

  it('refuses a missing, forged or re-signed cookie with a 401', () => {
    const sealed = sealSession(newSession(agent, at), KEY);
    const [payload, signature] = sealed.split('.') as [string, string];
    // The role raised in the payload, the signature kept: refused.
    const raised = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'compliance-admin' })).toString('base64url');
    for (const cookie of [undefined, '', payload, `${raised}.${signature}`, `${payload}.${signature}x`, `${payload}.${signature}.extra`, 'not base64.at all']) {
      expect(() => openSession(cookie, KEY, at)).toThrow(UnauthenticatedError);
    }
    expect(() => openSession(sealed, OTHER_KEY, at)).toThrow(UnauthenticatedError);
  });

  it('binds the CSRF token to one sign-in: another session’s token, or none, is a 403', () => {
    const session = newSession(agent, at);
    const other = newSession(agent, at);
    expect(() => assertCsrf(session, KEY, csrfToken(session, KEY))).not.toThrow();
    for (const presented of [undefined, '', csrfToken(other, KEY), csrfToken(session, OTHER_KEY), `${csrfToken(session, KEY)}A`]) {
      expect(() => assertCsrf(session, KEY, presented)).toThrow(ForbiddenError);
    }
  });

  it('gives each role what the one before it has, and more', () => {
    const table: Record<Role, Permission[]> = { viewer: ['read'], agent: ['read', 'record'], 'compliance-admin': ['read', 'record', 'admin'] };
    for (const role of roles) {
      for (const permission of ['read', 'record', 'admin'] as const) {
        expect(can(role, permission)).toBe(table[role].includes(permission));
        if (!table[role].includes(permission)) expect(() => requirePermission({ role }, permission)).toThrow(ForbiddenError);
      }
    }
  });

  it('sets HttpOnly, SameSite and, over HTTPS, Secure with the __Host- prefix', () => {
    expect(sessionCookie('v', { secure: true, maxAgeSeconds: 60 })).toBe('__Host-optout-console=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure');
    expect(sessionCookie('v', { secure: false, maxAgeSeconds: 60 })).toBe('optout-console=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60');
    expect(clearedSessionCookie({ secure: true })).toContain('Max-Age=0');
  });

  it('reads a cookie by exact name among the ones the browser sends', () => {
    const cookies = ['optout-console-oidc=pending', 'optout-console=session.sig', 'other=1'];
    expect(cookieValue(cookies, 'optout-console')).toBe('session.sig');
    expect(cookieValue(cookies, 'optout')).toBeUndefined();
    expect(cookieValue(undefined, 'optout-console')).toBeUndefined();
  });
});
