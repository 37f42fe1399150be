/** Multi-step identity writes undo their first step when the second fails (emulator + an injected store failure). */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetServices } from '../../src/shared/services';
import { startEmulators, type RunningEmulators } from '../../local/emulators';
import { dependencyUnavailable } from '../../src/shared/core/errors';
import * as keyStore from '../../src/shared/identity/api-key-store';
import { getApiKey, rotateApiKey } from '../../src/shared/identity/api-keys';
import { createTenant } from '../../src/shared/identity/tenants';
import { readTenant } from '../../src/shared/identity/tenant-store';
import { createTenantWithKey } from '../helpers/identity';

let emulators: RunningEmulators;

beforeAll(async () => {
  process.env.API_KEY_CACHE_SECONDS = '0';
  emulators = await startEmulators({ blob: false });
  await resetServices();
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  await resetServices();
  await emulators.stop();
});

const failOnce = () =>
  vi.spyOn(keyStore, 'insertApiKey').mockImplementationOnce(async () => {
    throw dependencyUnavailable('cosmos');
  });

describe('identity compensation', () => {
  it('a tenant whose first key cannot be stored is removed, so the retry succeeds', async () => {
    const id = `t-comp-${Date.now()}`;
    failOnce();
    await expect(createTenant({ id, name: 'Comp', tier: 'free' }, 'test')).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
    expect(await readTenant(id)).toBeUndefined();
    const retry = await createTenant({ id, name: 'Comp', tier: 'free' }, 'test');
    expect(retry.tenant.id).toBe(id);
    expect(retry.apiKey.key).toMatch(/^eva_sk_/);
  });

  it('a rotation whose successor cannot be stored leaves the old key as it was, and can be retried', async () => {
    const t = await createTenantWithKey();
    const before = await getApiKey(t.tenantId, t.keyId);
    failOnce();
    await expect(rotateApiKey(t.tenantId, t.keyId, 7, { actor: 'system', createdBy: 'test' })).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
    });
    const after = await getApiKey(t.tenantId, t.keyId);
    expect(after.rotatedToKeyId).toBe(before.rotatedToKeyId);
    expect(after.expiresAt).toBe(before.expiresAt);
    const rotated = await rotateApiKey(t.tenantId, t.keyId, 7, { actor: 'system', createdBy: 'test' });
    expect(rotated.previous.rotatedToKeyId).toBe(rotated.record.keyId);
  });
});
