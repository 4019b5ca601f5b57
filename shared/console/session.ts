import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, UnauthenticatedError } from '../core/errors.js';

/**
 * Who is signed in to the console, and what they may do. A session is a signed cookie (HMAC-SHA256
 * with CONSOLE_SESSION_KEY): nothing is stored server-side, and a cookie changed by one bit is
 * refused. Every state-changing request also carries a CSRF token derived from the session, so a
 * page on another site cannot act with the cookie the browser sends along.
 */

export const roles = ['viewer', 'agent', 'compliance-admin'] as const;
export type Role = (typeof roles)[number];

/** What a role may do; each role may do everything the one before it may. */
export type Permission = 'read' | 'record' | 'admin';

const granted: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  agent: ['read', 'record'],
  'compliance-admin': ['read', 'record', 'admin'],
};

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (roles as readonly string[]).includes(value);

export function can(role: Role, permission: Permission): boolean {
  return granted[role].includes(permission);
}

export interface ConsoleUser {
  /** Stable id of the signed-in user (the OIDC `sub`, or the development user name). */
  id: string;
  /** What the pages show: a name or email from the provider, else the id. */
  name: string;
  role: Role;
  /** `oidc` or `development`: recorded beside every action. */
  via: 'oidc' | 'development';
}

export interface Session extends ConsoleUser {
  /** Random per sign-in: the CSRF token is bound to it. */
  sid: string;
  issuedAt: number;
  expiresAt: number;
}

/** Sessions last a working day; then the user signs in again. */
export const SESSION_SECONDS = 8 * 3600;

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');
const mac = (key: string, purpose: string, data: string) => createHmac('sha256', key).update(`${purpose}\n${data}`).digest();

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function newSession(user: ConsoleUser, now: Date): Session {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return { ...user, sid: randomBytes(16).toString('base64url'), issuedAt, expiresAt: issuedAt + SESSION_SECONDS };
}

/** The cookie value: the session as base64url JSON, a dot, and its HMAC. */
export function sealSession(session: Session, key: string): string {
  const payload = b64(JSON.stringify(session));
  return `${payload}.${b64(mac(key, 'session', payload))}`;
}

/** The session a cookie value holds, or a 401 when it is missing, forged, malformed or expired. */
export function openSession(sealed: string | undefined, key: string, now: Date): Session {
  if (!sealed) throw new UnauthenticatedError('Sign in to use the console.');
  const [payload, signature, extra] = sealed.split('.');
  if (!payload || !signature || extra !== undefined || !sameBytes(Buffer.from(signature, 'base64url'), mac(key, 'session', payload))) {
    throw new UnauthenticatedError('The console session is not valid; sign in again.');
  }
  let session: Session;
  try {
    session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Session;
  } catch {
    throw new UnauthenticatedError('The console session is not valid; sign in again.');
  }
  if (!isRole(session.role) || typeof session.id !== 'string' || typeof session.sid !== 'string' || typeof session.expiresAt !== 'number') {
    throw new UnauthenticatedError('The console session is not valid; sign in again.');
  }
  if (session.expiresAt * 1000 <= now.getTime()) throw new UnauthenticatedError('The console session has expired; sign in again.');
  return session;
}

/** The token every form of this session carries (synchronizer token, derived rather than stored). */
export function csrfToken(session: Pick<Session, 'sid'>, key: string): string {
  return b64(mac(key, 'csrf', session.sid));
}

/** Refuses a state change whose form does not carry this session's CSRF token (403). */
export function assertCsrf(session: Pick<Session, 'sid'>, key: string, presented: string | undefined): void {
  if (!presented || !sameBytes(Buffer.from(presented, 'base64url'), mac(key, 'csrf', session.sid))) {
    throw new ForbiddenError('The form is missing its CSRF token or it does not match this session; reload the page and try again.');
  }
}

/** Refuses an action the signed-in role does not allow (403). */
export function requirePermission(session: Pick<Session, 'role'>, permission: Permission): void {
  if (!can(session.role, permission)) {
    throw new ForbiddenError(`The ${session.role} role may not do this; it needs a role that may ${permission}.`);
  }
}

export interface CookieOptions {
  /** Served over HTTPS (always on AWS): the cookie is Secure and takes the `__Host-` prefix. */
  secure: boolean;
}

/** `__Host-` makes the browser refuse the cookie unless it is Secure, host-only and for Path=/. */
export function sessionCookieName(options: CookieOptions): string {
  return options.secure ? '__Host-optout-console' : 'optout-console';
}

/**
 * The Set-Cookie value. HttpOnly: no script reads it. SameSite=Lax: sent on top-level navigations
 * (the return from the sign-in provider) but never on another site's POST; the CSRF token covers
 * the rest. Path=/ because `__Host-` demands it.
 */
export function sessionCookie(value: string, options: CookieOptions & { maxAgeSeconds: number }): string {
  const parts = [`${sessionCookieName(options)}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${options.maxAgeSeconds}`];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

export function clearedSessionCookie(options: CookieOptions): string {
  return sessionCookie('', { ...options, maxAgeSeconds: 0 });
}

/** A cookie's value from the request's cookies (API Gateway v2 passes them as `name=value` strings). */
export function cookieValue(cookies: readonly string[] | undefined, name: string): string | undefined {
  for (const cookie of cookies ?? []) {
    const at = cookie.indexOf('=');
    if (at > 0 && cookie.slice(0, at).trim() === name) return cookie.slice(at + 1).trim();
  }
  return undefined;
}
