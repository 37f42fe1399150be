import { beforeAll, describe, expect, it } from 'vitest';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';
import { documentsHost } from '../helpers/host-presets';

const h = useTestHost(documentsHost());
let a: TenantWithKey;
let b: TenantWithKey;

beforeAll(async () => {
  a = await createTenantWithKey();
  b = await createTenantWithKey();
});

describe("spaces: another tenant's space is a 404 on every route, and nothing changes", () => {
  it('tenant B can neither see, list, change nor delete tenant A’s space', async () => {
    const created = await call(`${h.api}/v1/spaces`, a.apiKey, { method: 'POST', body: { name: 'Secret plans', metadata: { level: 'top' } } });
    const space = created.body.data;
    const etag = created.headers.get('etag')!;
    const url = `${h.api}/v1/spaces/${space.id}`;

    const attempts = [
      await call(url, b.apiKey),
      await call(url, b.apiKey, { method: 'PUT', body: { name: 'Hijacked' } }),
      await call(url, b.apiKey, { method: 'PATCH', body: { description: 'hijacked' } }),
      await call(url, b.apiKey, { method: 'PATCH', body: { description: 'hijacked' }, headers: { 'if-match': etag } }),
      await call(url, b.apiKey, { method: 'DELETE' }),
      await call(url, b.apiKey, { method: 'DELETE', headers: { 'if-match': etag } }),
    ];
    for (const r of attempts) {
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('NOT_FOUND');
      expect(JSON.stringify(r.body)).not.toContain('Secret plans');
    }
    const listB = await call(`${h.api}/v1/spaces?name_prefix=secret`, b.apiKey);
    expect(listB.body.data).toEqual([]);

    // Names are per tenant: B may use the same name.
    expect((await call(`${h.api}/v1/spaces`, b.apiKey, { method: 'POST', body: { name: 'Secret plans' } })).status).toBe(201);

    const after = await call(url, a.apiKey);
    expect(after.status).toBe(200);
    expect(after.body.data).toEqual(space);
    expect(after.headers.get('etag')).toBe(etag);
  });
});
