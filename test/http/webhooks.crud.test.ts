/** Webhook subscriptions: create, read, list, replace, delete, rotate; validation, isolation, SSRF. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/api-call';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { setSetting, useTestHost } from '../helpers/test-host';
import { webhooksHost } from '../helpers/host-presets';

const h = useTestHost(webhooksHost());
let api: string;
let a: TenantWithKey;
let b: TenantWithKey;
const as = (t: TenantWithKey) => ({ 'x-api-key': t.apiKey });

beforeAll(async () => {
  api = h.api;
  a = await createTenantWithKey({ scopes: ['webhooks:manage'] });
  b = await createTenantWithKey({ scopes: ['webhooks:manage'] });
});

async function create(t: TenantWithKey, body: Record<string, unknown> = {}) {
  return call(`${api}/v1/webhooks`, {
    method: 'POST',
    headers: as(t),
    body: { url: 'http://127.0.0.1:9/hook', event_types: ['space.created'], ...body },
  });
}

describe('webhook subscriptions', () => {
  it('creates a webhook and shows its whsec_ secret once', async () => {
    const r = await create(a, { description: 'ops', event_types: ['space.*', 'document.added'] });
    expect(r.status).toBe(201);
    const d = r.body.data as Record<string, unknown>;
    expect(d).toMatchObject({ url: 'http://127.0.0.1:9/hook', event_types: ['space.*', 'document.added'], description: 'ops', enabled: true });
    expect(String(d.id)).toMatch(/^whk_[0-9a-f]{32}$/);
    expect(String(d.secret)).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(r.headers.get('location')).toBe(`/api/v1/webhooks/${String(d.id)}`);
    expect(r.headers.get('etag')).toBeTruthy();

    const got = await call(`${api}/v1/webhooks/${String(d.id)}`, { headers: as(a) });
    expect(got.status).toBe(200);
    expect(got.body.data).toMatchObject({ id: d.id, url: d.url, enabled: true });
    expect(got.body.data).not.toHaveProperty('secret');
    expect(got.headers.get('etag')).toBe(r.headers.get('etag'));
  });

  it("lists the tenant's webhooks with cursor pagination, never another tenant's", async () => {
    const t = await createTenantWithKey({ scopes: ['webhooks:manage'] });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(String((await create(t)).body.data?.id));
    await create(b);
    const first = await call(`${api}/v1/webhooks?limit=2`, { headers: as(t) });
    expect(first.status).toBe(200);
    const p1 = first.body.pagination as { cursor: string | null; has_next: boolean };
    expect(p1.has_next).toBe(true);
    const second = await call(`${api}/v1/webhooks?limit=2&cursor=${encodeURIComponent(String(p1.cursor))}`, { headers: as(t) });
    const all = [...(first.body.data as unknown as Array<{ id: string }>), ...(second.body.data as unknown as Array<{ id: string }>)];
    expect(all.map((w) => w.id).sort()).toEqual(ids.sort());
    expect(all.every((w) => !('secret' in w))).toBe(true);
  });

  it('replaces a webhook with PUT, honouring If-Match', async () => {
    const c = await create(a);
    const id = String(c.body.data?.id);
    const etag = String(c.headers.get('etag'));
    const put = await call(`${api}/v1/webhooks/${id}`, {
      method: 'PUT',
      headers: { ...as(a), 'if-match': etag },
      body: { url: 'http://127.0.0.1:10/other', event_types: ['*'], enabled: false },
    });
    expect(put.status).toBe(200);
    expect(put.body.data).toMatchObject({ url: 'http://127.0.0.1:10/other', event_types: ['*'], enabled: false, disabled_reason: 'manual' });
    const stale = await call(`${api}/v1/webhooks/${id}`, {
      method: 'PUT',
      headers: { ...as(a), 'if-match': etag },
      body: { url: 'http://127.0.0.1:11/x', event_types: ['*'] },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.error?.code).toBe('PRECONDITION_FAILED');
    const got = await call(`${api}/v1/webhooks/${id}`, { headers: as(a) });
    expect(got.body.data).toMatchObject({ url: 'http://127.0.0.1:10/other', enabled: false });
  });

  it('deletes a webhook (stale If-Match refused first)', async () => {
    const c = await create(a);
    const id = String(c.body.data?.id);
    const stale = await call(`${api}/v1/webhooks/${id}`, { method: 'DELETE', headers: { ...as(a), 'if-match': '"nope"' } });
    expect(stale.status).toBe(412);
    const del = await call(`${api}/v1/webhooks/${id}`, { method: 'DELETE', headers: as(a) });
    expect(del.status).toBe(204);
    expect((await call(`${api}/v1/webhooks/${id}`, { headers: as(a) })).status).toBe(404);
    expect((await call(`${api}/v1/webhooks/${id}`, { method: 'DELETE', headers: as(a) })).status).toBe(404);
  });

  it('rotates the secret: a new whsec_ secret, the old one valid for the overlap', async () => {
    const c = await create(a);
    const id = String(c.body.data?.id);
    const r = await call(`${api}/v1/webhooks/${id}/rotate-secret`, { method: 'POST', headers: as(a) });
    expect(r.status).toBe(200);
    const d = r.body.data as Record<string, unknown>;
    expect(String(d.secret)).toMatch(/^whsec_/);
    expect(d.secret).not.toBe(c.body.data?.secret);
    const expires = Date.parse(String(d.previous_secret_expires_at));
    expect(expires - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
  });

  it("another tenant's webhook is a 404 for every operation", async () => {
    const c = await create(a);
    const id = String(c.body.data?.id);
    const other = as(b);
    expect((await call(`${api}/v1/webhooks/${id}`, { headers: other })).status).toBe(404);
    expect((await call(`${api}/v1/webhooks/${id}`, { method: 'PUT', headers: other, body: { url: 'http://127.0.0.1:1/', event_types: ['*'] } })).status).toBe(
      404,
    );
    expect((await call(`${api}/v1/webhooks/${id}`, { method: 'DELETE', headers: other })).status).toBe(404);
    expect((await call(`${api}/v1/webhooks/${id}/logs`, { headers: other })).status).toBe(404);
    expect((await call(`${api}/v1/webhooks/${id}/test`, { method: 'POST', headers: other })).status).toBe(404);
    expect((await call(`${api}/v1/webhooks/${id}/rotate-secret`, { method: 'POST', headers: other })).status).toBe(404);
    expect(
      (await call(`${api}/v1/webhooks/${id}/replay`, { method: 'POST', headers: other, body: { since: new Date(Date.now() - 60_000).toISOString() } })).status,
    ).toBe(404);
    // and it is still there, unchanged, for its owner
    expect((await call(`${api}/v1/webhooks/${id}`, { headers: as(a) })).body.data).toMatchObject({ url: 'http://127.0.0.1:9/hook' });
  });

  it('requires the webhooks:manage scope', async () => {
    const reader = await createTenantWithKey({ scopes: ['spaces:read'] });
    expect((await call(`${api}/v1/webhooks`, { headers: as(reader) })).status).toBe(403);
    expect((await create(reader)).status).toBe(403);
    expect((await call(`${api}/v1/webhooks`)).status).toBe(401);
  });

  it('rejects bad input with a 400 and stores nothing', async () => {
    const t = await createTenantWithKey({ scopes: ['webhooks:manage'] });
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ url: 'not a url', event_types: ['*'] }, 'body.url'],
      [{ url: 'ftp://127.0.0.1/x', event_types: ['*'] }, 'body.url'],
      [{ url: 'http://127.0.0.1/x', event_types: [] }, 'body.event_types'],
      [{ url: 'http://127.0.0.1/x', event_types: ['Space Created'] }, 'body.event_types.0'],
      [{ url: 'http://127.0.0.1/x', event_types: ['space.created', 'space.created'] }, 'body.event_types'],
      [{ url: 'http://127.0.0.1/x', event_types: ['*'], secret: 'mine' }, 'body'],
      [{ event_types: ['*'] }, 'body.url'],
    ];
    for (const [body, field] of bad) {
      const r = await call(`${api}/v1/webhooks`, { method: 'POST', headers: as(t), body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error?.code).toBe('VALIDATION_ERROR');
      expect(
        r.body.error?.details.map((d) => d.field).some((f) => f === field || f.startsWith(field)),
        JSON.stringify(r.body.error),
      ).toBe(true);
    }
    // A well-formed but unknown type (a typo) is refused too, and the refusal lists what is allowed.
    for (const typo of ['document.created', 'spaces.*']) {
      const r = await call(`${api}/v1/webhooks`, { method: 'POST', headers: as(t), body: { url: 'http://127.0.0.1/x', event_types: ['space.*', typo] } });
      expect(r.status, typo).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_ERROR');
      const issue = r.body.error.details.find((d) => d.field === 'body.event_types.1');
      expect(issue?.issue, JSON.stringify(r.body.error)).toContain('document.added');
      expect(issue?.issue).toContain('api_key.rotated');
    }
    const list = await call(`${api}/v1/webhooks`, { headers: as(t) });
    expect(list.body.data).toEqual([]);
    const c = await create(t);
    const id = String(c.body.data?.id);
    const put = await call(`${api}/v1/webhooks/${id}`, { method: 'PUT', headers: as(t), body: { url: 'http://127.0.0.1/x', event_types: ['nope'] } });
    expect(put.status).toBe(400);
    expect((await call(`${api}/v1/webhooks/${id}`, { headers: as(t) })).body.data).toMatchObject({ event_types: ['space.created'] });
    expect((await call(`${api}/v1/webhooks/not-an-id`, { headers: as(t) })).status).toBe(400);
    const replay = await call(`${api}/v1/webhooks/${id}/replay`, { method: 'POST', headers: as(t), body: { since: 'yesterday' } });
    expect(replay.status).toBe(400);
  });

  describe('SSRF guard with private targets not allowed', () => {
    beforeAll(() => setSetting('WEBHOOK_ALLOW_PRIVATE_TARGETS', 'false'));
    afterAll(() => setSetting('WEBHOOK_ALLOW_PRIVATE_TARGETS', 'true'));

    it.each([
      'http://127.0.0.1:8080/hook',
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:8080/hook',
      'http://localhost:8080/hook',
    ])('refuses %s at creation, storing nothing', async (url) => {
      const t = await createTenantWithKey({ scopes: ['webhooks:manage'] });
      const r = await create(t, { url });
      expect(r.status).toBe(400);
      expect(r.body.error?.code).toBe('VALIDATION_ERROR');
      expect(r.body.error?.details[0]).toMatchObject({ field: 'body.url' });
      expect((await call(`${api}/v1/webhooks`, { headers: as(t) })).body.data).toEqual([]);
    });

    it('refuses a private target on update too', async () => {
      setSetting('WEBHOOK_ALLOW_PRIVATE_TARGETS', 'true');
      const c = await create(a);
      setSetting('WEBHOOK_ALLOW_PRIVATE_TARGETS', 'false');
      const id = String(c.body.data?.id);
      const r = await call(`${api}/v1/webhooks/${id}`, { method: 'PUT', headers: as(a), body: { url: 'http://10.0.0.1/x', event_types: ['*'] } });
      expect(r.status).toBe(400);
    });
  });
});
