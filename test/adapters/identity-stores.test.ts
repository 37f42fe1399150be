/** The identity stores and services against the embedded Cosmos emulator. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetServices } from '../../src/shared/services';
import { startEmulators, type RunningEmulators } from '../../local/emulators';
import { createTenantWithKey, createKeyFor } from '../helpers/identity';
import { authenticateApiKey, getApiKey, readApiKeyOnce, revokeApiKey, rotateApiKey } from '../../src/shared/identity/api-keys';
import { authenticateBearer, exchangeApiKey, refreshTokens } from '../../src/shared/identity/auth-tokens';
import { updateTenant } from '../../src/shared/identity/tenants';
import { AppError } from '../../src/shared/core/errors';

let emulators: RunningEmulators;

beforeAll(async () => {
  process.env.API_KEY_CACHE_SECONDS = '0';
  emulators = await startEmulators({ blob: false });
  await resetServices();
});
afterAll(async () => {
  await resetServices();
  await emulators.stop();
});

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

describe('identity stores', () => {
  it('creates a tenant with a key that authenticates, and scoped keys', async () => {
    const t = await createTenantWithKey({ tier: 'basic' });
    const p = await authenticateApiKey(t.apiKey);
    expect(p).toMatchObject({ kind: 'api_key', tenantId: t.tenantId, keyId: t.keyId, tier: 'basic', scopes: ['admin:all'] });
    const s = await createKeyFor(t.tenantId, ['spaces:read']);
    expect((await authenticateApiKey(s.apiKey)).scopes).toEqual(['spaces:read']);
    expect(await code(createTenantWithKey({ tenantId: t.tenantId }))).toBe('CONFLICT');
  });

  it('revokes, expires and disables', async () => {
    const t = await createTenantWithKey();
    await revokeApiKey(t.tenantId, t.keyId);
    expect(await code(authenticateApiKey(t.apiKey))).toBe('UNAUTHENTICATED');
    const e = await createKeyFor(t.tenantId, ['spaces:read'], new Date(Date.now() - 1000).toISOString());
    expect(await code(authenticateApiKey(e.apiKey))).toBe('UNAUTHENTICATED');
    const ok = await createKeyFor(t.tenantId, ['spaces:read']);
    expect(await code(authenticateApiKey(ok.apiKey))).toBe('resolved');
    await updateTenant(t.tenantId, { disabled: true });
    expect(await code(authenticateApiKey(ok.apiKey))).toBe('UNAUTHENTICATED');
  });

  it('rotates with a grace period and reveals a sealed successor once', async () => {
    const t = await createTenantWithKey();
    const r = await rotateApiKey(t.tenantId, t.keyId, 7, { actor: 'system', createdBy: 'rotation', sealSecret: true });
    expect(await code(authenticateApiKey(t.apiKey))).toBe('resolved');
    expect(await code(authenticateApiKey(r.key))).toBe('resolved');
    const old = await getApiKey(t.tenantId, t.keyId);
    expect(old.rotatedToKeyId).toBe(r.record.keyId);
    expect(Date.parse(old.expiresAt ?? '')).toBeGreaterThan(Date.now() + 6.9 * 86_400_000);
    const first = await readApiKeyOnce(t.tenantId, r.record.keyId, 'system');
    expect(first.key).toBe(r.key);
    const second = await readApiKeyOnce(t.tenantId, r.record.keyId, 'system');
    expect(second.key).toBeUndefined();
    expect(await code(rotateApiKey(t.tenantId, t.keyId, 1, { actor: 'system', createdBy: 'x' }))).toBe('CONFLICT');
  });

  it('exchanges, refreshes once, and revokes the family on reuse', async () => {
    const t = await createTenantWithKey({ tier: 'free' });
    const p = await authenticateApiKey(t.apiKey);
    const pair = await exchangeApiKey(p, t.apiKey);
    expect(await authenticateBearer(pair.access_token)).toMatchObject({ kind: 'jwt', tenantId: t.tenantId, tier: 'free' });
    const next = await refreshTokens(pair.refresh_token);
    expect(await code(refreshTokens(pair.refresh_token))).toBe('UNAUTHENTICATED');
    // The reuse revoked the family, including the newest token.
    expect(await code(refreshTokens(next.refresh_token))).toBe('UNAUTHENTICATED');
  });
});
