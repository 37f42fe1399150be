/** Tenant onboarding and administration (platform operators). */
import { randomBytes } from 'node:crypto';
import type { Page } from '../adapters/cosmos';
import { notFound } from '../core/errors';
import type { Tier } from '../core/principal';
import { createApiKey, type CreatedApiKey } from './api-keys';
import { tenantCache } from './caches';
export { getTenantCached } from './caches';
import { checkIfMatch } from '../http/conditional';
import type { TenantRecord } from './records';
import { deleteTenantRecord, insertTenant, listTenants as listTenantRecords, readTenant, replaceTenant } from './tenant-store';

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const newTenantId = (): string => `tnt_${randomBytes(8).toString('hex')}`;

export async function getTenant(id: string): Promise<TenantRecord> {
  const t = await readTenant(id);
  if (!t) throw notFound('Tenant');
  return t;
}

export interface CreateTenantInput {
  id?: string;
  name: string;
  tier: Tier;
}

/** Creates a tenant and its first key (scope admin:all). */
export async function createTenant(
  input: CreateTenantInput,
  createdBy = 'platform_admin',
  now: Date = new Date(),
): Promise<{ tenant: TenantRecord; apiKey: CreatedApiKey }> {
  const at = now.toISOString();
  const tenant = await insertTenant({
    id: input.id ?? newTenantId(),
    name: input.name,
    tier: input.tier,
    disabled: false,
    createdAt: at,
    updatedAt: at,
  });
  tenantCache().delete(tenant.id);
  let apiKey: CreatedApiKey;
  try {
    apiKey = await createApiKey({
      tenantId: tenant.id,
      name: 'Initial key',
      description: 'Created with the tenant',
      scopes: ['admin:all'],
      createdBy,
    });
  } catch (err) {
    // A tenant nobody holds a key for is useless and would make the retry a 409: undo it.
    await deleteTenantRecord(tenant.id).catch(() => undefined);
    throw err;
  }
  return { tenant, apiKey };
}

export interface UpdateTenantInput {
  name?: string;
  tier?: Tier;
  disabled?: boolean;
}

export async function updateTenant(id: string, patch: UpdateTenantInput, ifMatch?: string): Promise<TenantRecord> {
  const current = await getTenant(id);
  checkIfMatch(ifMatch, current._etag);
  const { _etag, ...doc } = current;
  const next: TenantRecord = { ...doc, ...patch, updatedAt: new Date().toISOString() };
  // Replaced only if unchanged since the read: a concurrent update is a 412, never a lost write.
  const saved = await replaceTenant(next, _etag);
  // This instance stops accepting a disabled tenant's credentials at once; others within the cache TTL.
  tenantCache().delete(id);
  return saved;
}

export function listTenants(limit: number, cursor?: string): Promise<Page<TenantRecord>> {
  return listTenantRecords(limit, cursor);
}
