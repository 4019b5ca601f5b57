import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseApiKeys, presentedKey, scopes, type ApiKey, type Scope } from '../../shared/core/api-keys.js';
import { authenticate, requireScope } from '../../shared/http/authenticate.js';
import { ConfigurationError, ForbiddenError, InvalidCredentialsError, UnauthenticatedError } from '../../shared/core/errors.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

const CRM_KEY = '3f9c2b7e1d4a5f60';
const DIALER_KEY = '77ab01cd23ef4567';
const ADMIN_KEY = 'a1d2m3i4n5';
const SPEC = `crm:${CRM_KEY}:ingest, dialer:${DIALER_KEY}:check+ack ,ops:${ADMIN_KEY}:${scopes.join('+')}`;

describe('parseApiKeys', () => {
  it('reads id, key hash and scopes of every entry', () => {
    expect(parseApiKeys(SPEC)).toEqual([
      { id: 'crm', hash: sha256(CRM_KEY), scopes: ['ingest'] },
      { id: 'dialer', hash: sha256(DIALER_KEY), scopes: ['check', 'ack'] },
      { id: 'ops', hash: sha256(ADMIN_KEY), scopes: ['ingest', 'check', 'ack', 'admin'] },
    ]);
  });

  it('keeps only the hash of the key', () => {
    for (const key of parseApiKeys(SPEC)) {
      expect(JSON.stringify(key)).not.toContain(CRM_KEY);
      expect(JSON.stringify(key)).not.toContain(DIALER_KEY);
      expect(Object.keys(key).sort()).toEqual(['hash', 'id', 'scopes']);
    }
  });

  it('skips empty entries and surrounding whitespace', () => {
    expect(parseApiKeys(` ,crm:${CRM_KEY}:ingest,, `)).toEqual([{ id: 'crm', hash: sha256(CRM_KEY), scopes: ['ingest'] }]);
    expect(parseApiKeys('')).toEqual([]);
  });

  it.each([
    ['an unknown scope', 'crm:key:write'],
    ['one unknown scope among known ones', 'crm:key:ingest+write'],
    ['a scope in the wrong case', 'crm:key:INGEST'],
    ['no scopes', 'crm:key'],
    ['an empty scope list', 'crm:key:'],
    ['only separators as scopes', 'crm:key:++'],
    ['no key', 'crm::ingest'],
    ['no id', ':key:ingest'],
    ['a lone word', 'crm'],
    ['a bad entry after a good one', `crm:${CRM_KEY}:ingest,dialer:${DIALER_KEY}:bogus`],
  ])('refuses %s with ConfigurationError', (_label, spec) => {
    expect(() => parseApiKeys(spec)).toThrow(ConfigurationError);
  });

  it('names the offending entry by its position in the error', () => {
    expect(() => parseApiKeys('dialer:key:bogus')).toThrow(/entry 1 /);
  });

  // A malformed entry is named by its position, never by its first part: when the operator forgets
  // the id (or every separator) that part is the secret key itself, and a ConfigurationError's
  // detail reaches HTTP callers in the 500 problem body.
  it.each(['s3cr3t-key-value', 's3cr3t-key-value:ingest'])('does not echo what may be the secret key in the error for the malformed entry %j', (spec) => {
    let caught: unknown;
    try {
      parseApiKeys(spec);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect((caught as ConfigurationError).detail).not.toContain('s3cr3t-key-value');
  });
});

describe('presentedKey', () => {
  it.each([
    [{ 'x-api-key': 'k1' }, 'k1'],
    [{ authorization: 'Bearer k2' }, 'k2'],
    [{ authorization: 'bearer k2' }, 'k2'],
    [{ authorization: 'BEARER   k2' }, 'k2'],
    [{ 'x-api-key': 'k1', authorization: 'Bearer k2' }, 'k1'],
    [{ 'x-api-key': '', authorization: 'Bearer k2' }, 'k2'],
    [{ 'x-api-key': undefined, authorization: 'Bearer k2' }, 'k2'],
  ] as [Record<string, string | undefined>, string][])('reads %j as %j', (headers, key) => {
    expect(presentedKey(headers)).toBe(key);
  });

  it.each([
    [{}],
    [{ authorization: 'Basic dXNlcjpwYXNz' }],
    [{ authorization: 'Bearer' }],
    [{ authorization: 'Bearer ' }],
    [{ authorization: 'Bearerk2' }],
    [{ authorization: 'Token k2' }],
    [{ 'x-api-key': '' }],
  ] as [Record<string, string | undefined>][])('finds no key in %j', (headers) => {
    expect(presentedKey(headers)).toBeUndefined();
  });
});

describe('authenticate and requireScope (configured keys)', () => {
  const keys = parseApiKeys(SPEC);
  /** What every /v1 handler and the authorizer do: who is calling, then may they. */
  const authorize = async (configured: ApiKey[], presented: string | undefined, scope: Scope) => {
    const caller = await authenticate(presented, { configured });
    requireScope(caller, scope);
    return caller;
  };

  it.each([undefined, ''])('refuses a missing key (%j) with UnauthenticatedError and a challenge', async (presented) => {
    const error = await authorize(keys, presented, 'check').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error).not.toBeInstanceOf(InvalidCredentialsError);
    expect((error as UnauthenticatedError).title).toBe('Credentials are missing');
    expect((error as UnauthenticatedError).headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it.each(['wrong', CRM_KEY.toUpperCase(), `${CRM_KEY} `, CRM_KEY.slice(1), sha256(CRM_KEY).toString('hex'), 'crm'])(
    'refuses the unknown key %j with UnauthenticatedError',
    async (presented) => {
      const error = await authorize(keys, presented, 'ingest').catch((caught: unknown) => caught);
      // Still the 401 a client handles, titled for what is wrong: a key was sent, and it is not valid.
      expect(error).toBeInstanceOf(UnauthenticatedError);
      expect((error as UnauthenticatedError).title).toBe('Credentials are not valid');
      expect((error as UnauthenticatedError).headers['www-authenticate']).toMatch(/^Bearer /);
    },
  );

  it('refuses every key when none are configured', async () => {
    await expect(authorize([], CRM_KEY, 'ingest')).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it.each([
    [CRM_KEY, 'check'],
    [CRM_KEY, 'admin'],
    [DIALER_KEY, 'ingest'],
    [DIALER_KEY, 'admin'],
  ] as const)('refuses key %j without scope %s with ForbiddenError', async (presented, scope) => {
    await expect(authorize(keys, presented, scope)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it.each([
    [CRM_KEY, 'ingest', 'crm'],
    [DIALER_KEY, 'check', 'dialer'],
    [DIALER_KEY, 'ack', 'dialer'],
    [ADMIN_KEY, 'admin', 'ops'],
    [ADMIN_KEY, 'ingest', 'ops'],
  ] as const)('grants key %j the scope %s and names the caller %s', async (presented, scope, id) => {
    const caller = await authorize(keys, presented, scope);
    expect(caller.id).toBe(id);
    expect(caller.scopes).toContain(scope);
  });

  it('maps failures to 401 and 403 problems', async () => {
    const statusOf = (attempt: Promise<unknown>) =>
      attempt.then(
        () => undefined,
        (error: { status?: number }) => error.status,
      );
    expect(await statusOf(authorize(keys, undefined, 'check'))).toBe(401);
    expect(await statusOf(authorize(keys, 'wrong', 'check'))).toBe(401);
    expect(await statusOf(authorize(keys, CRM_KEY, 'check'))).toBe(403);
  });
});
