/** Tenants in Cosmos (container `tenants`, partition /id). */
import { cosmosCall, getContainer, ifMatchOptions, queryPage, type Page } from '../adapters/cosmos';
import { AppError } from '../core/errors';
import type { TenantRecord } from './records';

export async function insertTenant(t: TenantRecord): Promise<TenantRecord> {
  const c = await getContainer('tenants');
  try {
    const { resource } = await cosmosCall(() => c.items.create(t), 'Tenant');
    return resource ?? t;
  } catch (e) {
    if (e instanceof AppError && e.code === 'CONFLICT') throw new AppError('CONFLICT', `Tenant ${t.id} already exists.`);
    throw e;
  }
}

/** Removes a tenant record (compensation when its creation could not be completed). */
export async function deleteTenantRecord(id: string): Promise<void> {
  const c = await getContainer('tenants');
  await cosmosCall(() => c.item(id, id).delete(), 'Tenant');
}

export async function readTenant(id: string): Promise<TenantRecord | undefined> {
  const c = await getContainer('tenants');
  const { resource } = await cosmosCall(() => c.item(id, id).read<TenantRecord>(), 'Tenant');
  return resource;
}

/** Replaces a tenant; with ifMatch a stale ETag is PRECONDITION_FAILED. */
export async function replaceTenant(t: TenantRecord, ifMatch?: string): Promise<TenantRecord> {
  const c = await getContainer('tenants');
  const { resource } = await cosmosCall(() => c.item(t.id, t.id).replace(t, ifMatchOptions(ifMatch)), 'Tenant');
  return resource ?? t;
}

export async function upsertTenant(t: TenantRecord): Promise<TenantRecord> {
  const c = await getContainer('tenants');
  const { resource } = await cosmosCall(() => c.items.upsert(t), 'Tenant');
  return (resource as TenantRecord | undefined) ?? t;
}

export async function listTenants(limit: number, cursor?: string): Promise<Page<TenantRecord>> {
  const c = await getContainer('tenants');
  return queryPage<TenantRecord>(c, { query: 'SELECT * FROM c ORDER BY c.id' }, { limit, cursor, scope: 'tenants' });
}
