/**
 * The OpenAPI description against the code: every registered route is in it, every path in it is
 * a registered route, it is served public with an ETag, and real responses validate against it
 * (ajv on the spec's own schemas).
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../../src/shared/http/registry';
import { call, type Reply } from '../helpers/api-call';
import { TEST_JWT_SECRET } from '../helpers/host-presets';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { useTestHost } from '../helpers/test-host';

const h = useTestHost({ env: { JWT_SECRET_KEY: TEST_JWT_SECRET, RATE_LIMIT_ENABLED: 'false' } });

interface Spec {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components: { schemas: Record<string, unknown> };
}
let spec: Spec;
let etag: string;
let a: TenantWithKey;

beforeAll(async () => {
  const r = await fetch(`${h.api}/openapi.json`);
  expect(r.status).toBe(200);
  etag = r.headers.get('etag')!;
  spec = (await r.json()) as Spec;
  a = await createTenantWithKey();
});

/** Validates a reply against the spec's schema for that operation and status. */
function conforms(r: Reply, method: string, route: string): void {
  const op = spec.paths[route]?.[method];
  expect(op, `${method} ${route} in the spec`).toBeDefined();
  const response = op!.responses[String(r.status)];
  expect(response, `${method} ${route} ${r.status} in the spec`).toBeDefined();
  const schema = response!.content?.['application/json']?.schema;
  if (!schema) return;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'spec', components: spec.components });
  const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"spec#/components/')) as object);
  expect(validate(r.body) ? [] : validate.errors, `${method} ${route} ${r.status}`).toEqual([]);
}

describe('GET /api/openapi.json', () => {
  it('is OpenAPI 3.1, public, with an ETag and 304 on If-None-Match', async () => {
    expect(spec).toMatchObject({ openapi: '3.1.0' });
    expect(etag).toMatch(/^".+"$/);
    expect((await fetch(`${h.api}/openapi.json`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('holds every registered route and method, and nothing that is not served', () => {
    const served = registeredRoutes().flatMap((r) => r.methods.map((m) => `${m.toLowerCase()} /${r.route}`));
    const described = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(served.length).toBeGreaterThan(30);
    expect(described.sort()).toEqual(served.sort());
  });

  it('every operation declares its auth: security schemes with the scopes it needs', () => {
    for (const r of registeredRoutes()) {
      for (const m of r.methods) {
        const op = spec.paths[`/${r.route}`]![m.toLowerCase()] as unknown as { security: unknown[]; responses: Record<string, unknown> };
        if (r.auth === 'public') expect(op.security).toEqual([]);
        else if (typeof r.auth === 'object') expect(op.security).toEqual([{ apiKey: r.auth.scopes }, { bearer: r.auth.scopes }]);
        if (r.auth !== 'public') expect(op.responses['401']).toBeDefined();
      }
    }
  });

  it('real responses validate against it: create, read, list, errors', async () => {
    const created = await call(`${h.api}/v1/spaces`, a.apiKey, { method: 'POST', body: { name: 'Described', metadata: { k: 1 } } });
    conforms(created, 'post', '/v1/spaces');
    conforms(await call(`${h.api}/v1/spaces/${created.body.data.id}`, a.apiKey), 'get', '/v1/spaces/{id}');
    conforms(await call(`${h.api}/v1/spaces?limit=1`, a.apiKey), 'get', '/v1/spaces');
    conforms(await call(`${h.api}/v1/spaces`, a.apiKey, { method: 'POST', body: { name: 'Described' } }), 'post', '/v1/spaces');
    conforms(await call(`${h.api}/v1/spaces`, { method: 'POST', body: { name: 'x' } }), 'post', '/v1/spaces');
    conforms(await call(`${h.api}/v1/api-keys`, a.apiKey), 'get', '/v1/api-keys');
    conforms(await call(`${h.api}/v1/auth/whoami`, a.apiKey), 'get', '/v1/auth/whoami');
    conforms(await call(`${h.api}/health`), 'get', '/health');
  });
});
