/**
 * Every route swept (issue 9, item 8): walks the route registry that endpoint() fills, so a new
 * endpoint is swept without anyone adding it here. Per route and method: 401 without a credential
 * (unless public), 403 with a key that has no scopes (where the route needs one), 404 with another
 * tenant's ids (tenant-scoped routes with ids), and the error envelope on each.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes, type RouteEntry } from '../../src/shared/http/registry';
import { call, type Reply } from '../helpers/api-call';
import { uploadRaw } from '../helpers/document-uploads';
import { TEST_ADMIN_KEY, TEST_JWT_SECRET } from '../helpers/host-presets';
import { createKeyFor, createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { useTestHost } from '../helpers/test-host';

const h = useTestHost({
  env: {
    JWT_SECRET_KEY: TEST_JWT_SECRET,
    PLATFORM_ADMIN_API_KEY: TEST_ADMIN_KEY,
    RATE_LIMIT_ENABLED: 'false',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  },
});

let a: TenantWithKey;
let b: TenantWithKey;
let noScopes: TenantWithKey;
// Filled in beforeAll.
const ids = { space: '', document: '', webhook: '', apiKey: '', query: '' };

beforeAll(async () => {
  a = await createTenantWithKey();
  b = await createTenantWithKey();
  noScopes = await createKeyFor(b.tenantId, []);
  const space = await call(`${h.api}/v1/spaces`, a.apiKey, { method: 'POST', body: { name: 'Swept' } });
  ids.space = space.body.data.id;
  const doc = await uploadRaw(h.api, a.apiKey, ids.space, new TextEncoder().encode('hello'), 'a.txt', 'text/plain');
  ids.document = doc.body.data.id;
  const hook = await call(`${h.api}/v1/webhooks`, a.apiKey, { method: 'POST', body: { url: 'http://127.0.0.1:9/hook', event_types: ['*'] } });
  ids.webhook = hook.body.data.id;
  ids.apiKey = a.keyId;
  const query = await call(`${h.api}/v1/spaces/${ids.space}/query`, a.apiKey, { method: 'POST', body: { question: 'hello?' } });
  ids.query = query.body.data.id;
  expect([space.status, doc.status, hook.status, query.status]).toEqual([201, 201, 201, 202]);
});

/** Tenant A's ids for a route's {id}/{doc_id}, by the collection the route is under. */
function urlFor(route: RouteEntry): string {
  const idFor: Record<string, string> = {
    'v1/spaces': ids.space,
    'v1/webhooks': ids.webhook,
    'v1/api-keys': ids.apiKey,
    'v1/queries': ids.query,
    'v1/admin/tenants': a.tenantId,
  };
  const collection = Object.keys(idFor).find((c) => route.route.startsWith(`${c}/`));
  const path = route.route.replace('{doc_id}', ids.document).replace('{id}', (collection && idFor[collection]) || 'unknown');
  return `${h.api}/${path}`;
}

/** A valid body per route that takes one, so a 404 is not masked by a 400. A new route with a body must add one. */
const SAMPLE_BODIES: Record<string, unknown> = {
  'spaces-create': { name: 'Sample' },
  'spaces-replace': { name: 'Replaced' },
  'spaces-update': { description: 'changed' },
  'webhooks-create': { url: 'http://127.0.0.1:9/other', event_types: ['space.*'] },
  'webhooks-update': { url: 'http://127.0.0.1:9/other', event_types: ['space.*'] },
  'webhooks-replay': { since: '2020-01-01T00:00:00Z' },
  'api-keys-create': { name: 'k', scopes: ['spaces:read'] },
  'api-keys-rotate': {},
  'auth-refresh': { refresh_token: 'eva_rt_x' },
  'queries-submit': { question: 'What is in the space?' },
  'admin-tenants-create': { name: 'Sample tenant' },
  'admin-tenants-update': { name: 'Renamed' },
};

async function send(route: RouteEntry, method: string, key: string | undefined): Promise<Reply> {
  const url = urlFor(route);
  if (route.bodyMode === 'stream') {
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    if (key) headers['x-api-key'] = key;
    const res = await fetch(`${url}?filename=s.txt`, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : 'sweep' });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Reply['body'] };
  }
  // GET and HEAD carry no body (a route like /graphql takes one only on POST).
  const takesBody = route.bodyMode === 'json' && method !== 'GET' && method !== 'HEAD';
  const body = takesBody ? SAMPLE_BODIES[route.name] : undefined;
  if (takesBody) expect(body, `a sample body for ${route.name}`).toBeDefined();
  return call(url, key, { method, body });
}

function expectErrorEnvelope(r: Reply, status: number, code: string, what: string): void {
  expect(r.status, what).toBe(status);
  expect(r.body.error.code, what).toBe(code);
  expect(typeof r.body.error.message, what).toBe('string');
  expect(Array.isArray(r.body.error.details), what).toBe(true);
  expect(r.body.meta.request_id, what).toBe(r.headers.get('x-request-id'));
  expect(Number.isNaN(Date.parse(r.body.meta.timestamp)), what).toBe(false);
  expect(r.headers.get('content-type'), what).toMatch(/^application\/json/);
}

const needsScope = (r: RouteEntry): boolean => typeof r.auth === 'object' && r.auth.scopes.length > 0;
const tenantScopedWithIds = (r: RouteEntry): boolean => typeof r.auth === 'object' && r.route.includes('{');

describe('every registered route', () => {
  it('the registry holds every HTTP function in src/functions (each file that calls endpoint())', () => {
    const dir = join(__dirname, '../../src/functions');
    const files = readdirSync(dir).filter((f) => /endpoint\(\{/.test(readFileSync(join(dir, f), 'utf8')));
    const names = new Set(registeredRoutes().map((r) => r.name));
    expect(files.length).toBeGreaterThan(20);
    expect([...names].sort()).toEqual(files.map((f) => f.replace(/\.ts$/, '')).sort());
  });

  it('401 without a credential unless public (public: the same answer with or without one), with the error envelope', async () => {
    for (const route of registeredRoutes()) {
      for (const method of route.methods) {
        const r = await send(route, method, undefined);
        const what = `${method} ${route.route} without a credential`;
        // A public route needs no credential: it answers the same with or without one (auth-refresh's
        // own 401 is about the refresh token in its body, not a missing credential).
        if (route.auth === 'public') expect(r.status, what).toBe((await send(route, method, a.apiKey)).status);
        else expectErrorEnvelope(r, 401, 'UNAUTHENTICATED', what);
      }
    }
  });

  it('403 with a key that has no scopes, wherever a scope is needed', async () => {
    const swept = registeredRoutes().filter(needsScope);
    expect(swept.length).toBeGreaterThan(20);
    for (const route of swept) {
      for (const method of route.methods) {
        expectErrorEnvelope(await send(route, method, noScopes.apiKey), 403, 'FORBIDDEN', `${method} ${route.route} with no scopes`);
      }
    }
  });

  it("404 with another tenant's ids, and tenant A's resources unchanged", async () => {
    const swept = registeredRoutes().filter(tenantScopedWithIds);
    expect(swept.length).toBeGreaterThan(15);
    for (const route of swept) {
      for (const method of route.methods) {
        expectErrorEnvelope(await send(route, method, b.apiKey), 404, 'NOT_FOUND', `${method} ${route.route} as tenant B`);
      }
    }
    expect((await call(`${h.api}/v1/spaces/${ids.space}`, a.apiKey)).body.data.name).toBe('Swept');
    expect((await call(`${h.api}/v1/spaces/${ids.space}/documents/${ids.document}`, a.apiKey)).status).toBe(200);
    expect((await call(`${h.api}/v1/webhooks/${ids.webhook}`, a.apiKey)).body.data.url).toBe('http://127.0.0.1:9/hook');
    expect((await call(`${h.api}/v1/api-keys/${ids.apiKey}`, a.apiKey)).body.data.status).toBe('active');
  });
});
