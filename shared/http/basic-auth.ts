import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidCredentialsError, UnauthenticatedError } from '../core/errors.js';
import type { WebhookRequest } from './webhook.js';

/**
 * HTTP Basic credentials on provider callbacks (RFC 7617). Bandwidth offers nothing else, and it is
 * one of Sinch's options. Basic authenticates the caller only: unlike a signature it says nothing
 * about the body, so its integrity rests on TLS.
 */

export const BASIC_REALM = 'optout-hub';

/**
 * The challenge a 401 should carry in WWW-Authenticate. Some callers send credentials only after
 * being challenged (whether Bandwidth and Sinch send them pre-emptively is not documented), and a
 * 401 without this header gives such a caller nothing to answer.
 */
export const BASIC_CHALLENGE = `Basic realm="${BASIC_REALM}", charset="UTF-8"`;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Constant-time string equality. Both sides are hashed first so the comparison is always of 32
 * bytes: timingSafeEqual needs equal lengths, and comparing lengths first would leak them.
 */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

export interface BasicCredentials {
  username: string;
  password: string;
}

const TOKEN68_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The credentials of an `Authorization: Basic …` header; undefined when absent or another scheme. */
export function basicCredentials(authorization: string | undefined): BasicCredentials | undefined {
  const match = /^basic[ ]+(\S+)[ ]*$/i.exec(authorization ?? '');
  if (!match || !TOKEN68_BASE64.test(match[1]!)) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  // The user-id cannot contain a colon (RFC 7617 §2); the password can.
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Checks the request's Basic credentials against the configured ones; missing, malformed or wrong
 * credentials are all a 401 carrying the WWW-Authenticate challenge. Both fields are always
 * compared, so the time taken does not say which one was wrong.
 */
export function verifyBasicAuth(request: WebhookRequest, expected: BasicCredentials, provider: string): void {
  const given = basicCredentials(request.headers.authorization);
  if (!given) {
    throw new UnauthenticatedError(`${provider} callbacks need HTTP Basic credentials.`).withHeader('www-authenticate', BASIC_CHALLENGE);
  }
  const usernameMatches = safeEqual(given.username, expected.username);
  const passwordMatches = safeEqual(given.password, expected.password);
  if (!(usernameMatches && passwordMatches)) {
    throw new InvalidCredentialsError(`The HTTP Basic credentials are not the ones configured for ${provider} callbacks.`).withHeader(
      'www-authenticate',
      BASIC_CHALLENGE,
    );
  }
}
