/** Identity, the happy paths, through the local host with real Redis and the Cosmos emulator. */
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';
import { identityHost, TEST_ADMIN_KEY } from '../helpers/host-presets';
import { ensureBootstrap } from '../../local/bootstrap';
import { resetConfig } from '../../src/shared/config';

const h = useTestHost(identityHost({ RATE_LIMIT_TIER_LIMITS: '{"free":"20/minute"}' }));
let api: string;
const admin = { 'x-api-key': TEST_ADMIN_KEY };

beforeAll(async () => {
  api = h.api;
});

async function onboard(tier = 'pro') {
  const r = await call(`${api}/v1/admin/tenants`, { method: 'POST', headers: admin, body: { name: 'Acme', tier } });
  expect(r.status).toBe(201);
  const data = r.body.data as { tenant: { id: string }; api_key: { id: string; key: string } };
  return { tenantId: data.tenant.id, key: data.api_key.key, keyId: data.api_key.id };
}

describe('identity: happy paths', () => {
  it('onboards a tenant with a first admin:all key', async () => {
    const r = await call(`${api}/v1/admin/tenants`, {
      method: 'POST',
      headers: admin,
      body: { id: 'acme-happy', name: 'Acme Inc', tier: 'basic' },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const data = r.body.data as { tenant: Record<string, unknown>; api_key: Record<string, unknown> };
    expect(data.tenant).toMatchObject({ id: 'acme-happy', name: 'Acme Inc', tier: 'basic', disabled: false });
    expect(data.api_key).toMatchObject({ scopes: ['admin:all'], status: 'active', tenant_id: 'acme-happy' });
    expect(String(data.api_key.key)).toMatch(/^eva_sk_[A-Za-z0-9_-]{43}$/);
    expect(String(data.api_key.key).startsWith(String(data.api_key.prefix))).toBe(true);

    const list = await call(`${api}/v1/admin/tenants?limit=100`, { headers: admin });
    expect(list.status).toBe(200);
    expect((list.body.data as unknown as Array<{ id: string }>).some((t) => t.id === 'acme-happy')).toBe(true);
    expect(list.body.pagination).toBeDefined();
  });

  it('creates, lists, gets and revokes keys; the secret is shown once and stored hashed', async () => {
    const t = await onboard();
    const created = await call(`${api}/v1/api-keys`, {
      method: 'POST',
      headers: { 'x-api-key': t.key },
      body: { name: 'reader', description: 'read only', scopes: ['spaces:read', 'documents:read'] },
    });
    expect(created.status).toBe(201);
    const k = created.body.data as { id: string; key: string; prefix: string; scopes: string[] };
    expect(k.scopes).toEqual(['spaces:read', 'documents:read']);

    const list = await call(`${api}/v1/api-keys`, { headers: { 'x-api-key': t.key } });
    expect(list.status).toBe(200);
    const items = list.body.data as unknown as Array<Record<string, unknown>>;
    expect(items.map((i) => i.id).sort()).toEqual([t.keyId, k.id].sort());
    for (const i of items) expect(i.key).toBeUndefined();

    const got = await call(`${api}/v1/api-keys/${k.id}`, { headers: { 'x-api-key': t.key } });
    expect(got.status).toBe(200);
    expect(got.body.data).toMatchObject({ id: k.id, name: 'reader', description: 'read only', prefix: k.prefix });
    expect(got.body.data?.key).toBeUndefined();
    expect(got.headers.get('etag')).toBeTruthy();

    const who = await call(`${api}/v1/auth/whoami`, { headers: { 'x-api-key': k.key } });
    expect(who.body.data).toMatchObject({ kind: 'api_key', tenant_id: t.tenantId, key_id: k.id, tier: 'pro' });

    const del = await call(`${api}/v1/api-keys/${k.id}`, { method: 'DELETE', headers: { 'x-api-key': t.key } });
    expect(del.status).toBe(204);
    expect((await call(`${api}/v1/auth/whoami`, { headers: { 'x-api-key': k.key } })).status).toBe(401);
    const after = await call(`${api}/v1/api-keys/${k.id}`, { headers: { 'x-api-key': t.key } });
    expect(after.body.data).toMatchObject({ status: 'revoked' });
  });

  it('exchanges a key for tokens, calls with the JWT, refreshes', async () => {
    const t = await onboard('basic');
    const tok = await call(`${api}/v1/auth/token`, { method: 'POST', headers: { 'x-api-key': t.key } });
    expect(tok.status).toBe(200);
    const pair = tok.body.data as { access_token: string; refresh_token: string; token_type: string; expires_in: number };
    expect(pair.token_type).toBe('Bearer');
    expect(pair.expires_in).toBe(30 * 60);
    const who = await call(`${api}/v1/auth/whoami`, { headers: { authorization: `Bearer ${pair.access_token}` } });
    expect(who.status).toBe(200);
    expect(who.body.data).toMatchObject({ kind: 'jwt', tenant_id: t.tenantId, key_id: t.keyId, tier: 'basic', scopes: ['admin:all'] });
    const keys = await call(`${api}/v1/api-keys`, { headers: { authorization: `Bearer ${pair.access_token}` } });
    expect(keys.status).toBe(200);

    const ref = await call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: pair.refresh_token } });
    expect(ref.status).toBe(200);
    const next = ref.body.data as { access_token: string; refresh_token: string };
    expect(next.refresh_token).not.toBe(pair.refresh_token);
    expect((await call(`${api}/v1/auth/whoami`, { headers: { authorization: `Bearer ${next.access_token}` } })).status).toBe(200);
    const again = await call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: next.refresh_token } });
    expect(again.status).toBe(200);
  });

  it('reports rate-limit headers, and a key and its tokens share one counter', async () => {
    const t = await onboard('free'); // 20/minute in this test
    const a = await call(`${api}/v1/auth/whoami`, { headers: { 'x-api-key': t.key } });
    expect(a.headers.get('x-ratelimit-limit')).toBe('20');
    expect(a.headers.get('x-ratelimit-remaining')).toBe('19');
    const reset = Number(a.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
    const tok = await call(`${api}/v1/auth/token`, { method: 'POST', headers: { 'x-api-key': t.key } });
    expect(tok.headers.get('x-ratelimit-remaining')).toBe('18');
    const jwt = (tok.body.data as { access_token: string }).access_token;
    const b = await call(`${api}/v1/auth/whoami`, { headers: { authorization: `Bearer ${jwt}` } });
    expect(b.headers.get('x-ratelimit-remaining')).toBe('17');
  });

  it('sends no rate-limit headers for the unlimited enterprise tier', async () => {
    const t = await onboard('enterprise');
    const r = await call(`${api}/v1/auth/whoami`, { headers: { 'x-api-key': t.key } });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('rotates a key: the old one works during the grace period, not after', async () => {
    const t = await onboard();
    const r = await call(`${api}/v1/api-keys/${t.keyId}/rotate`, {
      method: 'POST',
      headers: { 'x-api-key': t.key },
      body: { grace_period_days: 7 },
    });
    expect(r.status).toBe(201);
    const n = r.body.data as { id: string; key: string; rotated_from: string; grace_period_days: number; old_key_expires_at: string; scopes: string[] };
    expect(n).toMatchObject({ rotated_from: t.keyId, grace_period_days: 7, scopes: ['admin:all'] });
    expect(Date.parse(n.old_key_expires_at)).toBeGreaterThan(Date.now() + 6.9 * 86_400_000);
    expect((await call(`${api}/v1/auth/whoami`, { headers: { 'x-api-key': t.key } })).status).toBe(200);
    expect((await call(`${api}/v1/auth/whoami`, { headers: { 'x-api-key': n.key } })).status).toBe(200);

    // Grace 0: the old key stops at once.
    const r2 = await call(`${api}/v1/api-keys/${n.id}/rotate`, { method: 'POST', headers: { 'x-api-key': n.key }, body: {} });
    expect(r2.status).toBe(201);
    expect((r2.body.data as { grace_period_days: number }).grace_period_days).toBe(7); // KEY_ROTATION_GRACE_DAYS default
    const r3 = await call(`${api}/v1/api-keys/${(r2.body.data as { id: string }).id}/rotate`, {
      method: 'POST',
      headers: { 'x-api-key': (r2.body.data as { key: string }).key },
      body: { grace_period_days: 0 },
    });
    expect(r3.status).toBe(201);
    const old = await call(`${api}/v1/auth/whoami`, { headers: { 'x-api-key': (r2.body.data as { key: string }).key } });
    expect(old.status).toBe(401);
    expect(old.body.error?.message).toContain('expired');
  });

  it('ensureBootstrap installs BOOTSTRAP_API_KEY exactly, and otherwise creates a development key', async () => {
    process.env.BOOTSTRAP_API_KEY = 'my-own-bootstrap-key-that-is-long-enough-123';
    process.env.BOOTSTRAP_TENANT_ID = 'boot-test';
    resetConfig();
    try {
      expect(await ensureBootstrap()).toMatchObject({ tenantId: 'boot-test', outcome: 'configured' });
      expect(await ensureBootstrap()).toMatchObject({ outcome: 'configured' });
      const who = await call(`${api}/v1/auth/whoami`, { headers: { 'x-api-key': 'my-own-bootstrap-key-that-is-long-enough-123' } });
      expect(who.status).toBe(200);
      expect(who.body.data).toMatchObject({ tenant_id: 'boot-test', tier: 'pro', scopes: ['admin:all'] });
      delete process.env.BOOTSTRAP_API_KEY;
      resetConfig();
      const dev = await ensureBootstrap();
      expect(dev.outcome).toBe('created');
      const who2 = await call(`${api}/v1/auth/whoami`, { headers: { 'x-api-key': String(dev.apiKey) } });
      expect(who2.body.data).toMatchObject({ tenant_id: 'boot-test' });
    } finally {
      delete process.env.BOOTSTRAP_API_KEY;
      delete process.env.BOOTSTRAP_TENANT_ID;
      resetConfig();
    }
  });
});
