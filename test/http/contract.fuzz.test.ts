/**
 * A bounded, schema-driven fuzz pass over every operation of openapi.json (loopback only): per
 * operation one valid request (from the spec's example or its schema) and up to 19 invalid ones
 * (bad path ids, bad query values, missing / malformed / mistyped / oversized / unknown body
 * fields, wrong media types, a stale If-Match). No reply may be a 5xx, and every reply must be one
 * the spec declares for that operation, with a body in its schema. Destructive operations run last.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/shared/project-root';
import { call } from '../helpers/api-call';
import { contractProblems } from '../helpers/contract';
import { TEST_ADMIN_KEY, TEST_JWT_SECRET } from '../helpers/host-presets';
import { createKeyFor, createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { useTestHost } from '../helpers/test-host';

const PER_OPERATION = 20;
type Json = Record<string, any>;

const h = useTestHost({
  env: { JWT_SECRET_KEY: TEST_JWT_SECRET, PLATFORM_ADMIN_API_KEY: TEST_ADMIN_KEY, RATE_LIMIT_ENABLED: 'false', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' },
});

const spec = JSON.parse(readFileSync(join(projectRoot(), 'openapi.json'), 'utf8')) as Json;
let a: TenantWithKey;
const ids: Record<string, string> = {};

beforeAll(async () => {
  a = await createTenantWithKey();
  const other = await createTenantWithKey();
  ids.tenant = other.tenantId;
  ids.apiKey = (await createKeyFor(a.tenantId, ['spaces:read'])).keyId;
  const space = await call(`${h.api}/v1/spaces`, a.apiKey, { method: 'POST', body: { name: 'Fuzzed' } });
  ids.space = space.body.data.id;
  const doc = await call(`${h.api}/v1/spaces/${ids.space}/documents?filename=a.txt`, a.apiKey, {
    method: 'POST',
    body: 'hello fuzz',
    headers: { 'content-type': 'text/plain' },
  });
  ids.document = doc.body.data.id;
  const hook = await call(`${h.api}/v1/webhooks`, a.apiKey, { method: 'POST', body: { url: 'http://127.0.0.1:9/hook', event_types: ['*'] } });
  ids.webhook = hook.body.data.id;
  const query = await call(`${h.api}/v1/spaces/${ids.space}/query`, a.apiKey, { method: 'POST', body: { question: 'hello?' } });
  ids.query = query.body.data.id;
  expect([space.status, doc.status, hook.status, query.status]).toEqual([201, 201, 201, 202]);
});

const resolve = (node: Json): Json => {
  let n = node;
  while (n?.$ref)
    n = n.$ref
      .split('/')
      .slice(1)
      .reduce((o: Json, k: string) => o[k.replace(/~1/g, '/')], spec);
  return n;
};

/** A value the schema accepts, as far as a small generator can tell (examples win). */
function valid(schemaIn: Json): unknown {
  const s = resolve(schemaIn);
  if (s.examples?.length) return s.examples[0];
  if ('const' in s) return s.const;
  if (s.enum) return s.enum[0];
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return valid(alt.find((x: Json) => resolve(x).type !== 'null') ?? alt[0]);
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  if (type === 'object') return Object.fromEntries((s.required ?? []).map((k: string) => [k, valid(s.properties?.[k] ?? {})]));
  if (type === 'array') return s.minItems ? [valid(s.items ?? {})] : [];
  if (type === 'integer' || type === 'number') return s.minimum ?? 1;
  if (type === 'boolean') return true;
  if (s.format === 'date-time') return new Date(Date.now() - 3_600_000).toISOString();
  if (s.format === 'uri' || s.format === 'url') return 'http://127.0.0.1:9/hook';
  return 'x'.repeat(Math.max(1, s.minLength ?? 1));
}

/** Tenant A's ids for the path parameters of a template. */
function pathFor(template: string): string {
  const collection: Record<string, string> = {
    '/v1/spaces': ids.space!,
    '/v1/webhooks': ids.webhook!,
    '/v1/api-keys': ids.apiKey!,
    '/v1/queries': ids.query!,
    '/v1/admin/tenants': ids.tenant!,
  };
  const prefix = Object.keys(collection).find((c) => template.startsWith(`${c}/`));
  const fixed: Record<string, string> = { '/console/{asset}': 'console.js', '/docs/{asset}': 'scalar-api-reference.js' };
  return fixed[template] ?? template.replace('{doc_id}', ids.document!).replace('{id}', prefix ? collection[prefix]! : 'x');
}

interface Attempt {
  what: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

function attempts(template: string, method: string, op: Json): Attempt[] {
  const params = (op.parameters as Json[]).map(resolve);
  const path = pathFor(template);
  const query: Record<string, string> = {};
  for (const p of params) if (p.in === 'query' && p.required) query[p.name] = String(valid(p.schema));
  if (op.operationId === 'documents-upload') query.filename = 'fuzz.txt';
  const media = op.requestBody?.content?.['application/json'];
  const stream = op.requestBody && !media ? true : op.operationId.startsWith('graphql');
  let body: Json | undefined;
  if (media && !stream) {
    body = (media.example ?? valid(media.schema)) as Json;
    if (typeof body.url === 'string') body = { ...body, url: 'http://127.0.0.1:9/hook' }; // loopback only
  }
  const json = (b: unknown) => JSON.stringify(b);
  const headers = { 'content-type': 'application/json' };
  const out: Attempt[] = [];
  if (op.operationId === 'documents-upload') {
    out.push({ what: 'valid upload', path, query, headers: { 'content-type': 'text/plain' }, body: 'fuzzed bytes' });
    out.push({ what: 'empty upload', path, query, headers: { 'content-type': 'text/plain' }, body: '' });
    out.push({ what: 'unknown media type', path, query, headers: { 'content-type': 'application/x-fuzz' }, body: 'zz' });
    out.push({ what: 'no filename', path, headers: { 'content-type': 'text/plain' }, body: 'x' });
    out.push({ what: 'broken multipart', path, headers: { 'content-type': 'multipart/form-data; boundary=zz' }, body: '--zz\r\nbroken' });
  } else if (op.operationId === 'graphql-post') {
    out.push({ what: 'valid', path, headers, body: json(media?.example ?? { query: '{ __typename }' }) });
    out.push({ what: 'malformed JSON', path, headers, body: '{' }, { what: 'nonsense query', path, headers, body: json({ query: 'nope {' }) });
  } else {
    out.push({ what: 'valid', path, query, headers: body ? headers : undefined, body: body ? json(body) : undefined });
  }
  for (const p of params.filter((x) => x.in === 'path')) {
    for (const bad of ['not-an-id', 'x'.repeat(300)])
      out.push({
        what: `path ${p.name}=${bad.slice(0, 12)}`,
        path: pathFor(template.replace(`{${p.name}}`, bad)),
        query,
        headers: body ? headers : undefined,
        body: body ? json(body) : undefined,
      });
  }
  for (const p of params.filter((x) => x.in === 'query')) {
    for (const bad of ['abc', '-1', 'x'.repeat(5000)])
      out.push({
        what: `query ${p.name}=${bad.slice(0, 12)}`,
        path,
        query: { ...query, [p.name]: bad },
        headers: body ? headers : undefined,
        body: body ? json(body) : undefined,
      });
  }
  out.push({
    what: 'unknown query field',
    path,
    query: { ...query, fuzz_unknown: '1' },
    headers: body ? headers : undefined,
    body: body ? json(body) : undefined,
  });
  if (body) {
    out.push({ what: 'no body', path, query }, { what: 'malformed JSON', path, query, headers, body: '{"a":' });
    out.push({ what: 'text/plain body', path, query, headers: { 'content-type': 'text/plain' }, body: json(body) });
    out.push({ what: 'empty object', path, query, headers, body: '{}' }, { what: 'array', path, query, headers, body: '[1,2]' });
    out.push({ what: 'unknown field', path, query, headers, body: json({ ...body, fuzz_unknown: true }) });
    for (const [k, v] of Object.entries(body)) {
      out.push({ what: `${k} mistyped`, path, query, headers, body: json({ ...body, [k]: typeof v === 'string' ? 12345 : 'wrong' }) });
      if (typeof v === 'string') out.push({ what: `${k} oversized`, path, query, headers, body: json({ ...body, [k]: 'x'.repeat(5000) }) });
    }
  }
  if (params.some((p) => p.name === 'If-Match'))
    out.push({ what: 'stale If-Match', path, query, headers: { ...(body ? headers : {}), 'if-match': '"stale"' }, body: body ? json(body) : undefined });
  out.push({
    what: 'malformed X-Request-Id',
    path,
    query,
    headers: { ...(body ? headers : {}), 'x-request-id': 'bad id!' },
    body: body ? json(body) : undefined,
  });
  return out.slice(0, PER_OPERATION).map((x) => ({ ...x, what: `${method.toUpperCase()} ${template} ${x.what}` }));
}

function credentialFor(op: Json): Record<string, string> {
  const scheme = Object.keys(op.security?.[0] ?? {})[0];
  if (scheme === 'platformAdmin') return { 'x-api-key': TEST_ADMIN_KEY };
  if (scheme === 'apiKey') return { 'x-api-key': a.apiKey };
  return {};
}

describe('schema-driven fuzz pass', () => {
  it(`no 5xx and no reply outside the spec (<= ${PER_OPERATION} requests per operation)`, async () => {
    const ops = Object.entries(spec.paths as Record<string, Json>).flatMap(([t, byMethod]) =>
      Object.entries(byMethod).map(([m, op]) => [t, m, op as Json] as const),
    );
    // Deletes and rotations last, so the fixtures live through the rest.
    const last = (m: string, op: Json) => m === 'delete' || /rotate/.test(op.operationId);
    ops.sort(([, m1, o1], [, m2, o2]) => Number(last(m1, o1)) - Number(last(m2, o2)));
    const failures: string[] = [];
    let sent = 0;
    for (const [template, method, op] of ops) {
      for (const x of attempts(template, method, op)) {
        const url = `${h.api}${x.path}${x.query && Object.keys(x.query).length ? `?${new URLSearchParams(x.query).toString()}` : ''}`;
        const res = await fetch(url, { method: method.toUpperCase(), headers: { ...credentialFor(op), ...x.headers }, body: x.body, redirect: 'manual' });
        const text = await res.text();
        sent++;
        if (res.status >= 500) failures.push(`${x.what}: ${res.status} ${text.slice(0, 200)}`);
        failures.push(...contractProblems(method, url, { status: res.status, headers: res.headers, text }).map((p) => `${x.what}: ${p}`));
      }
    }
    expect(sent).toBeGreaterThan(300);
    expect(failures).toEqual([]);
  }, 120_000);
});
