import { beforeAll, describe, expect, it } from 'vitest';
import { createKeyFor, createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';
import { DOCUMENT_FUNCTIONS, documentsHost } from '../helpers/host-presets';
import { uploadRaw } from '../helpers/document-uploads';

const h = useTestHost({ ...documentsHost(), functions: [...DOCUMENT_FUNCTIONS, 'src/functions/graphql.ts'] });
let a: TenantWithKey;
let b: TenantWithKey;

beforeAll(async () => {
  a = await createTenantWithKey();
  b = await createTenantWithKey();
});

const gql = (key: string, query: string, variables?: Record<string, unknown>) =>
  call(`${h.api}/graphql`, key, { method: 'POST', body: { query, variables } });

const createSpace = async (key: string, name: string): Promise<string> => {
  const r = await call(`${h.api}/v1/spaces`, key, { method: 'POST', body: { name } });
  expect(r.status).toBe(201);
  return r.body.data.id as string;
};

describe('graphql', () => {
  it("answers the production checklist's query with each space's documentCount", async () => {
    const t = await createTenantWithKey();
    const empty = await createSpace(t.apiKey, 'empty');
    const full = await createSpace(t.apiKey, 'full');
    for (const n of [1, 2]) {
      const up = await uploadRaw(h.api, t.apiKey, full, Buffer.from(`note ${n}\n`), `n${n}.txt`, 'text/plain');
      expect(up.status).toBe(201);
    }
    const r = await gql(t.apiKey, 'query { spaces(first: 20) { nodes { id name documentCount } } }');
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
    const byId = Object.fromEntries((r.body.data.spaces.nodes as Array<{ id: string; documentCount: number }>).map((s) => [s.id, s.documentCount]));
    expect(byId).toEqual({ [empty]: 0, [full]: 2 });
  });

  it('pages with first/after and reports pageInfo; first outside 1-100 is refused', async () => {
    const t = await createTenantWithKey();
    for (const n of ['one', 'two', 'three']) await createSpace(t.apiKey, n);
    const p1 = await gql(t.apiKey, 'query { spaces(first: 2) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }');
    expect(p1.body.data.spaces.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['three', 'two']);
    expect(p1.body.data.spaces.pageInfo.hasNextPage).toBe(true);
    const p2 = await gql(t.apiKey, 'query($after: String) { spaces(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage } } }', {
      after: p1.body.data.spaces.pageInfo.endCursor,
    });
    expect(p2.body.data.spaces).toEqual({ nodes: [{ name: 'one' }], pageInfo: { hasNextPage: false } });
    const big = await gql(t.apiKey, 'query { spaces(first: 101) { nodes { id } } }');
    expect(big.body.errors[0].extensions.code).toBe('VALIDATION_ERROR');
    const missing = await gql(t.apiKey, 'query { spaces { nodes { id } } }');
    expect(missing.status).toBe(400);
  });

  it("hides another tenant's space and documents: NOT_FOUND", async () => {
    const id = await createSpace(a.apiKey, 'private');
    const mine = await gql(a.apiKey, `query { space(id: "${id}") { name } }`);
    expect(mine.body.data.space.name).toBe('private');
    for (const q of [`query { space(id: "${id}") { name } }`, `query { documents(spaceId: "${id}", first: 5) { nodes { id } } }`]) {
      const r = await gql(b.apiKey, q);
      expect(r.body.data).toBeNull();
      expect(r.body.errors[0].extensions.code).toBe('NOT_FOUND');
    }
    const upd = await gql(b.apiKey, `mutation { updateSpace(id: "${id}", input: { name: "stolen" }) { name } }`);
    expect(upd.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const del = await gql(b.apiKey, `mutation { deleteSpace(id: "${id}") }`);
    expect(del.body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect((await call(`${h.api}/v1/spaces/${id}`, a.apiKey)).body.data.name).toBe('private');
  });

  it('enforces scopes per field: a spaces:read key cannot createSpace or read documents', async () => {
    const reader = await createKeyFor(a.tenantId, ['spaces:read']);
    const r = await gql(reader.apiKey, 'mutation { createSpace(input: { name: "nope" }) { id } }');
    expect(r.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const id = await createSpace(a.apiKey, 'scoped');
    const d = await gql(reader.apiKey, `query { documents(spaceId: "${id}", first: 1) { nodes { id } } }`);
    expect(d.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await gql(reader.apiKey, `query { space(id: "${id}") { id } }`)).body.data.space.id).toBe(id);
  });

  it('creates, updates (ifMatch) and deletes through the same core as REST', async () => {
    const c = await gql(a.apiKey, 'mutation { createSpace(input: { name: "gql made", metadata: { team: "x" } }) { id name metadata documentCount } }');
    expect(c.body.data.createSpace).toMatchObject({ name: 'gql made', metadata: { team: 'x' }, documentCount: 0 });
    const id = c.body.data.createSpace.id as string;
    const rest = await call(`${h.api}/v1/spaces/${id}`, a.apiKey);
    expect(rest.body.data.name).toBe('gql made');
    const dup = await gql(a.apiKey, 'mutation { createSpace(input: { name: "GQL made" }) { id } }');
    expect(dup.body.errors[0].extensions.code).toBe('CONFLICT');
    const stale = await gql(a.apiKey, `mutation { updateSpace(id: "${id}", input: { description: "d" }, ifMatch: "\\"nope\\"") { id } }`);
    expect(stale.body.errors[0].extensions.code).toBe('PRECONDITION_FAILED');
    const u = await gql(a.apiKey, `mutation { updateSpace(id: "${id}", input: { description: "d" }, ifMatch: ${JSON.stringify(rest.headers.get('etag'))}) { description } }`);
    expect(u.body.data.updateSpace.description).toBe('d');
    expect((await gql(a.apiKey, `mutation { deleteSpace(id: "${id}") }`)).body.data.deleteSpace).toBe(true);
    expect((await call(`${h.api}/v1/spaces/${id}`, a.apiKey)).status).toBe(404);
  });

  it('refuses documents deeper than 8 or with more than 15 aliases', async () => {
    const deep = await gql(a.apiKey, 'query { spaces(first: 1) { edges { node { id } } pageInfo { endCursor } } }');
    expect(deep.status).toBe(200);
    // Introspection nests freely: 9 levels of ofType.
    const nine = `query { __schema { types { fields { type ${'{ ofType '.repeat(5)}{ name } ${'} '.repeat(5)} } } } }`;
    const d = await gql(a.apiKey, nine);
    expect(d.status).toBe(400);
    expect(d.body.errors[0].message).toMatch(/depth/);
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: __typename`).join(' ');
    const al = await gql(a.apiKey, `query { ${aliases} }`);
    expect(al.status).toBe(400);
    expect(al.body.errors[0].message).toMatch(/aliases/);
    const ok = Array.from({ length: 15 }, (_, i) => `a${i}: __typename`).join(' ');
    expect((await gql(a.apiKey, `query { ${ok} }`)).status).toBe(200);
  });

  it('answers bad requests with 400 and GraphQL-shaped errors, never 500', async () => {
    const bad = [
      await call(`${h.api}/graphql`, a.apiKey, { method: 'POST', body: '{"query": ', headers: { 'content-type': 'application/json' } }),
      await call(`${h.api}/graphql`, a.apiKey, { method: 'POST', body: {} }),
      await gql(a.apiKey, 'query($n: Int!) { spaces(first: $n) { nodes { id } } }', { n: 'ten' }),
      await gql(a.apiKey, 'query { spaces(first: 1) { nodes { id nope } } }'),
      await gql(a.apiKey, 'query { spaces(first: 1) { nodes { id '),
    ];
    for (const r of bad) {
      expect(r.status).toBe(400);
      expect(Array.isArray(r.body.errors)).toBe(true);
      expect(typeof r.body.errors[0].message).toBe('string');
    }
  });

  it('goes through the REST pipeline: no credential is 401, GET runs queries, request id is echoed', async () => {
    const anon = await call(`${h.api}/graphql`, { method: 'POST', body: { query: '{ __typename }' } });
    expect(anon.status).toBe(401);
    expect(anon.body.error.code).toBe('UNAUTHENTICATED');
    const g = await call(`${h.api}/graphql?query=${encodeURIComponent('{ spaces(first: 1) { pageInfo { hasNextPage } } }')}`, a.apiKey, { headers: { 'x-request-id': 'req-gql-1' } });
    expect(g.status).toBe(200);
    expect(g.body.data.spaces.pageInfo).toBeDefined();
    expect(g.headers.get('x-request-id')).toBe('req-gql-1');
  });
});
