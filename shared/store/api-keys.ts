import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BadRequestError, NotFoundError } from '../core/errors.js';
import { guard, scanPages } from './dynamo.js';
import { scopes as knownScopes, type Scope } from '../core/api-keys.js';
import { keys } from './keys.js';

/**
 * API keys issued by `optout-hub api-keys create`, kept in the api-keys table. A key reads
 * `ohk_<id>_<secret>`: the id finds the item with one GetItem, and the item holds only the
 * SHA-256 of the whole key (a 256-bit random secret needs no slow hash: there is nothing to
 * guess from), its name and scopes, and when it was revoked. The key itself is shown once, at
 * creation, and never stored.
 */

export interface ApiKeyStore {
  documents: DynamoDBDocumentClient;
  table: string;
}

export interface StoredApiKey {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  revokedAt?: string;
}

const PREFIX = 'ohk_';
const KEY_PATTERN = /^ohk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

const keyOf = keys.apiKey;
export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export function parseScopes(list: string): Scope[] {
  const parsed = [...new Set(list.split(/[,+\s]+/).filter(Boolean))];
  const unknown = parsed.filter((scope) => !(knownScopes as readonly string[]).includes(scope));
  if (parsed.length === 0 || unknown.length) {
    throw new BadRequestError(`Scopes must be some of ${knownScopes.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}.`);
  }
  return parsed as Scope[];
}

export async function createApiKey(store: ApiKeyStore, input: { name: string; scopes: Scope[] }, now = new Date()): Promise<StoredApiKey & { key: string }> {
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(input.name))
    throw new BadRequestError('A key name is 1–64 letters, digits, spaces, dots, hyphens or underscores.');
  const id = randomBytes(8).toString('hex');
  const key = `${PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
  const stored: StoredApiKey = { id, name: input.name, scopes: input.scopes, createdAt: now.toISOString() };
  await guard(() =>
    store.documents.send(
      new PutCommand({
        TableName: store.table,
        Item: { ...keyOf(id), type: 'api-key', ...stored, hash: hashKey(key) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
  return { ...stored, key };
}

export async function listApiKeys(store: ApiKeyStore): Promise<StoredApiKey[]> {
  const keys: StoredApiKey[] = [];
  for await (const page of scanPages(store.documents, { TableName: store.table }, 'The API key store')) {
    for (const item of page) {
      if (item.type !== 'api-key') continue;
      keys.push({
        id: String(item.id),
        name: String(item.name),
        scopes: item.scopes as Scope[],
        createdAt: String(item.createdAt),
        ...(item.revokedAt ? { revokedAt: String(item.revokedAt) } : {}),
      });
    }
  }
  return keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Revoking twice keeps the first revocation time. */
export async function revokeApiKey(store: ApiKeyStore, id: string, now = new Date()): Promise<StoredApiKey> {
  try {
    const result = await guard(() =>
      store.documents.send(
        new UpdateCommand({
          TableName: store.table,
          Key: keyOf(id),
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': now.toISOString() },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    const item = result.Attributes!;
    return { id: item.id, name: item.name, scopes: item.scopes, createdAt: item.createdAt, revokedAt: item.revokedAt };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new NotFoundError(`No API key ${id}.`);
    throw error;
  }
}

/** The live key `presented` is, or undefined (unknown, wrong secret, revoked, not this format). */
export async function findApiKey(store: ApiKeyStore, presented: string): Promise<StoredApiKey | undefined> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return undefined;
  const result = await guard(() => store.documents.send(new GetCommand({ TableName: store.table, Key: keyOf(match[1]!), ConsistentRead: true })));
  const item = result.Item;
  if (!item || typeof item.hash !== 'string') return undefined;
  const equal = timingSafeEqual(Buffer.from(item.hash, 'hex'), Buffer.from(hashKey(presented), 'hex'));
  if (!equal || item.revokedAt) return undefined;
  return { id: item.id, name: item.name, scopes: item.scopes, createdAt: item.createdAt };
}
