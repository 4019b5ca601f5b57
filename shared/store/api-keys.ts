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
 * guess from), its name and scopes, when it expires and was revoked, and when it was last used.
 * The key itself is shown once, at creation, and never stored.
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
  /** After this the key is refused (401 "The API key has expired."); none: it never expires. */
  expiresAt?: string;
  revokedAt?: string;
  /** The last successful use, to within LAST_USED_INTERVAL_MS. */
  lastUsedAt?: string;
}

/** A busy key records its use at most once per interval: one write per five minutes, not per request. */
export const LAST_USED_INTERVAL_MS = 5 * 60_000;

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

export async function createApiKey(
  store: ApiKeyStore,
  input: { name: string; scopes: Scope[]; expiresAt?: Date },
  now = new Date(),
): Promise<StoredApiKey & { key: string }> {
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(input.name))
    throw new BadRequestError('A key name is 1–64 letters, digits, spaces, dots, hyphens or underscores.');
  if (input.expiresAt && !(input.expiresAt.getTime() > now.getTime())) throw new BadRequestError('A key must expire in the future.');
  const id = randomBytes(8).toString('hex');
  const key = `${PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
  const stored: StoredApiKey = {
    id,
    name: input.name,
    scopes: input.scopes,
    createdAt: now.toISOString(),
    ...(input.expiresAt ? { expiresAt: input.expiresAt.toISOString() } : {}),
  };
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
      keys.push(storedKey(item));
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
    return storedKey(result.Attributes!);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new NotFoundError(`No API key ${id}.`);
    throw error;
  }
}

/** The item's fields a caller may see: never the hash. */
function storedKey(item: Record<string, unknown>): StoredApiKey {
  return {
    id: String(item.id),
    name: String(item.name),
    scopes: item.scopes as Scope[],
    createdAt: String(item.createdAt),
    ...(item.expiresAt ? { expiresAt: String(item.expiresAt) } : {}),
    ...(item.revokedAt ? { revokedAt: String(item.revokedAt) } : {}),
    ...(item.lastUsedAt ? { lastUsedAt: String(item.lastUsedAt) } : {}),
  };
}

export const isExpired = (key: Pick<StoredApiKey, 'expiresAt'>, now: Date) => key.expiresAt !== undefined && Date.parse(key.expiresAt) <= now.getTime();

/**
 * The unrevoked key `presented` is, expired or not (the caller says which, so the answer can name
 * it), or undefined (unknown, wrong secret, revoked, not this format).
 */
export async function findApiKey(store: ApiKeyStore, presented: string): Promise<StoredApiKey | undefined> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return undefined;
  const result = await guard(() => store.documents.send(new GetCommand({ TableName: store.table, Key: keyOf(match[1]!), ConsistentRead: true })));
  const item = result.Item;
  if (!item || typeof item.hash !== 'string') return undefined;
  const equal = timingSafeEqual(Buffer.from(item.hash, 'hex'), Buffer.from(hashKey(presented), 'hex'));
  if (!equal || item.revokedAt) return undefined;
  return storedKey(item);
}

/**
 * Records a successful use unless one was recorded within `interval`: the condition makes a busy
 * key cost one write per interval however many instances use it. True when this call wrote.
 */
export async function recordApiKeyUse(store: ApiKeyStore, id: string, now = new Date(), interval = LAST_USED_INTERVAL_MS): Promise<boolean> {
  try {
    await guard(() =>
      store.documents.send(
        new UpdateCommand({
          TableName: store.table,
          Key: keyOf(id),
          UpdateExpression: 'SET lastUsedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :threshold)',
          ExpressionAttributeValues: { ':now': now.toISOString(), ':threshold': new Date(now.getTime() - interval).toISOString() },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
