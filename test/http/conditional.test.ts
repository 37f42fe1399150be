/**
 * If-Match on every route that reads it (from the route registry, so a new one must be added
 * here): the ETag a client was given, echoed as is, weakened, bare or in a list, succeeds; a stale
 * or an empty one is 412 and changes nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../../src/shared/http/registry';
import { call, type Reply } from '../helpers/api-call';
import { uploadRaw } from '../helpers/document-uploads';
import { DOCUMENT_FUNCTIONS, IDENTITY_FUNCTIONS, TEST_ADMIN_KEY, TEST_JWT_SECRET, WEBHOOK_FUNCTIONS } from '../helpers/host-presets';
import { createKeyFor, createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { useTestHost } from '../helpers/test-host';

const h = useTestHost({
  functions: [...new Set([...IDENTITY_FUNCTIONS, ...DOCUMENT_FUNCTIONS, ...WEBHOOK_FUNCTIONS])],
  env: { JWT_SECRET_KEY: TEST_JWT_SECRET, PLATFORM_ADMIN_API_KEY: TEST_ADMIN_KEY, RATE_LIMIT_ENABLED: 'false', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' },
  settleQueues: ['document-processing'],
});

let t: TenantWithKey;
let n = 0;
const documents: string[] = [];
const unique = (what: string): string => `${what} ${++n}`;

beforeAll(async () => {
  t = await createTenantWithKey();
});

/** A fresh resource: its URL and the ETag header the API gave for it. */
interface Prepared {
  url: string;
  etag: string;
}

async function newSpace(): Promise<Prepared> {
  const c = await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name: unique('Conditional') } });
  const url = `${h.api}/v1/spaces/${c.body.data.id}`;
  return { url, etag: String((await call(url, t.apiKey)).headers.get('etag')) };
}

const write =
  (method: string, body?: unknown) =>
  (url: string, ifMatch: string | undefined, key = t.apiKey): Promise<Reply> =>
    call(url, key, { method, ...(body === undefined ? {} : { body }), headers: ifMatch === undefined ? {} : { 'if-match': ifMatch } });

interface Case {
  prepare(): Promise<Prepared>;
  send(url: string, ifMatch: string | undefined): Promise<Reply>;
  success: number;
}

const cases: Record<string, Case> = {
  'spaces-update': { prepare: newSpace, send: write('PATCH', { description: 'changed' }), success: 200 },
  'spaces-replace': { prepare: newSpace, send: (url, m) => write('PUT', { name: unique('Replaced') })(url, m), success: 200 },
  'spaces-delete': { prepare: newSpace, send: write('DELETE'), success: 204 },
  'documents-delete': {
    prepare: async () => {
      // Uploaded five at a time and processed together (processing changes the record, so the ETag is read after it).
      if (documents.length === 0) {
        const space = await newSpace();
        const spaceId = space.url.split('/').pop()!;
        const ups = await Promise.all(
          Array.from({ length: 5 }, () => uploadRaw(h.api, t.apiKey, spaceId, new TextEncoder().encode(unique('words')), 'c.txt', 'text/plain')),
        );
        await h.settle();
        documents.push(...ups.map((up) => `${space.url}/documents/${up.body.data.id}`));
      }
      const url = documents.shift()!;
      return { url, etag: String((await call(url, t.apiKey)).headers.get('etag')) };
    },
    send: write('DELETE'),
    success: 204,
  },
  'webhooks-update': {
    prepare: async () => {
      const c = await call(`${h.api}/v1/webhooks`, t.apiKey, { method: 'POST', body: { url: 'http://127.0.0.1:9/hook', event_types: ['*'] } });
      const url = `${h.api}/v1/webhooks/${c.body.data.id}`;
      return { url, etag: String((await call(url, t.apiKey)).headers.get('etag')) };
    },
    send: write('PUT', { url: 'http://127.0.0.1:9/other', event_types: ['space.*'] }),
    success: 200,
  },
  'webhooks-delete': {
    prepare: async () => cases['webhooks-update']!.prepare(),
    send: write('DELETE'),
    success: 204,
  },
  'api-keys-delete': {
    prepare: async () => {
      const k = await createKeyFor(t.tenantId, ['spaces:read']);
      const url = `${h.api}/v1/api-keys/${k.keyId}`;
      return { url, etag: String((await call(url, t.apiKey)).headers.get('etag')) };
    },
    send: write('DELETE'),
    success: 204,
  },
  'admin-tenants-update': {
    // No single-tenant GET: the ETag is the one a first, unconditional update answered with.
    prepare: async () => {
      const other = await createTenantWithKey();
      const url = `${h.api}/v1/admin/tenants/${other.tenantId}`;
      const first = await write('PATCH', { name: unique('Tenant') })(url, undefined, TEST_ADMIN_KEY);
      return { url, etag: String(first.headers.get('etag')) };
    },
    send: (url, m) => write('PATCH', { name: unique('Tenant') })(url, m, TEST_ADMIN_KEY),
    success: 200,
  },
};

/** The ETag as a client may echo it: weakened by a proxy, unquoted, in a list, or any version. */
const FORMS: Array<(etag: string) => string> = [(e) => `W/${e}`, (e) => e.replace(/^"|"$/g, ''), (e) => `"stale", ${e}`, () => '*'];

describe('If-Match on every update and delete', () => {
  it('covers every route that reads If-Match', () => {
    const routes = registeredRoutes()
      .filter((r) => r.ifMatch)
      .map((r) => r.name);
    expect(routes.sort()).toEqual(Object.keys(cases).sort());
  });

  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: stale and empty are 412 and change nothing; the ETag echoed in any form succeeds`, async () => {
      const p = await c.prepare();
      expect(p.etag).toMatch(/^"/);
      for (const bad of ['"stale"', '', `W/"stale", nope`]) {
        const r = await c.send(p.url, bad);
        expect(r.status, `${name} If-Match: ${bad}`).toBe(412);
        expect(r.body.error.code).toBe('PRECONDITION_FAILED');
      }
      // Unchanged by the refusals: the ETag read first still holds.
      expect((await c.send(p.url, p.etag)).status, `${name} echoed`).toBe(c.success);

      for (const form of FORMS) {
        const q = await c.prepare();
        const sent = form(q.etag);
        expect((await c.send(q.url, sent)).status, `${name} If-Match: ${sent}`).toBe(c.success);
      }
    });
  }
});
