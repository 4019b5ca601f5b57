import { UsageError, asUsageError, parseOptions, type Command } from '../command.js';
import { assertStoreAnswers, useLocalSystemUnlessConfigured } from '../environment.js';

/**
 * `optout-hub api-keys create|list|revoke`: issues keys into the api-keys table. The key is
 * printed once, at creation; only its SHA-256 is stored, so a lost key is revoked and reissued.
 * `list` also shows the keys configured in API_KEYS (ids and scopes only), since those work too.
 */

const DAY_MS = 24 * 60 * 60_000;

/** When a new key expires, from --expires-in DAYS or --expires-at DATE; undefined: never. */
export function expiryOf(values: { 'expires-in'?: string; 'expires-at'?: string }, now = new Date()): Date | undefined {
  const { 'expires-in': days, 'expires-at': at } = values;
  if (days !== undefined && at !== undefined) throw new UsageError('Give --expires-in or --expires-at, not both.');
  if (days !== undefined) {
    if (!/^[1-9][0-9]{0,4}$/.test(days)) throw new UsageError('--expires-in is a whole number of days, 1 or more.');
    return new Date(now.getTime() + Number(days) * DAY_MS);
  }
  if (at !== undefined) {
    // A time must carry its offset: without one, Date reads it in this machine's time zone.
    const parsed = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(at) ? new Date(at) : new Date(Number.NaN);
    // Date rolls 2027-02-30 over into March rather than refusing it.
    const realDay = !Number.isNaN(parsed.getTime()) && new Date(`${at.slice(0, 10)}T00:00:00Z`).toISOString().startsWith(at.slice(0, 10));
    if (!realDay) throw new UsageError('--expires-at is a date (midnight UTC) or a time with Z or an offset, for example 2027-01-31 or 2027-01-31T12:00:00Z.');
    if (parsed.getTime() <= now.getTime()) throw new UsageError('--expires-at must be in the future.');
    return parsed;
  }
  return undefined;
}

/** The ids and scopes in API_KEYS (environment or config secret); their secrets are dropped here. */
async function configuredKeys(): Promise<{ id: string; scopes: string[] }[]> {
  const [{ secret }, { parseApiKeys }] = await Promise.all([import('../../shared/platform/config.js'), import('../../shared/core/api-keys.js')]);
  const spec = (await secret('API_KEYS')) ?? '';
  return parseApiKeys(spec).map((key) => ({ id: key.id, scopes: key.scopes }));
}

async function keyStore() {
  // Environment first: the store's clients read their endpoint when created.
  const where = useLocalSystemUnlessConfigured();
  const { tables } = await import('../../shared/platform/resources.js');
  if (where === 'local') process.env[tables.apiKeys.env] ??= tables.apiKeys.name;
  const { apiKeysTable } = await import('../../shared/platform/config.js');
  if (!apiKeysTable()) throw new Error(`${tables.apiKeys.env} is not set: name the api-keys table of the stack.`);
  await assertStoreAnswers(where, 'apiKeys');
  const [store, { apiKeyStoreFromEnvironment }] = await Promise.all([import('../../shared/store/api-keys.js'), import('../../shared/http/authenticate.js')]);
  return { ...store, store: apiKeyStoreFromEnvironment()! };
}

export const apiKeysCommand: Command = {
  summary: 'create, list and revoke API keys (shown once; stored hashed)',
  usage: [
    'usage: optout-hub api-keys create --name NAME --scopes SCOPE[,SCOPE…] [--expires-in DAYS | --expires-at DATE]',
    '       optout-hub api-keys list',
    '       optout-hub api-keys revoke ID',
    '',
    '  Scopes: ingest (POST /v1/requests…), check (suppression checks and export), ack (POST /v1/acks), admin (people).',
    "  The key is printed once; keep it in the caller's secret store. Send it as x-api-key or Authorization: Bearer.",
    '  Without --expires-in or --expires-at a key never expires. list shows expiry and last use (recorded at most every 5 minutes),',
    '  and the keys configured in API_KEYS (source config): revoke those by removing them from API_KEYS.',
  ].join('\n'),
  async run(args) {
    const [action, ...rest] = args;
    const parsed = parseOptions({
      args: rest,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        scopes: { type: 'string' },
        'expires-in': { type: 'string' },
        'expires-at': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (action === 'create') {
      if (!parsed.values.name || !parsed.values.scopes) throw new UsageError('create needs --name and --scopes.');
      // One clock for both, so --expires-in 30 is exactly 30 days after createdAt.
      const now = new Date();
      const expiresAt = expiryOf(parsed.values, now);
      const { createApiKey, parseScopes, store } = await keyStore();
      const requested = parsed.values.scopes;
      const scopes = asUsageError(() => parseScopes(requested));
      const created = await createApiKey(store, { name: parsed.values.name, scopes, expiresAt }, now);
      if (parsed.values.json) console.log(JSON.stringify(created));
      else {
        console.log(
          `id      ${created.id}\nname    ${created.name}\nscopes  ${created.scopes.join(', ')}\nexpires ${created.expiresAt ?? 'never'}\nkey     ${created.key}`,
        );
        console.error('\nThis is the only time the key is shown: only its hash is stored.');
      }
      return 0;
    }
    if (action === 'list') {
      const { listApiKeys, isExpired, store } = await keyStore();
      const configured = await configuredKeys();
      const issued = await listApiKeys(store);
      const now = new Date();
      if (parsed.values.json) {
        console.log(JSON.stringify([...configured.map((key) => ({ ...key, source: 'config' })), ...issued.map((key) => ({ ...key, source: 'store' }))]));
        return 0;
      }
      if (configured.length === 0 && issued.length === 0) console.log('No API keys issued or configured.');
      for (const key of configured)
        console.log(`${key.id.padEnd(16)}  ${'(API_KEYS)'.padEnd(20)} ${key.scopes.join(',').padEnd(24)} config: remove it from API_KEYS to revoke it`);
      for (const key of issued) {
        const expiry = key.expiresAt ? `  ${isExpired(key, now) ? 'EXPIRED' : 'expires'} ${key.expiresAt}` : '';
        const revoked = key.revokedAt ? `  REVOKED ${key.revokedAt}` : '';
        console.log(
          `${key.id}  ${key.name.padEnd(20)} ${key.scopes.join(',').padEnd(24)} created ${key.createdAt}${expiry}  last used ${key.lastUsedAt ?? 'never'}${revoked}`,
        );
      }
      return 0;
    }
    if (action === 'revoke') {
      const [id, ...extra] = parsed.positionals;
      if (!id || extra.length) throw new UsageError('revoke needs exactly one key id.');
      const { revokeApiKey, store } = await keyStore();
      const revoked = await revokeApiKey(store, id);
      console.log(`Revoked ${revoked.id} (${revoked.name}) at ${revoked.revokedAt}.`);
      return 0;
    }
    throw new UsageError(action ? `Unknown action "${action}".` : 'Name an action: create, list or revoke.');
  },
};
