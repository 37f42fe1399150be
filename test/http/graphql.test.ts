import { Items } from '@azure/cosmos';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKeyFor, createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';
import { DOCUMENT_FUNCTIONS, documentsHost, QUERY_FUNCTIONS } from '../helpers/host-presets';
import { uploadRaw } from '../helpers/document-uploads';

const h = useTestHost({
  ...documentsHost({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }),
  functions: [...DOCUMENT_FUNCTIONS, ...QUERY_FUNCTIONS, 'src/functions/webhooks-get.ts', 'src/functions/graphql.ts'],
  settleQueues: ['document-processing', 'queries'],
});
afterEach(() => {
  vi.restoreAllMocks();
});
let a: TenantWithKey;
let b: TenantWithKey;

beforeAll(async () => {
  a = await createTenantWithKey();
  b = await createTenantWithKey();
});

const gql = (key: string, query: string, variables?: Record<string, unknown>) => call(`${h.api}/graphql`, key, { method: 'POST', body: { query, variables } });

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
    // The checklist's exact query (spaces as a list) and the connection form answer the same.
    const list = await gql(t.apiKey, 'query { spaces { id name documentCount } }');
    expect(list.status).toBe(200);
    expect(list.body.errors).toBeUndefined();
    const counts = (spaces: Array<{ id: string; documentCount: number }>) => Object.fromEntries(spaces.map((s) => [s.id, s.documentCount]));
    expect(counts(list.body.data.spaces)).toEqual({ [empty]: 0, [full]: 2 });
    const r = await gql(t.apiKey, 'query { spaces(first: 20) { nodes { id name documentCount } totalCount } }');
    expect(r.body.errors).toBeUndefined();
    expect(counts(r.body.data.spaces.nodes)).toEqual({ [empty]: 0, [full]: 2 });
    expect(r.body.data.spaces.totalCount).toBe(2);
    expect(r.body.extensions.cost).toMatchObject({ requestedQueryCost: 21, actualQueryCost: 3, maxCost: 5000 });
  });

  it('batches Space.documents and Document.chunks: one store query per level for a page of spaces', async () => {
    const t = await createTenantWithKey();
    const spaces: string[] = [];
    for (const n of [1, 2, 3]) {
      const id = await createSpace(t.apiKey, `batch ${n}`);
      spaces.push(id);
      for (const m of [1, 2])
        expect((await uploadRaw(h.api, t.apiKey, id, Buffer.from(`space ${n} note ${m}\n`), `s${n}-${m}.txt`, 'text/plain')).status).toBe(201);
    }
    await h.settle();
    const query = vi.spyOn(Items.prototype, 'query');
    const r = await gql(
      t.apiKey,
      'query { spaces(first: 10, orderBy: { field: NAME }) { nodes { name documents(first: 2) { nodes { filename chunks(first: 2) { index text } } pageInfo { hasNextPage } } } } }',
    );
    expect(r.body.errors).toBeUndefined();
    const byContainer = (id: string) => query.mock.contexts.filter((items) => (items as Items).container.id === id).length;
    // 3 spaces, 6 documents: one query of spaces, one of documents, one of chunks per space (not per document).
    expect(byContainer('spaces')).toBe(1);
    expect(byContainer('documents')).toBe(1);
    expect(byContainer('chunks')).toBe(3);
    const nodes = r.body.data.spaces.nodes as Array<{
      name: string;
      documents: { nodes: Array<{ filename: string; chunks: Array<{ index: number; text: string }> }>; pageInfo: { hasNextPage: boolean } };
    }>;
    expect(nodes.map((n) => n.name)).toEqual(['batch 1', 'batch 2', 'batch 3']);
    for (const [i, n] of nodes.entries()) {
      expect(n.documents.pageInfo.hasNextPage).toBe(false);
      expect(n.documents.nodes.map((d) => d.filename)).toEqual([`s${i + 1}-2.txt`, `s${i + 1}-1.txt`]);
      expect(n.documents.nodes[0]?.chunks).toEqual([{ index: 0, text: `space ${i + 1} note 2` }]);
    }
  });

  it('filters and orders spaces as REST does (namePrefix, orderBy)', async () => {
    const t = await createTenantWithKey();
    for (const n of ['Beta', 'alpha', 'Alps', 'gamma']) await createSpace(t.apiKey, n);
    const r = await gql(t.apiKey, 'query { spaces(first: 10, namePrefix: "al", orderBy: { field: NAME, direction: DESC }) { nodes { name } totalCount } }');
    expect(r.body.data.spaces).toEqual({ nodes: [{ name: 'Alps' }, { name: 'alpha' }], totalCount: 2 });
    const rest = await call(`${h.api}/v1/spaces?name_prefix=al&sort=name&order=desc`, t.apiKey);
    expect(rest.body.data.map((s: { name: string }) => s.name)).toEqual(['Alps', 'alpha']);
  });

  it('webhooks, me, askQuestion and query(id) mirror REST; createWebhook shows the secret once', async () => {
    const t = await createTenantWithKey();
    const me = await gql(t.apiKey, 'query { me { kind tenantId tier scopes } }');
    expect(me.body.data.me).toMatchObject({ kind: 'api_key', tenantId: t.tenantId, tier: 'pro' });
    const w = await gql(
      t.apiKey,
      'mutation { createWebhook(input: { url: "http://127.0.0.1:9/hook", eventTypes: ["space.*"] }) { secret webhook { id url eventTypes enabled } } }',
    );
    expect(w.body.errors).toBeUndefined();
    const hook = w.body.data.createWebhook as { secret: string; webhook: { id: string } };
    expect(hook.secret).toMatch(/^whsec_/);
    const rest = await call(`${h.api}/v1/webhooks/${hook.webhook.id}`, t.apiKey);
    expect(rest.body.data).toMatchObject({ id: hook.webhook.id, url: 'http://127.0.0.1:9/hook', event_types: ['space.*'], enabled: true });
    const bad = await gql(t.apiKey, 'mutation { createWebhook(input: { url: "ftp://x", eventTypes: [] }) { secret } }');
    expect(bad.body.errors[0].extensions.code).toBe('VALIDATION_ERROR');
    expect((await gql(t.apiKey, 'query { webhooks(first: 5) { nodes { id } } }')).body.data.webhooks.nodes).toEqual([{ id: hook.webhook.id }]);
    expect((await gql(t.apiKey, `mutation { deleteWebhook(id: "${hook.webhook.id}") }`)).body.data.deleteWebhook).toBe(true);
    expect((await call(`${h.api}/v1/webhooks/${hook.webhook.id}`, t.apiKey)).status).toBe(404);

    const space = await createSpace(t.apiKey, 'asked');
    expect((await uploadRaw(h.api, t.apiKey, space, Buffer.from('The launch is on Tuesday.\n'), 'plan.txt', 'text/plain')).status).toBe(201);
    await h.settle();
    const ask = await gql(t.apiKey, `mutation { askQuestion(spaceId: "${space}", input: { question: "When is the launch?" }) { id status question } }`);
    expect(ask.body.data.askQuestion).toMatchObject({ status: 'pending', question: 'When is the launch?' });
    await h.settle();
    const q = await gql(t.apiKey, `query { query(id: "${ask.body.data.askQuestion.id}") { status answer citations { documentId filename } } }`);
    expect(q.body.data.query.status).toBe('completed');
    expect(q.body.data.query.citations[0].filename).toBe('plan.txt');
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

  it("hides another tenant's records on every root field: NOT_FOUND, or not listed", async () => {
    const id = await createSpace(a.apiKey, 'private');
    const mine = await gql(a.apiKey, `query { space(id: "${id}") { name } }`);
    expect(mine.body.data.space.name).toBe('private');
    const up = await uploadRaw(h.api, a.apiKey, id, Buffer.from('secret\n'), 'secret.txt', 'text/plain');
    const docId = up.body.data.id as string;
    const hook = await gql(a.apiKey, 'mutation { createWebhook(input: { url: "http://127.0.0.1:9/a", eventTypes: ["*"] }) { webhook { id } } }');
    const hookId = hook.body.data.createWebhook.webhook.id as string;
    const ask = await gql(a.apiKey, `mutation { askQuestion(spaceId: "${id}", input: { question: "what?" }) { id } }`);
    const queryId = ask.body.data.askQuestion.id as string;
    const listed = await gql(b.apiKey, 'query { spaces(first: 100) { nodes { id } } webhooks(first: 100) { nodes { id } } list: spaces { id } }');
    expect(JSON.stringify(listed.body.data)).not.toMatch(new RegExp(`${id}|${hookId}`));
    for (const q of [
      `query { space(id: "${id}") { name } }`,
      `query { documents(spaceId: "${id}", first: 5) { nodes { id } } }`,
      `query { document(spaceId: "${id}", id: "${docId}") { id } }`,
      `query { query(id: "${queryId}") { id } }`,
      `mutation { askQuestion(spaceId: "${id}", input: { question: "mine?" }) { id } }`,
      `mutation { deleteWebhook(id: "${hookId}") }`,
    ]) {
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
    // A nested field needs its own scope: the space resolves, its documents do not.
    const nested = await gql(reader.apiKey, `query { space(id: "${id}") { id documents(first: 1) { nodes { id } } } }`);
    expect(nested.body.errors[0]).toMatchObject({ path: ['space', 'documents'], extensions: { code: 'FORBIDDEN' } });
    for (const q of ['query { webhooks(first: 1) { nodes { id } } }', `mutation { askQuestion(spaceId: "${id}", input: { question: "x" }) { id } }`]) {
      expect((await gql(reader.apiKey, q)).body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
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
    const u = await gql(
      a.apiKey,
      `mutation { updateSpace(id: "${id}", input: { description: "d" }, ifMatch: ${JSON.stringify(rest.headers.get('etag'))}) { description } }`,
    );
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
    const g = await call(`${h.api}/graphql?query=${encodeURIComponent('{ spaces(first: 1) { pageInfo { hasNextPage } } }')}`, a.apiKey, {
      headers: { 'x-request-id': 'req-gql-1' },
    });
    expect(g.status).toBe(200);
    expect(g.body.data.spaces.pageInfo).toBeDefined();
    expect(g.headers.get('x-request-id')).toBe('req-gql-1');
  });
});
