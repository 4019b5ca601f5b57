import { createHash, createHmac, createPublicKey, randomBytes, timingSafeEqual, verify, type JsonWebKey } from 'node:crypto';
import { ConfigurationError, DependencyError, ForbiddenError, UnauthenticatedError } from '../core/errors.js';
import { isRole, roles, type ConsoleUser, type Role } from './session.js';

/**
 * Sign-in to the console through any OpenID Connect provider (a Cognito user pool, Entra ID, Okta,
 * Google Workspace, Keycloak…): the authorization code flow with PKCE (RFC 7636), a `state` and a
 * `nonce` kept in a short-lived signed cookie, the code exchanged at the token endpoint, and the
 * ID token's RS256/ES256 signature checked against the provider's published keys (OpenID Connect
 * Core 1.0 §3.1.3.7). The user's role comes from a claim holding groups (Cognito: `cognito:groups`).
 */

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  rolesClaim: string;
  scopes: string;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

/** The signed-in attempt, kept in a cookie between the redirect to the provider and its return. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  expiresAt: number;
}

/** A sign-in must come back within ten minutes. */
export const PENDING_SECONDS = 600;
const TIMEOUT_MS = 5000;

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');
const mac = (key: string, data: string) => createHmac('sha256', key).update(`oidc\n${data}`).digest();

let discovered: { issuer: string; at: number; value: Discovery } | undefined;
let keySet: { uri: string; at: number; keys: JsonWebKey[] } | undefined;
const CACHE_MS = 3600_000;

async function getJson(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new DependencyError('The sign-in provider did not answer.', {}, error);
  }
  if (response.status >= 500) throw new DependencyError(`The sign-in provider answered ${response.status}.`);
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!response.ok || !body) throw new UnauthenticatedError(`The sign-in provider refused (${response.status}${body?.error ? ` ${String(body.error)}` : ''}).`);
  return body;
}

export async function discover(settings: OidcSettings): Promise<Discovery> {
  if (discovered?.issuer === settings.issuer && Date.now() - discovered.at < CACHE_MS) return discovered.value;
  const document = (await getJson(`${settings.issuer}/.well-known/openid-configuration`)) as unknown as Discovery;
  // OpenID Connect Discovery 1.0 §4.3: the issuer in the document is the one asked for, exactly.
  if (document.issuer !== settings.issuer)
    throw new ConfigurationError(`The provider's discovery document names issuer ${document.issuer}, not ${settings.issuer}.`);
  discovered = { issuer: settings.issuer, at: Date.now(), value: document };
  return document;
}

export function sealPending(pending: PendingSignIn, key: string): string {
  const payload = b64(JSON.stringify(pending));
  return `${payload}.${b64(mac(key, payload))}`;
}

export function openPending(sealed: string | undefined, key: string, now: Date): PendingSignIn {
  const [payload, signature] = (sealed ?? '').split('.');
  const expected = payload ? mac(key, payload) : undefined;
  const presented = Buffer.from(signature ?? '', 'base64url');
  if (!payload || !expected || presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    throw new UnauthenticatedError('The sign-in did not start here or took too long; start again.');
  }
  const pending = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PendingSignIn;
  if (pending.expiresAt * 1000 <= now.getTime()) throw new UnauthenticatedError('The sign-in took too long; start again.');
  return pending;
}

/** Where to send the browser, and the attempt to remember. */
export async function startSignIn(settings: OidcSettings, redirectUri: string, now: Date): Promise<{ location: string; pending: PendingSignIn }> {
  const provider = await discover(settings);
  const pending: PendingSignIn = {
    state: b64(randomBytes(24)),
    nonce: b64(randomBytes(24)),
    verifier: b64(randomBytes(32)),
    expiresAt: Math.floor(now.getTime() / 1000) + PENDING_SECONDS,
  };
  const url = new URL(provider.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: redirectUri,
    scope: settings.scopes,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: b64(createHash('sha256').update(pending.verifier).digest()),
    code_challenge_method: 'S256',
  }).toString();
  return { location: url.toString(), pending };
}

function decodePart(part: string | undefined): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new UnauthenticatedError('The ID token is not a JWT.');
  }
}

async function signingKey(provider: Discovery, kid: unknown): Promise<JsonWebKey> {
  const find = () => keySet?.keys.find((key) => (key as { kid?: unknown }).kid === kid);
  if (keySet?.uri !== provider.jwks_uri || Date.now() - keySet.at > CACHE_MS || !find()) {
    const document = await getJson(provider.jwks_uri);
    keySet = { uri: provider.jwks_uri, at: Date.now(), keys: (document.keys as JsonWebKey[]) ?? [] };
  }
  const key = find();
  if (!key) throw new UnauthenticatedError('The ID token is signed with a key the provider does not publish.');
  return key;
}

const algorithms: Record<string, { hash: string; dsaEncoding?: 'ieee-p1363' }> = {
  RS256: { hash: 'sha256' },
  ES256: { hash: 'sha256', dsaEncoding: 'ieee-p1363' },
};

/** The ID token's claims, once its signature, issuer, audience, expiry and nonce are checked. */
export async function verifyIdToken(settings: OidcSettings, provider: Discovery, token: string, nonce: string, now: Date): Promise<Record<string, unknown>> {
  const [head, body, signature, extra] = token.split('.');
  if (!head || !body || !signature || extra !== undefined) throw new UnauthenticatedError('The ID token is not a JWT.');
  const header = decodePart(head);
  const algorithm = algorithms[String(header.alg)];
  // alg is never trusted to choose `none` or HMAC with a public key: only the listed ones.
  if (!algorithm) throw new UnauthenticatedError(`The ID token's algorithm ${String(header.alg)} is not accepted.`);
  const jwk = await signingKey(provider, header.kid);
  const valid = verify(
    algorithm.hash,
    Buffer.from(`${head}.${body}`),
    { key: createPublicKey({ key: jwk, format: 'jwk' }), ...(algorithm.dsaEncoding ? { dsaEncoding: algorithm.dsaEncoding } : {}) },
    Buffer.from(signature, 'base64url'),
  );
  if (!valid) throw new UnauthenticatedError('The ID token signature is not valid.');
  const claims = decodePart(body);
  const seconds = now.getTime() / 1000;
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== settings.issuer) throw new UnauthenticatedError('The ID token is from another issuer.');
  if (!audience.includes(settings.clientId)) throw new UnauthenticatedError('The ID token is for another client.');
  if (typeof claims.exp !== 'number' || claims.exp + 60 < seconds) throw new UnauthenticatedError('The ID token has expired.');
  if (claims.nonce !== nonce) throw new UnauthenticatedError('The ID token does not answer this sign-in.');
  if (typeof claims.sub !== 'string' || !claims.sub) throw new UnauthenticatedError('The ID token names no subject.');
  return claims;
}

/** The highest console role among the values of the roles claim (a list, or one space- or comma-separated string). */
export function roleFromClaims(claims: Record<string, unknown>, claim: string): Role {
  const value = claims[claim];
  const values = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  const held = roles.filter((role) => values.includes(role));
  const role = held.at(-1);
  if (!role || !isRole(role)) {
    throw new ForbiddenError(
      `Your account has none of the console roles (${roles.join(', ')}) in its "${claim}" claim; ask an administrator to add you to a group.`,
    );
  }
  return role;
}

/** The provider's return: the code exchanged, the ID token checked, the user and role read. */
export async function finishSignIn(
  settings: OidcSettings,
  pending: PendingSignIn,
  returned: { code?: string; state?: string; error?: string },
  redirectUri: string,
  now: Date,
): Promise<ConsoleUser> {
  if (returned.error) throw new UnauthenticatedError(`The sign-in provider answered: ${returned.error}.`);
  const state = Buffer.from(returned.state ?? '');
  const expected = Buffer.from(pending.state);
  if (!returned.code || state.length !== expected.length || !timingSafeEqual(state, expected)) {
    throw new UnauthenticatedError('The sign-in answer does not match the sign-in started here; start again.');
  }
  const provider = await discover(settings);
  const form = new URLSearchParams({ grant_type: 'authorization_code', code: returned.code, redirect_uri: redirectUri, code_verifier: pending.verifier });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (settings.clientSecret) {
    // client_secret_basic (RFC 6749 §2.3.1): both parts form-encoded before Base64.
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(settings.clientId)}:${encodeURIComponent(settings.clientSecret)}`).toString('base64')}`;
  } else {
    form.set('client_id', settings.clientId);
  }
  const tokens = await getJson(provider.token_endpoint, { method: 'POST', headers, body: form.toString() });
  if (typeof tokens.id_token !== 'string') throw new UnauthenticatedError('The sign-in provider returned no ID token.');
  const claims = await verifyIdToken(settings, provider, tokens.id_token, pending.nonce, now);
  const name = [claims.name, claims.email, claims['cognito:username'], claims.sub].find((value) => typeof value === 'string' && value) as string;
  return { id: String(claims.sub), name, role: roleFromClaims(claims, settings.rolesClaim), via: 'oidc' };
}
