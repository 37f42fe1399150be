/**
 * In-process caches of verified API keys (by hash) and tenants, for API_KEY_CACHE_SECONDS.
 * They bound how long a revocation or a tenant being disabled takes to reach other instances;
 * the instance that makes the change forgets the entry at once.
 */
import { getConfig } from '../config';
import { registerReset } from '../services';
import type { ApiKeyRecord, TenantRecord } from './records';
import { findApiKey } from './api-key-store';
import { readTenant } from './tenant-store';
import { TtlCache } from '../core/ttl-cache';

let keys: TtlCache<ApiKeyRecord | null> | undefined;
let tenants: TtlCache<TenantRecord | null> | undefined;

export function keyCache(): TtlCache<ApiKeyRecord | null> {
  keys ??= new TtlCache(getConfig().API_KEY_CACHE_SECONDS * 1000);
  return keys;
}

export function tenantCache(): TtlCache<TenantRecord | null> {
  tenants ??= new TtlCache(getConfig().API_KEY_CACHE_SECONDS * 1000);
  return tenants;
}

registerReset(() => {
  keys = undefined;
  tenants = undefined;
});

/** Cache entry name for a key looked up by its id (bearer tokens name their key by id, not secret). */
export const keyIdEntry = (tenantId: string, keyId: string): string => `id:${tenantId}:${keyId}`;

/** A key record by tenant and key id, through the same short cache as keys by hash. */
export async function getKeyByIdCached(tenantId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
  const entry = keyIdEntry(tenantId, keyId);
  const cached = keyCache().get(entry);
  if (cached) return cached.value ?? undefined;
  const k = await findApiKey(tenantId, keyId);
  keyCache().set(entry, k ?? null);
  return k;
}

/** Forgets a key on this instance, by hash and by id (after a revocation or deactivation). */
export function forgetKey(record: Pick<ApiKeyRecord, 'id' | 'tenantId' | 'keyId'>): void {
  keyCache().delete(record.id);
  keyCache().delete(keyIdEntry(record.tenantId, record.keyId));
}

/** The tenant, through the short in-process cache (the request path). */
export async function getTenantCached(id: string): Promise<TenantRecord | undefined> {
  const cached = tenantCache().get(id);
  if (cached) return cached.value ?? undefined;
  const t = await readTenant(id);
  tenantCache().set(id, t ?? null);
  return t;
}
