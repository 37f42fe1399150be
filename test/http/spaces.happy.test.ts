import { beforeAll, describe, expect, it } from 'vitest';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';
import { documentsHost } from '../helpers/host-presets';

const h = useTestHost(documentsHost());
let t: TenantWithKey;

beforeAll(async () => {
  t = await createTenantWithKey();
});

const create = (name: string, extra: Record<string, unknown> = {}) => call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name, ...extra } });

describe('spaces: happy paths', () => {
  it('creates, reads, updates (PUT and PATCH) and deletes a space', async () => {
    const c = await create('Quarterly reports', { description: 'Q1-Q4', metadata: { team: 'finance', year: 2024 } });
    expect(c.status).toBe(201);
    const space = c.body.data;
    expect(space).toMatchObject({ name: 'Quarterly reports', description: 'Q1-Q4', metadata: { team: 'finance', year: 2024 }, document_count: 0 });
    expect(space.id).toMatch(/^spc_[0-9a-f]{32}$/);
    expect(space.created_at).toBe(space.updated_at);
    expect(c.headers.get('location')).toBe(`/api/v1/spaces/${space.id}`);
    expect(c.headers.get('etag')).toBeTruthy();

    const g = await call(`${h.api}/v1/spaces/${space.id}`, t.apiKey);
    expect(g.status).toBe(200);
    expect(g.body.data).toEqual(space);
    const etag = g.headers.get('etag')!;
    expect(etag).toBe(c.headers.get('etag'));

    const p = await call(`${h.api}/v1/spaces/${space.id}`, t.apiKey, { method: 'PATCH', body: { description: 'All quarters' }, headers: { 'if-match': etag } });
    expect(p.status).toBe(200);
    expect(p.body.data).toMatchObject({ name: 'Quarterly reports', description: 'All quarters', metadata: { team: 'finance', year: 2024 } });
    expect(p.headers.get('etag')).not.toBe(etag);

    const r = await call(`${h.api}/v1/spaces/${space.id}`, t.apiKey, { method: 'PUT', body: { name: 'Annual reports' } });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ name: 'Annual reports', description: null, metadata: {} });

    // The old name is free again after a rename.
    const again = await create('Quarterly reports');
    expect(again.status).toBe(201);

    const d = await call(`${h.api}/v1/spaces/${space.id}`, t.apiKey, { method: 'DELETE', headers: { 'if-match': r.headers.get('etag')! } });
    expect(d.status).toBe(204);
    expect((await call(`${h.api}/v1/spaces/${space.id}`, t.apiKey)).status).toBe(404);
    // ...and its name can be used again.
    expect((await create('Annual reports')).status).toBe(201);
  });

  it('lists newest first with cursor pagination, filters by name prefix and sorts by name', async () => {
    const tenant = await createTenantWithKey();
    const names = ['beta', 'Alpha', 'gamma', 'alpha two', 'delta'];
    for (const name of names) {
      const res = await call(`${h.api}/v1/spaces`, tenant.apiKey, { method: 'POST', body: { name } });
      expect(res.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url = `${h.api}/v1/spaces?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await call(url, tenant.apiKey);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((s: { name: string }) => s.name));
      cursor = res.body.pagination.has_next ? res.body.pagination.cursor : null;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...names].reverse());

    const byName = await call(`${h.api}/v1/spaces?sort=name`, tenant.apiKey);
    expect(byName.body.data.map((s: { name: string }) => s.name)).toEqual(['Alpha', 'alpha two', 'beta', 'delta', 'gamma']);
    const desc = await call(`${h.api}/v1/spaces?sort=name&order=desc&limit=1`, tenant.apiKey);
    expect(desc.body.data.map((s: { name: string }) => s.name)).toEqual(['gamma']);

    const prefixed = await call(`${h.api}/v1/spaces?name_prefix=ALP&sort=name`, tenant.apiKey);
    expect(prefixed.body.data.map((s: { name: string }) => s.name)).toEqual(['Alpha', 'alpha two']);
  });
});
