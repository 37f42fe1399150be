/** Identity under attack: bad credentials, forged tokens, refresh reuse, scope escalation, rate limits. */
import { request as httpRequest } from 'node:http';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from '../../src/shared/core/tokens';
import { call } from '../helpers/api-call';
import { setSetting, useTestHost } from '../helpers/test-host';
import { identityHost, TEST_ADMIN_KEY, TEST_JWT_SECRET } from '../helpers/host-presets';
import { createKeyFor, createTenantWithKey } from '../helpers/identity';

const h = useTestHost(identityHost({ RATE_LIMIT_TIER_LIMITS: '{"free":"20/minute"}' }));
let api: string;
const who = (headers: Record<string, string>) => call(`${api}/v1/auth/whoami`, { headers });
const settings = { secret: TEST_JWT_SECRET, issuer: 'eva-api', audience: 'eva-api', expiresInMinutes: 30 };
/** POST /v1/auth/refresh with an empty body from a chosen loopback source address; returns the status. */
function anonymousRefresh(localAddress: string, forwardedFor?: string): Promise<number> {
  const url = new URL(`${api}/v1/auth/refresh`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

beforeAll(async () => {
  api = h.api;
});

function expect401(r: { status: number; body: { error?: { code: string } } }) {
  expect(r.status).toBe(401);
  expect(r.body.error?.code).toBe('UNAUTHENTICATED');
}

describe('API keys', () => {
  it('refuses missing, empty, malformed, wrong-prefix and unknown keys with 401', async () => {
    const { apiKey } = await createTenantWithKey();
    const missing = await who({});
    expect401(missing);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    for (const bad of ['', ' ', 'abc', 'eva_sk_', apiKey.slice(0, -1), apiKey + 'x', apiKey.replace('eva_sk_', 'eva_pk_'), `Bearer ${apiKey}`]) {
      expect401(await who({ 'x-api-key': bad }));
    }
    expect401(await who({ 'x-api-key': `eva_sk_${'A'.repeat(43)}` }));
    expect(missing.body.error?.message).not.toMatch(/cosmos|sdk|stack/i);
  });

  it('refuses revoked and expired keys', async () => {
    const t = await createTenantWithKey();
    const k = await createKeyFor(t.tenantId, ['spaces:read']);
    expect((await who({ 'x-api-key': k.apiKey })).status).toBe(200);
    expect((await call(`${api}/v1/api-keys/${k.keyId}`, { method: 'DELETE', headers: { 'x-api-key': t.apiKey } })).status).toBe(204);
    // Revocation is immediate on the instance that handled it (others: within API_KEY_CACHE_SECONDS).
    expect401(await who({ 'x-api-key': k.apiKey }));
    const expired = await createKeyFor(t.tenantId, ['spaces:read'], new Date(Date.now() - 1000).toISOString());
    const r = await who({ 'x-api-key': expired.apiKey });
    expect401(r);
    expect(r.body.error?.message).toContain('expired');
  });

  it("treats another tenant's key as not found (404), and leaves it untouched", async () => {
    const a = await createTenantWithKey();
    const b = await createTenantWithKey();
    const h1 = { 'x-api-key': b.apiKey };
    expect((await call(`${api}/v1/api-keys/${a.keyId}`, { headers: h1 })).status).toBe(404);
    expect((await call(`${api}/v1/api-keys/${a.keyId}`, { method: 'DELETE', headers: h1 })).status).toBe(404);
    expect((await call(`${api}/v1/api-keys/${a.keyId}/rotate`, { method: 'POST', headers: h1, body: {} })).status).toBe(404);
    const list = await call(`${api}/v1/api-keys`, { headers: h1 });
    expect((list.body.data as unknown as Array<{ id: string }>).map((k) => k.id)).toEqual([b.keyId]);
    expect((await who({ 'x-api-key': a.apiKey })).status).toBe(200);
  });

  it('answers 403 for a missing scope; admin:all grants every scope', async () => {
    const t = await createTenantWithKey({ scopes: ['spaces:read'] });
    const r = await call(`${api}/v1/api-keys`, { headers: { 'x-api-key': t.apiKey } });
    expect(r.status).toBe(403);
    expect(r.body.error?.code).toBe('FORBIDDEN');
    expect((await call(`${api}/health/detailed`, { headers: { 'x-api-key': t.apiKey } })).status).toBe(403);
    const admin = await createTenantWithKey();
    expect((await call(`${api}/v1/api-keys`, { headers: { 'x-api-key': admin.apiKey } })).status).toBe(200);
    expect([200, 503]).toContain((await call(`${api}/health/detailed`, { headers: { 'x-api-key': admin.apiKey } })).status);
  });

  it('does not let a key grant or rotate scopes it lacks', async () => {
    const t = await createTenantWithKey({ scopes: ['keys:manage', 'spaces:read'] });
    const hdr = { 'x-api-key': t.apiKey };
    for (const scopes of [['spaces:write'], ['admin:all'], ['spaces:read', 'documents:write']]) {
      const r = await call(`${api}/v1/api-keys`, { method: 'POST', headers: hdr, body: { name: 'x', scopes } });
      expect(r.status).toBe(403);
      expect(r.body.error?.code).toBe('FORBIDDEN');
    }
    const ok = await call(`${api}/v1/api-keys`, { method: 'POST', headers: hdr, body: { name: 'x', scopes: ['spaces:read'] } });
    expect(ok.status).toBe(201);
    const strong = await createKeyFor(t.tenantId, ['documents:write']);
    const rot = await call(`${api}/v1/api-keys/${strong.keyId}/rotate`, { method: 'POST', headers: hdr, body: {} });
    expect(rot.status).toBe(403);
    // Nothing was stored by the refused calls: the tenant's first key, the test key, `ok` and `strong`.
    const list = await call(`${api}/v1/api-keys?limit=100`, { headers: hdr });
    expect((list.body.data as unknown as unknown[]).length).toBe(4);
  });
});

describe('JWTs', () => {
  async function tenantToken() {
    const t = await createTenantWithKey();
    return { t, ...(await issueAccessToken(settings, { sub: t.keyId, tenantId: t.tenantId, scopes: ['admin:all'], tier: 'pro' })) };
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('accepts a valid token', async () => {
    const { token } = await tenantToken();
    expect((await who(bearer(token))).status).toBe(200);
  });

  it('refuses expired, not-yet-valid, other-secret, alg none, changed and tenant-less tokens', async () => {
    const { t, token } = await tenantToken();
    const subject = { sub: t.keyId, tenantId: t.tenantId, scopes: ['admin:all' as const] };
    expect401(await who(bearer((await issueAccessToken(settings, subject, new Date(Date.now() - 40 * 60_000))).token)));
    expect401(await who(bearer((await issueAccessToken(settings, subject, new Date(Date.now() + 10 * 60_000))).token)));
    expect401(await who(bearer((await issueAccessToken({ ...settings, secret: 'some-other-secret-0123456789abcdef0123' }, subject)).token)));
    const [, payload, sig] = token.split('.');
    expect401(await who(bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`)));
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    expect401(await who(bearer(`${token.split('.')[0]}.${b64({ ...claims, tenant_id: 'someone-else' })}.${sig}`)));
    const now = Math.floor(Date.now() / 1000);
    const noTenant = await new SignJWT({ scopes: ['admin:all'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(t.keyId)
      .setIssuer('eva-api')
      .setAudience('eva-api')
      .setJti('x')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expect401(await who(bearer(noTenant)));
    // A correctly signed token for a tenant that does not exist.
    expect401(await who(bearer((await issueAccessToken(settings, { ...subject, tenantId: 'no-such-tenant' })).token)));
    for (const h2 of ['Bearer', 'Bearer ', 'Basic abc', `bearer${token}`, `Bearer ${token} extra`]) {
      expect401(await who({ authorization: h2 }));
    }
  });

  it('a token cannot mint tokens; only an API key can', async () => {
    const { token } = await tenantToken();
    const r = await call(`${api}/v1/auth/token`, { method: 'POST', headers: bearer(token) });
    expect(r.status).toBe(403);
  });

  it('revokes the whole family when a used refresh token comes back', async () => {
    const t = await createTenantWithKey();
    const pair = (await call(`${api}/v1/auth/token`, { method: 'POST', headers: { 'x-api-key': t.apiKey } })).body.data as {
      refresh_token: string;
    };
    const next = (await call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: pair.refresh_token } })).body.data as {
      refresh_token: string;
    };
    expect(next.refresh_token).toBeTruthy();
    expect401(await call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: pair.refresh_token } }));
    expect401(await call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: next.refresh_token } }));
    expect401(await call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: 'eva_rt_' + 'x'.repeat(43) } }));
    expect401(await call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: 'nope' } }));
  });

  it('lets only one of three concurrent uses of a refresh token succeed', async () => {
    const t = await createTenantWithKey();
    const pair = (await call(`${api}/v1/auth/token`, { method: 'POST', headers: { 'x-api-key': t.apiKey } })).body.data as {
      refresh_token: string;
    };
    const rs = await Promise.all([1, 2, 3].map(() => call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: pair.refresh_token } })));
    expect(rs.filter((r) => r.status === 200)).toHaveLength(1);
    expect(rs.filter((r) => r.status === 401)).toHaveLength(2);
  });

  it('refuses refresh once the key is revoked', async () => {
    const t = await createTenantWithKey();
    const k = await createKeyFor(t.tenantId, ['spaces:read']);
    const pair = (await call(`${api}/v1/auth/token`, { method: 'POST', headers: { 'x-api-key': k.apiKey } })).body.data as {
      refresh_token: string;
    };
    await call(`${api}/v1/api-keys/${k.keyId}`, { method: 'DELETE', headers: { 'x-api-key': t.apiKey } });
    expect401(await call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: pair.refresh_token } }));
  });
});

describe('disabled tenants and the platform admin key', () => {
  it("stops a disabled tenant's keys and tokens at once, and restores them when re-enabled", async () => {
    const t = await createTenantWithKey();
    const tok = (await call(`${api}/v1/auth/token`, { method: 'POST', headers: { 'x-api-key': t.apiKey } })).body.data as {
      access_token: string;
      refresh_token: string;
    };
    const admin = { 'x-api-key': TEST_ADMIN_KEY };
    const off = await call(`${api}/v1/admin/tenants/${t.tenantId}`, { method: 'PATCH', headers: admin, body: { disabled: true } });
    expect(off.status).toBe(200);
    expect(off.body.data).toMatchObject({ disabled: true });
    expect401(await who({ 'x-api-key': t.apiKey }));
    expect401(await who({ authorization: `Bearer ${tok.access_token}` }));
    expect401(await call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: tok.refresh_token } }));
    await call(`${api}/v1/admin/tenants/${t.tenantId}`, { method: 'PATCH', headers: admin, body: { disabled: false, tier: 'free' } });
    const back = await who({ 'x-api-key': t.apiKey });
    expect(back.status).toBe(200);
    expect(back.body.data).toMatchObject({ tier: 'free' });
    // The refresh refused while the tenant was disabled did not use the token up.
    const again = await call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: tok.refresh_token } });
    expect(again.status).toBe(200);
    expect(again.body.data.refresh_token).toMatch(/^eva_rt_/);
  });

  it('guards admin routes with the platform key (constant-time), and hides them without the setting', async () => {
    const t = await createTenantWithKey();
    expect401(await call(`${api}/v1/admin/tenants`, { headers: { 'x-api-key': t.apiKey } }));
    expect401(await call(`${api}/v1/admin/tenants`, { headers: { 'x-api-key': TEST_ADMIN_KEY + 'x' } }));
    expect401(await call(`${api}/v1/admin/tenants`, {}));
    // The platform key is not a tenant key.
    expect401(await who({ 'x-api-key': TEST_ADMIN_KEY }));
    setSetting('PLATFORM_ADMIN_API_KEY', undefined);
    try {
      const r = await call(`${api}/v1/admin/tenants`, { method: 'POST', headers: { 'x-api-key': TEST_ADMIN_KEY }, body: { name: 'x' } });
      expect(r.status).toBe(404);
      expect((await call(`${api}/v1/admin/tenants`, { headers: { 'x-api-key': TEST_ADMIN_KEY } })).status).toBe(404);
    } finally {
      setSetting('PLATFORM_ADMIN_API_KEY', TEST_ADMIN_KEY);
    }
  });
});

describe('rate limits (real Redis)', () => {
  it('lets exactly 20 of 50 parallel requests through a limit of 20; the rest get 429 with Retry-After', async () => {
    const t = await createTenantWithKey({ tier: 'free' });
    const rs = await Promise.all(Array.from({ length: 50 }, () => who({ 'x-api-key': t.apiKey })));
    expect(rs.filter((r) => r.status === 200)).toHaveLength(20);
    const limited = rs.filter((r) => r.status === 429);
    expect(limited).toHaveLength(30);
    for (const r of limited) {
      expect(r.body.error?.code).toBe('RATE_LIMIT_EXCEEDED');
      const retry = Number(r.headers.get('retry-after'));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(60);
      expect(r.body.error?.retry_after).toBe(retry);
      expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(r.headers.get('x-ratelimit-limit')).toBe('20');
      expect(r.body.meta).toBeDefined();
    }
    // Another key of the same tenant shares the tenant's counter (more keys are not more requests).
    const other = await createKeyFor(t.tenantId, ['spaces:read']);
    expect((await who({ 'x-api-key': other.apiKey })).status).toBe(429);
  });

  it('does not count refused credentials against the tenant they name (auth runs first)', async () => {
    const t = await createTenantWithKey({ tier: 'free' });
    await Promise.all(Array.from({ length: 30 }, () => who({ 'x-api-key': t.apiKey.slice(0, -1) + 'Z' })));
    const r = await who({ 'x-api-key': t.apiKey });
    expect(r.headers.get('x-ratelimit-remaining')).toBe('19');
  });

  it('limits anonymous callers per client address at RATE_LIMIT_DEFAULT, and a forged X-Forwarded-For does not help', async () => {
    setSetting('RATE_LIMIT_DEFAULT', '3/minute');
    try {
      // Distinct loopback source addresses stand for distinct clients (127.0.0.0/8 is all loopback).
      const base = 2 + Math.floor(Math.random() * 200);
      const from = (n: number) => `127.0.${base}.${n}`;
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push(await anonymousRefresh(from(1), `203.0.113.${i}`));
      // Each request claimed another address in X-Forwarded-For; the front end's own entry is what counts.
      statuses.push(await anonymousRefresh(from(1), '203.0.113.99'));
      expect(statuses).toEqual([400, 400, 400, 429]);
      expect(await anonymousRefresh(from(2))).toBe(400);
    } finally {
      setSetting('RATE_LIMIT_DEFAULT', '100000/hour');
    }
  });
});
