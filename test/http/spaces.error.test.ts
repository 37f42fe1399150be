import { beforeAll, describe, expect, it } from 'vitest';
import { createKeyFor, createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';
import { documentsHost } from '../helpers/host-presets';
import { getContainer } from '../../src/shared/adapters/cosmos';
import { nameKeyOf, nameRecordId, type SpaceNameRecord } from '../../src/shared/spaces/space-records';

const h = useTestHost(documentsHost());
let t: TenantWithKey;

beforeAll(async () => {
  t = await createTenantWithKey();
});

const spaces = () => `${h.api}/v1/spaces`;
const create = (body: unknown, key = t.apiKey) => call(spaces(), key, { method: 'POST', body });
const get = (id: string, key = t.apiKey) => call(`${spaces()}/${id}`, key);

async function newSpace(name: string): Promise<{ id: string; etag: string }> {
  const r = await create({ name });
  expect(r.status).toBe(201);
  return { id: r.body.data.id, etag: r.headers.get('etag')! };
}

describe('spaces: bad input is a 4xx and changes nothing', () => {
  it('refuses invalid names, descriptions, metadata and unknown fields', async () => {
    const bad: unknown[] = [
      {},
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(201) },
      { name: 'bad\nname' },
      { name: 42 },
      { name: 'ok', description: 'd'.repeat(2001) },
      { name: 'ok', metadata: 'not an object' },
      { name: 'ok', metadata: { nested: { deep: true } } },
      { name: 'ok', metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) },
      { name: 'ok', unknown_field: 1 },
    ];
    for (const body of bad) {
      const r = await create(body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await create('not json at all')).status).toBe(400);
    const list = await call(spaces(), t.apiKey);
    expect(list.body.data.filter((s: { name: string }) => s.name === 'ok')).toEqual([]);
  });

  it('accepts a 200-character name and trims surrounding spaces', async () => {
    const r = await create({ name: `  ${'n'.repeat(200)}  ` });
    expect(r.status).toBe(201);
    expect(r.body.data.name).toBe('n'.repeat(200));
  });

  it('refuses a duplicate name (case-insensitive) with 409, and lets exactly one of concurrent creates win', async () => {
    await newSpace('Handbook');
    for (const name of ['Handbook', 'handbook', ' HANDBOOK ']) {
      const r = await create({ name });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('CONFLICT');
    }
    const results = await Promise.all(Array.from({ length: 8 }, () => create({ name: 'Race' })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const list = await call(`${spaces()}?name_prefix=race`, t.apiKey);
    expect(list.body.data).toHaveLength(1);
  });

  it('takes over a name claim left by a crash (its space never written) once it is 30 s old, not before', async () => {
    const c = await getContainer('spaces');
    const orphan = (name: string, ageMs: number): SpaceNameRecord => ({
      id: nameRecordId(nameKeyOf(name)),
      type: 'space_name',
      tenantId: t.tenantId,
      spaceId: `spc_${'0'.repeat(31)}1`,
      createdAt: new Date(Date.now() - ageMs).toISOString(),
    });
    await c.items.create(orphan('Left behind', 60_000));
    await c.items.create(orphan('Just claimed', 1_000));
    const taken = await create({ name: 'left behind' });
    expect(taken.status).toBe(201);
    const { resource: claim } = await c.item(nameRecordId(nameKeyOf('Left behind')), t.tenantId).read<SpaceNameRecord>();
    expect(claim?.spaceId).toBe(taken.body.data.id);
    const fresh = await create({ name: 'Just claimed' });
    expect(fresh.status).toBe(409);
    expect(fresh.body.error.code).toBe('CONFLICT');
    const list = await call(`${spaces()}?name_prefix=just`, t.apiKey);
    expect(list.body.data).toEqual([]);
  });

  it('refuses a rename onto a taken name and keeps both spaces as they were', async () => {
    const a = await newSpace('Name A');
    await newSpace('Name B');
    const r = await call(`${spaces()}/${a.id}`, t.apiKey, { method: 'PATCH', body: { name: 'name b' } });
    expect(r.status).toBe(409);
    expect((await get(a.id)).body.data.name).toBe('Name A');
    expect((await create({ name: 'Name A' })).status).toBe(409);
  });

  it('answers 412 to a stale If-Match on PUT, PATCH and DELETE, and leaves the space unchanged', async () => {
    const s = await newSpace('Versioned');
    const ok = await call(`${spaces()}/${s.id}`, t.apiKey, { method: 'PATCH', body: { description: 'v2' }, headers: { 'if-match': s.etag } });
    expect(ok.status).toBe(200);
    const stale = s.etag;
    const put = await call(`${spaces()}/${s.id}`, t.apiKey, { method: 'PUT', body: { name: 'Versioned!' }, headers: { 'if-match': stale } });
    const patch = await call(`${spaces()}/${s.id}`, t.apiKey, { method: 'PATCH', body: { description: 'v3' }, headers: { 'if-match': stale } });
    const del = await call(`${spaces()}/${s.id}`, t.apiKey, { method: 'DELETE', headers: { 'if-match': stale } });
    for (const r of [put, patch, del]) {
      expect(r.status).toBe(412);
      expect(r.body.error.code).toBe('PRECONDITION_FAILED');
    }
    const now = await get(s.id);
    expect(now.body.data).toMatchObject({ name: 'Versioned', description: 'v2' });
    expect(now.headers.get('etag')).toBe(ok.headers.get('etag'));
    // A rename refused by 412 must not keep the new name claimed.
    expect((await create({ name: 'Versioned!' })).status).toBe(201);
  });

  it('refuses an empty PATCH and a PUT without a name', async () => {
    const s = await newSpace('Patch target');
    expect((await call(`${spaces()}/${s.id}`, t.apiKey, { method: 'PATCH', body: {} })).status).toBe(400);
    expect((await call(`${spaces()}/${s.id}`, t.apiKey, { method: 'PUT', body: { description: 'x' } })).status).toBe(400);
    expect((await get(s.id)).body.data.updated_at).toBe((await get(s.id)).body.data.created_at);
  });

  it('answers 400 to malformed ids and 404 to well-formed unknown ones', async () => {
    for (const id of ['nope', 'spc_123', '..%2F..%2Fx', `spc_${'g'.repeat(32)}`]) {
      expect((await get(id)).status, id).toBe(400);
    }
    const unknown = `spc_${'0'.repeat(32)}`;
    expect((await get(unknown)).status).toBe(404);
    expect((await call(`${spaces()}/${unknown}`, t.apiKey, { method: 'PATCH', body: { name: 'x' } })).status).toBe(404);
    expect((await call(`${spaces()}/${unknown}`, t.apiKey, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers 400 to limits out of range, unknown sorts and tampered or foreign cursors', async () => {
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'limit=1.5', 'sort=size', 'order=up', 'foo=bar']) {
      const r = await call(`${spaces()}?${q}`, t.apiKey);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_ERROR');
    }
    await newSpace('Page 1');
    await newSpace('Page 2');
    const page = await call(`${spaces()}?limit=1`, t.apiKey);
    const cursor: string = page.body.pagination.cursor;
    expect(cursor).toBeTruthy();
    const [body, mac] = cursor.split('.');
    const tampered = [
      'garbage',
      `${body}.${mac!.slice(0, -2)}AA`,
      `${Buffer.from('{"v":1,"s":"spaces:other","t":"x"}').toString('base64url')}.${mac}`,
      'x'.repeat(5000),
    ];
    for (const c of tampered) {
      const r = await call(`${spaces()}?limit=1&cursor=${encodeURIComponent(c)}`, t.apiKey);
      expect(r.status).toBe(400);
      expect(r.body.error.details[0]?.field).toMatch(/cursor/);
    }
    // A cursor belongs to its list: another sort order or another tenant cannot use it.
    expect((await call(`${spaces()}?limit=1&sort=name&cursor=${encodeURIComponent(cursor)}`, t.apiKey)).status).toBe(400);
    const other = await createTenantWithKey();
    expect((await call(`${spaces()}?limit=1&cursor=${encodeURIComponent(cursor)}`, other.apiKey)).status).toBe(400);
  });

  it('requires a credential and the right scope', async () => {
    expect((await call(spaces(), undefined)).status).toBe(401);
    const reader = await createKeyFor(t.tenantId, ['spaces:read']);
    expect((await call(spaces(), reader.apiKey)).status).toBe(200);
    const denied = await create({ name: 'From a reader' }, reader.apiKey);
    expect(denied.status).toBe(403);
    const docsOnly = await createKeyFor(t.tenantId, ['documents:read']);
    expect((await call(spaces(), docsOnly.apiKey)).status).toBe(403);
    expect((await call(`${spaces()}?name_prefix=From`, t.apiKey)).body.data).toEqual([]);
  });
});
