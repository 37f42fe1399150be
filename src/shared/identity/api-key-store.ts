/**
 * API keys in Cosmos (container `apiKeys`, partition /id where id = the key's HMAC hash):
 * authentication is one point read. Management reads by tenant and key id are queries
 * (off the hot path) that always name the tenant.
 */
import { cosmosCall, getContainer, ifMatchOptions, queryPage, type Page } from '../adapters/cosmos';
import type { ApiKeyRecord } from './records';

export async function insertApiKey(k: ApiKeyRecord): Promise<ApiKeyRecord> {
  const c = await getContainer('apiKeys');
  const { resource } = await cosmosCall(() => c.items.create(k), 'API key');
  return resource ?? k;
}

export async function upsertApiKey(k: ApiKeyRecord): Promise<ApiKeyRecord> {
  const c = await getContainer('apiKeys');
  const { resource } = await cosmosCall(() => c.items.upsert(k), 'API key');
  return (resource as ApiKeyRecord | undefined) ?? k;
}

/** The one point read of authentication. */
export async function readApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
  const c = await getContainer('apiKeys');
  const { resource } = await cosmosCall(() => c.item(hash, hash).read<ApiKeyRecord>(), 'API key');
  return resource;
}

export async function findApiKey(tenantId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
  const c = await getContainer('apiKeys');
  const { resources } = await cosmosCall(
    () =>
      c.items
        .query<ApiKeyRecord>({
          query: 'SELECT * FROM c WHERE c.tenantId = @t AND c.keyId = @k',
          parameters: [
            { name: '@t', value: tenantId },
            { name: '@k', value: keyId },
          ],
        })
        .fetchAll(),
    'API key',
  );
  return resources[0];
}

/** Replaces a key; with ifMatch a stale ETag is PRECONDITION_FAILED. */
export async function replaceApiKey(k: ApiKeyRecord, ifMatch?: string): Promise<ApiKeyRecord> {
  const c = await getContainer('apiKeys');
  const { resource } = await cosmosCall(() => c.item(k.id, k.id).replace(k, ifMatchOptions(ifMatch)), 'API key');
  return resource ?? k;
}

export async function touchApiKey(hash: string, lastUsedAt: string): Promise<void> {
  const c = await getContainer('apiKeys');
  await cosmosCall(() => c.item(hash, hash).patch([{ op: 'set', path: '/lastUsedAt', value: lastUsedAt }]), 'API key');
}

export async function listApiKeys(tenantId: string, limit: number, cursor?: string): Promise<Page<ApiKeyRecord>> {
  const c = await getContainer('apiKeys');
  return queryPage<ApiKeyRecord>(
    c,
    { query: 'SELECT * FROM c WHERE c.tenantId = @t ORDER BY c.createdAt DESC', parameters: [{ name: '@t', value: tenantId }] },
    { limit, cursor, scope: `api-keys:${tenantId}` },
  );
}

/** Every key not yet revoked (the rotation timer's work list), optionally of one tenant. */
export async function listLiveApiKeys(tenantId?: string): Promise<ApiKeyRecord[]> {
  const c = await getContainer('apiKeys');
  const query = tenantId
    ? {
        query: 'SELECT * FROM c WHERE c.tenantId = @t AND (NOT IS_DEFINED(c.revokedAt) OR IS_NULL(c.revokedAt))',
        parameters: [{ name: '@t', value: tenantId }],
      }
    : { query: 'SELECT * FROM c WHERE NOT IS_DEFINED(c.revokedAt) OR IS_NULL(c.revokedAt)' };
  const { resources } = await cosmosCall(() => c.items.query<ApiKeyRecord>(query).fetchAll(), 'API key');
  return resources;
}
