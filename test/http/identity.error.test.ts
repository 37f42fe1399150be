/** Identity endpoints given bad input: clear 4xx envelopes, never a 500, stored data unchanged. */
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';
import { identityHost, TEST_ADMIN_KEY } from '../helpers/host-presets';
import { createKeyFor, createTenantWithKey } from '../helpers/identity';

const h = useTestHost(identityHost());
let api: string;
const admin = { 'x-api-key': TEST_ADMIN_KEY };

beforeAll(async () => {
  api = h.api;
});

function expectError(r: { status: number; body: { error?: { code: string } } }, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.body.error?.code).toBe(code);
}

describe('api-keys: bad input', () => {
  it('rejects bad create bodies with 400 and stores nothing', async () => {
    const t = await createTenantWithKey();
    const hdr = { 'x-api-key': t.apiKey };
    const bodies: unknown[] = [
      {},
      { name: '', scopes: ['spaces:read'] },
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['spaces:everything'] },
      { name: 'x', scopes: 'spaces:read' },
      { name: 'x', scopes: ['spaces:read', 'spaces:read'] },
      { name: 'x', scopes: ['spaces:read'], extra: 1 },
      { name: 'x', scopes: ['spaces:read'], expires_at: '2001-01-01T00:00:00Z' },
      { name: 'x', scopes: ['spaces:read'], expires_at: 'tomorrow' },
      { name: 'x'.repeat(101), scopes: ['spaces:read'] },
      [],
      'null',
    ];
    for (const body of bodies) {
      const r = await call(`${api}/v1/api-keys`, { method: 'POST', headers: hdr, body });
      expectError(r, 400, 'VALIDATION_ERROR');
    }
    expectError(await call(`${api}/v1/api-keys`, { method: 'POST', headers: hdr, body: '{"name":' }), 400, 'VALIDATION_ERROR');
    const noType = await call(`${api}/v1/api-keys`, {
      method: 'POST',
      headers: { ...hdr, 'content-type': 'text/plain' },
      body: '{"name":"x","scopes":["spaces:read"]}',
    });
    expectError(noType, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const list = await call(`${api}/v1/api-keys`, { headers: hdr });
    expect((list.body.data as unknown as unknown[]).length).toBe(1);
  });

  it('rejects bad list parameters', async () => {
    const t = await createTenantWithKey();
    const hdr = { 'x-api-key': t.apiKey };
    expectError(await call(`${api}/v1/api-keys?limit=0`, { headers: hdr }), 400, 'VALIDATION_ERROR');
    expectError(await call(`${api}/v1/api-keys?limit=abc`, { headers: hdr }), 400, 'VALIDATION_ERROR');
    expectError(await call(`${api}/v1/api-keys?cursor=forged`, { headers: hdr }), 400, 'VALIDATION_ERROR');
    expectError(await call(`${api}/v1/api-keys?sort=name`, { headers: hdr }), 400, 'VALIDATION_ERROR');
  });

  it('paginates with a cursor', async () => {
    const t = await createTenantWithKey();
    for (let i = 0; i < 3; i++) await createKeyFor(t.tenantId, ['spaces:read']);
    const hdr = { 'x-api-key': t.apiKey };
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: Awaited<ReturnType<typeof call>> = await call(`${api}/v1/api-keys?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
        headers: hdr,
      });
      expect(r.status).toBe(200);
      seen.push(...(r.body.data as unknown as Array<{ id: string }>).map((k) => k.id));
      cursor = (r.body.pagination as { cursor: string | null }).cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(4);
  });

  it('rejects bad rotations and keeps the key as it was', async () => {
    const t = await createTenantWithKey();
    const hdr = { 'x-api-key': t.apiKey };
    const k = await createKeyFor(t.tenantId, ['spaces:read']);
    for (const body of [{ grace_period_days: -1 }, { grace_period_days: 91 }, { grace_period_days: '7' }, { grace_period_days: 1.5 }, { days: 7 }]) {
      expectError(await call(`${api}/v1/api-keys/${k.keyId}/rotate`, { method: 'POST', headers: hdr, body }), 400, 'VALIDATION_ERROR');
    }
    expectError(await call(`${api}/v1/api-keys/key_nope/rotate`, { method: 'POST', headers: hdr, body: {} }), 404, 'NOT_FOUND');
    const got = await call(`${api}/v1/api-keys/${k.keyId}`, { headers: hdr });
    expect(got.body.data).toMatchObject({ rotated_to: null, expires_at: null, status: 'active' });

    expect((await call(`${api}/v1/api-keys/${k.keyId}/rotate`, { method: 'POST', headers: hdr, body: {} })).status).toBe(201);
    expectError(await call(`${api}/v1/api-keys/${k.keyId}/rotate`, { method: 'POST', headers: hdr, body: {} }), 409, 'CONFLICT');
    const revoked = await createKeyFor(t.tenantId, ['spaces:read']);
    await call(`${api}/v1/api-keys/${revoked.keyId}`, { method: 'DELETE', headers: hdr });
    expectError(await call(`${api}/v1/api-keys/${revoked.keyId}/rotate`, { method: 'POST', headers: hdr, body: {} }), 409, 'CONFLICT');
  });

  it('honours If-Match on delete (412 when stale) and 404s unknown keys', async () => {
    const t = await createTenantWithKey();
    const hdr = { 'x-api-key': t.apiKey };
    const k = await createKeyFor(t.tenantId, ['spaces:read']);
    const got = await call(`${api}/v1/api-keys/${k.keyId}`, { headers: hdr });
    const etag = String(got.headers.get('etag'));
    expectError(await call(`${api}/v1/api-keys/${k.keyId}`, { method: 'DELETE', headers: { ...hdr, 'if-match': '"stale"' } }), 412, 'PRECONDITION_FAILED');
    expect((await call(`${api}/v1/auth/whoami`, { headers: { 'x-api-key': k.apiKey } })).status).toBe(200);
    expect((await call(`${api}/v1/api-keys/${k.keyId}`, { method: 'DELETE', headers: { ...hdr, 'if-match': etag } })).status).toBe(204);
    expect((await call(`${api}/v1/api-keys/${k.keyId}`, { method: 'DELETE', headers: hdr })).status).toBe(204);
    expectError(await call(`${api}/v1/api-keys/key_unknown`, { method: 'DELETE', headers: hdr }), 404, 'NOT_FOUND');
    expectError(await call(`${api}/v1/api-keys/key_unknown`, { headers: hdr }), 404, 'NOT_FOUND');
  });
});

describe('auth and admin: bad input', () => {
  it('rejects bad refresh bodies', async () => {
    expectError(await call(`${api}/v1/auth/refresh`, { method: 'POST' }), 400, 'VALIDATION_ERROR');
    expectError(await call(`${api}/v1/auth/refresh`, { method: 'POST', body: {} }), 400, 'VALIDATION_ERROR');
    expectError(await call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: 5 } }), 400, 'VALIDATION_ERROR');
    expectError(await call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: 'x'.repeat(300) } }), 400, 'VALIDATION_ERROR');
  });

  it('rejects bad tenant bodies, duplicates, stale ETags and unknown tenants', async () => {
    for (const body of [
      {},
      { name: '' },
      { name: 'x', tier: 'anonymous' },
      { name: 'x', tier: 'gold' },
      { id: 'Upper', name: 'x' },
      { id: '-x', name: 'x' },
      { name: 'x', owner: 'me' },
    ]) {
      expectError(await call(`${api}/v1/admin/tenants`, { method: 'POST', headers: admin, body }), 400, 'VALIDATION_ERROR');
    }
    const first = await call(`${api}/v1/admin/tenants`, { method: 'POST', headers: admin, body: { id: 'dup-tenant', name: 'One', tier: 'pro' } });
    expect(first.status).toBe(201);
    const dup = await call(`${api}/v1/admin/tenants`, { method: 'POST', headers: admin, body: { id: 'dup-tenant', name: 'Two' } });
    expectError(dup, 409, 'CONFLICT');

    expectError(await call(`${api}/v1/admin/tenants/dup-tenant`, { method: 'PATCH', headers: admin, body: {} }), 400, 'VALIDATION_ERROR');
    expectError(await call(`${api}/v1/admin/tenants/dup-tenant`, { method: 'PATCH', headers: admin, body: { disabled: 'yes' } }), 400, 'VALIDATION_ERROR');
    expectError(await call(`${api}/v1/admin/tenants/nobody`, { method: 'PATCH', headers: admin, body: { tier: 'pro' } }), 404, 'NOT_FOUND');
    // Ids no tenant can have (Cosmos refuses '/', '\\', '#', '?' in ids) are a 400, not a store error.
    for (const id of ['a%23b', 'a%2Fb', 'a%5Cb', 'a%3Fb', 'Upper', '%E2%9C%93']) {
      const r = await call(`${api}/v1/admin/tenants/${id}`, { method: 'PATCH', headers: admin, body: { tier: 'pro' } });
      expectError(r, 400, 'VALIDATION_ERROR');
      expect(r.body.error.details[0]?.field).toBe('params.id');
    }
    expectError(
      await call(`${api}/v1/admin/tenants/dup-tenant`, { method: 'PATCH', headers: { ...admin, 'if-match': '"stale"' }, body: { tier: 'free' } }),
      412,
      'PRECONDITION_FAILED',
    );
    const ok = await call(`${api}/v1/admin/tenants/dup-tenant`, { method: 'PATCH', headers: admin, body: { name: 'Renamed' } });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({ id: 'dup-tenant', name: 'Renamed', tier: 'pro', disabled: false });
    expect(ok.headers.get('etag')).toBeTruthy();
  });
});
