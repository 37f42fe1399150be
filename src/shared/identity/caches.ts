/**
 * In-process caches of verified API keys (by hash) and tenants, for API_KEY_CACHE_SECONDS.
 * They bound how long a revocation or a tenant being disabled takes to reach other instances;
 * the instance that makes the change forgets the entry at once.
 */
import { getConfig } from '../config';
import { registerReset } from '../services';
import type { ApiKeyRecord, TenantRecord } from './records';
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

/** The tenant, through the short in-process cache (the request path). */
export async function getTenantCached(id: string): Promise<TenantRecord | undefined> {
  const cached = tenantCache().get(id);
  if (cached) return cached.value ?? undefined;
  const t = await readTenant(id);
  tenantCache().set(id, t ?? null);
  return t;
}
