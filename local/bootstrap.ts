/**
 * Makes a fresh environment usable: with BOOTSTRAP_API_KEY (not in production) the tenant
 * BOOTSTRAP_TENANT_ID exists with exactly that key (tier BOOTSTRAP_TIER, scope admin:all);
 * without it, outside production, a development tenant and key are created and the key is
 * returned so the local host can print it once.
 */
import { getConfig } from '../src/shared/config';
import { hashApiKey } from '../src/shared/core/api-key';
import { createApiKey, newKeyRecord } from '../src/shared/identity/api-keys';
import { readApiKeyByHash, upsertApiKey } from '../src/shared/identity/api-key-store';
import { keyCache, tenantCache } from '../src/shared/identity/caches';
import { readTenant, upsertTenant } from '../src/shared/identity/tenant-store';

export interface BootstrapResult {
  tenantId: string;
  /** 'configured': BOOTSTRAP_API_KEY is in place; 'created': a new development key (printed once); 'skipped': production. */
  outcome: 'configured' | 'created' | 'skipped';
  /** The new development key (only when outcome is 'created'). */
  apiKey?: string;
}

async function ensureTenant(id: string, now: string): Promise<void> {
  const c = getConfig();
  const existing = await readTenant(id);
  if (existing && !existing.disabled) return;
  const { _etag: _, ...doc } = existing ?? { id, name: `Bootstrap tenant ${id}`, tier: c.BOOTSTRAP_TIER, createdAt: now };
  await upsertTenant({ ...doc, disabled: false, updatedAt: now });
  tenantCache().delete(id);
}

export async function ensureBootstrap(now: Date = new Date()): Promise<BootstrapResult> {
  const c = getConfig();
  const tenantId = c.BOOTSTRAP_TENANT_ID;
  if (c.ENVIRONMENT === 'production') return { tenantId, outcome: 'skipped' };
  const at = now.toISOString();
  await ensureTenant(tenantId, at);
  if (c.BOOTSTRAP_API_KEY) {
    const key = c.BOOTSTRAP_API_KEY;
    const existing = await readApiKeyByHash(hashApiKey(key, c.API_KEY_SALT));
    const record = newKeyRecord(
      { tenantId, name: 'Bootstrap key', description: 'From BOOTSTRAP_API_KEY', scopes: ['admin:all'], createdBy: 'bootstrap' },
      key,
      now,
    );
    // Re-activates the exact key if it was revoked or expired: the setting is the source of truth.
    await upsertApiKey(existing ? { ...record, keyId: existing.keyId, createdAt: existing.createdAt, lastUsedAt: existing.lastUsedAt } : record);
    keyCache().delete(record.id);
    return { tenantId, outcome: 'configured' };
  }
  const created = await createApiKey(
    { tenantId, name: 'Development key', description: 'Created by npm start', scopes: ['admin:all'], createdBy: 'bootstrap' },
    now,
  );
  return { tenantId, outcome: 'created', apiKey: created.key };
}

/** Lines for the local host's start banner (the development key is printed here, once). */
export function bootstrapLines(r: BootstrapResult): string[] {
  switch (r.outcome) {
    case 'configured':
      return [`  Bootstrap: tenant "${r.tenantId}" with the BOOTSTRAP_API_KEY (scope admin:all)`];
    case 'created':
      return [
        `  Bootstrap: created tenant "${r.tenantId}" and a development key (scope admin:all), shown only now:`,
        `    X-API-Key: ${r.apiKey ?? ''}`,
        '    (set BOOTSTRAP_API_KEY to keep one key across restarts)',
      ];
    default:
      return [];
  }
}
