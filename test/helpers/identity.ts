/**
 * Test helper: a tenant with an API key, written through the identity stores. Call after the
 * emulators are up (startEmulators() or startLocalHost()), in the same process.
 */
import { randomBytes } from 'node:crypto';
import type { Scope, Tier } from '../../src/shared/core/principal';
import { createApiKey } from '../../src/shared/identity/api-keys';
import { createTenant } from '../../src/shared/identity/tenants';

export interface TenantWithKey {
  tenantId: string;
  /** The secret, for X-API-Key. */
  apiKey: string;
  keyId: string;
}

export async function createTenantWithKey(options: { tenantId?: string; tier?: Tier; scopes?: readonly Scope[]; name?: string } = {}): Promise<TenantWithKey> {
  const tenantId = options.tenantId ?? `t-${randomBytes(6).toString('hex')}`;
  const { apiKey } = await createTenant({ id: tenantId, name: options.name ?? `Test tenant ${tenantId}`, tier: options.tier ?? 'pro' }, 'test');
  if (!options.scopes) return { tenantId, apiKey: apiKey.key, keyId: apiKey.record.keyId };
  const scoped = await createApiKey({ tenantId, name: 'test key', scopes: options.scopes, createdBy: 'test' });
  return { tenantId, apiKey: scoped.key, keyId: scoped.record.keyId };
}

/** Another key for an existing tenant. */
export async function createKeyFor(tenantId: string, scopes: readonly Scope[], expiresAt?: string): Promise<TenantWithKey> {
  const k = await createApiKey({ tenantId, name: 'test key', scopes, createdBy: 'test', expiresAt: expiresAt ?? null });
  return { tenantId, apiKey: k.key, keyId: k.record.keyId };
}
