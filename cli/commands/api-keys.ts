import { UsageError, asUsageError, parseOptions, type Command } from '../command.js';
import { assertStoreAnswers, useLocalSystemUnlessConfigured } from '../environment.js';

/**
 * `optout-hub api-keys create|list|revoke`: issues keys into the api-keys table. The key is
 * printed once, at creation; only its SHA-256 is stored, so a lost key is revoked and reissued.
 */

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
    'usage: optout-hub api-keys create --name NAME --scopes SCOPE[,SCOPE…]',
    '       optout-hub api-keys list',
    '       optout-hub api-keys revoke ID',
    '',
    '  Scopes: ingest (POST /v1/requests…), check (suppression checks and export), ack (POST /v1/acks), admin (people).',
    "  The key is printed once; keep it in the caller's secret store. Send it as x-api-key or Authorization: Bearer.",
  ].join('\n'),
  async run(args) {
    const [action, ...rest] = args;
    const parsed = parseOptions({
      args: rest,
      allowPositionals: true,
      options: { name: { type: 'string' }, scopes: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    if (action === 'create') {
      if (!parsed.values.name || !parsed.values.scopes) throw new UsageError('create needs --name and --scopes.');
      const { createApiKey, parseScopes, store } = await keyStore();
      const requested = parsed.values.scopes;
      const scopes = asUsageError(() => parseScopes(requested));
      const created = await createApiKey(store, { name: parsed.values.name, scopes });
      if (parsed.values.json) console.log(JSON.stringify(created));
      else {
        console.log(`id      ${created.id}\nname    ${created.name}\nscopes  ${created.scopes.join(', ')}\nkey     ${created.key}`);
        console.error('\nThis is the only time the key is shown: only its hash is stored.');
      }
      return 0;
    }
    if (action === 'list') {
      const { listApiKeys, store } = await keyStore();
      const keys = await listApiKeys(store);
      if (parsed.values.json) console.log(JSON.stringify(keys));
      else if (keys.length === 0) console.log('No API keys issued.');
      else
        for (const key of keys)
          console.log(
            `${key.id}  ${key.name.padEnd(20)} ${key.scopes.join(',').padEnd(24)} created ${key.createdAt}${key.revokedAt ? `  REVOKED ${key.revokedAt}` : ''}`,
          );
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
