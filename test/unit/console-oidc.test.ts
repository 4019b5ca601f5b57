import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError, UnauthenticatedError } from '../../shared/core/errors.js';
import { finishSignIn, openPending, roleFromClaims, sealPending, startSignIn, type OidcSettings } from '../../shared/console/oidc.js';

/**
 * The console's OIDC sign-in against a contract provider written from OpenID Connect Core 1.0 and
 * Discovery 1.0, RFC 6749 and RFC 7636: discovery, a JWKS, and a token endpoint that checks client
 * authentication, the redirect URI and the PKCE verifier, and returns an ID token signed RS256 by
 * jsonwebtoken (not by anything of ours), shaped as a Cognito user pool issues it.
 */

const CLIENT_ID = 'console-client';
const CLIENT_SECRET = 'console client secret';
const REDIRECT = 'https://console.example.com/console/callback';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const { privateKey: strangerKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KID = 'key-1';

interface Grant {
  challenge: string;
  nonce: string;
  claims: Record<string, unknown>;
  redirectUri: string;
  /** Sign the ID token with this key instead (a forgery) or change it after signing. */
  signWith?: typeof privateKey;
  /** Issue the token for another client. */
  audience?: string;
  tamper?: (token: string) => string;
}

const grants = new Map<string, Grant>();
let server: Server;
let issuer: string;

function idToken(grant: Grant): string {
  const token = jwt.sign({ ...grant.claims, nonce: grant.nonce }, grant.signWith ?? privateKey, {
    algorithm: 'RS256',
    keyid: KID,
    issuer,
    audience: grant.audience ?? CLIENT_ID,
    expiresIn: 300,
  });
  return grant.tamper ? grant.tamper(token) : token;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', issuer);
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/oauth2/authorize`,
        token_endpoint: `${issuer}/oauth2/token`,
        jwks_uri: `${issuer}/jwks.json`,
      });
    }
    if (url.pathname === '/jwks.json') return json(200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }] });
    if (url.pathname === '/oauth2/token' && request.method === 'POST') {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const form = new URLSearchParams(body);
        const basic = Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64');
        if (request.headers.authorization !== `Basic ${basic}`) return json(401, { error: 'invalid_client' });
        const grant = grants.get(form.get('code') ?? '');
        grants.delete(form.get('code') ?? '');
        if (!grant || form.get('grant_type') !== 'authorization_code' || form.get('redirect_uri') !== grant.redirectUri)
          return json(400, { error: 'invalid_grant' });
        const verifier = form.get('code_verifier') ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) return json(400, { error: 'invalid_grant' });
        return json(200, { id_token: idToken(grant), access_token: 'access', token_type: 'Bearer', expires_in: 3600 });
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const settings = (): OidcSettings => ({ issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, rolesClaim: 'cognito:groups', scopes: 'openid email' });

/** What the provider does when the user signs in: reads the authorization request and issues a code. */
async function signInAt(claims: Record<string, unknown>, change: Partial<Grant> = {}) {
  const now = new Date();
  const { location, pending } = await startSignIn(settings(), REDIRECT, now);
  const asked = new URL(location);
  expect(asked.origin + asked.pathname).toBe(`${issuer}/oauth2/authorize`);
  expect(asked.searchParams.get('code_challenge_method')).toBe('S256');
  expect(asked.searchParams.get('redirect_uri')).toBe(REDIRECT);
  const code = randomBytes(8).toString('hex');
  grants.set(code, {
    challenge: asked.searchParams.get('code_challenge')!,
    nonce: asked.searchParams.get('nonce')!,
    claims,
    redirectUri: asked.searchParams.get('redirect_uri')!,
    ...change,
  });
  return { pending, code, state: asked.searchParams.get('state')!, now };
}

describe('console OIDC sign-in', () => {
  it('signs a user in with the highest console role among their groups', async () => {
    const { pending, code, state, now } = await signInAt({ sub: 'u-1', email: 'ann@example.com', 'cognito:groups': ['viewer', 'agent', 'other'] });
    const user = await finishSignIn(settings(), pending, { code, state }, REDIRECT, now);
    expect(user).toEqual({ id: 'u-1', name: 'ann@example.com', role: 'agent', via: 'oidc' });
  });

  it('refuses an answer to another sign-in (state), a token for another sign-in (nonce), a forged or altered token', async () => {
    const groups = { sub: 'u-2', 'cognito:groups': ['compliance-admin'] };
    const wrongState = await signInAt(groups);
    await expect(finishSignIn(settings(), wrongState.pending, { code: wrongState.code, state: 'other' }, REDIRECT, wrongState.now)).rejects.toThrow(
      UnauthenticatedError,
    );

    const replayed = await signInAt(groups, { nonce: 'a nonce of another sign-in' });
    await expect(finishSignIn(settings(), replayed.pending, { code: replayed.code, state: replayed.state }, REDIRECT, replayed.now)).rejects.toThrow(
      /does not answer this sign-in/,
    );

    const forged = await signInAt(groups, { signWith: strangerKey });
    await expect(finishSignIn(settings(), forged.pending, { code: forged.code, state: forged.state }, REDIRECT, forged.now)).rejects.toThrow(
      /signature is not valid/,
    );

    // The payload swapped for one naming another user, the signature kept.
    const altered = await signInAt(groups, {
      tamper: (token) => {
        const [head, , signature] = token.split('.');
        return `${head}.${Buffer.from(JSON.stringify({ sub: 'mallory', iss: issuer, aud: CLIENT_ID, exp: 9e9, 'cognito:groups': ['compliance-admin'] })).toString('base64url')}.${signature}`;
      },
    });
    await expect(finishSignIn(settings(), altered.pending, { code: altered.code, state: altered.state }, REDIRECT, altered.now)).rejects.toThrow(
      /signature is not valid/,
    );

    const unsigned = await signInAt(groups, {
      tamper: (token) => `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${token.split('.')[1]}.`,
    });
    await expect(finishSignIn(settings(), unsigned.pending, { code: unsigned.code, state: unsigned.state }, REDIRECT, unsigned.now)).rejects.toThrow(
      UnauthenticatedError,
    );
  });

  it('refuses a token meant for another client, and a user with no console role', async () => {
    const other = await signInAt({ sub: 'u-3', 'cognito:groups': ['viewer'] }, { audience: 'another-client' });
    await expect(finishSignIn(settings(), other.pending, { code: other.code, state: other.state }, REDIRECT, other.now)).rejects.toThrow(/another client/);

    const roleless = await signInAt({ sub: 'u-4', 'cognito:groups': ['sales'] });
    await expect(finishSignIn(settings(), roleless.pending, { code: roleless.code, state: roleless.state }, REDIRECT, roleless.now)).rejects.toThrow(
      ForbiddenError,
    );
  });

  it('keeps the pending sign-in in a signed cookie that expires', () => {
    const key = 'a console session key of at least 32 characters';
    const pending = { state: 's', nonce: 'n', verifier: 'v', expiresAt: 1_000 };
    const sealed = sealPending(pending, key);
    expect(openPending(sealed, key, new Date(999_000))).toEqual(pending);
    expect(() => openPending(sealed, key, new Date(1_000_000))).toThrow(UnauthenticatedError);
    expect(() => openPending(sealed, 'another key of at least thirty-two characters', new Date(0))).toThrow(UnauthenticatedError);
    expect(() => openPending(undefined, key, new Date(0))).toThrow(UnauthenticatedError);
  });

  it('reads roles from a list or a separated string', () => {
    expect(roleFromClaims({ roles: 'viewer compliance-admin' }, 'roles')).toBe('compliance-admin');
    expect(roleFromClaims({ groups: ['viewer'] }, 'groups')).toBe('viewer');
    expect(() => roleFromClaims({}, 'groups')).toThrow(ForbiddenError);
  });
});
