/**
 * The generated OpenAPI description: the committed openapi.json is what the code generates, every
 * example validates against its schema, every event type the code emits has a webhook entry, and
 * every operation carries its auth, error responses and headers.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_FILE, openApiDocumentText } from '../../../scripts/openapi-document';
import { BODY_EXAMPLES, SCHEMA_EXAMPLES } from '../../../src/shared/http/openapi-examples';
import { eventSchemaName } from '../../../src/shared/http/openapi';
import { registeredRoutes } from '../../../src/shared/http/registry';
import { WEBHOOK_EVENT_TYPES } from '../../../src/shared/http/webhook-events';
import { projectRoot } from '../../../src/shared/project-root';

type Json = Record<string, any>;
let text: string;
let spec: Json;
let ajv: Ajv2020;

beforeAll(async () => {
  text = await openApiDocumentText();
  spec = JSON.parse(text) as Json;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'spec.json', components: spec.components });
}, 60_000);

/** Validates `value` against a schema of the spec; returns ajv's errors ([] when valid). */
function errorsOf(schema: unknown, value: unknown): unknown[] {
  const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"spec.json#/components/')) as object);
  return validate(value) ? [] : (validate.errors ?? []);
}

const operations = (): Array<[string, string, Json]> =>
  Object.entries(spec.paths as Record<string, Json>).flatMap(([path, ops]) =>
    Object.entries(ops).map(([m, op]) => [m, path, op as Json] as [string, string, Json]),
  );

describe('openapi.json', () => {
  it('is committed as the code generates it', () => {
    const committed = readFileSync(join(projectRoot(), OPENAPI_FILE), 'utf8');
    // A plain boolean first: a diff of two 280 KiB strings helps nobody; the message says what to do.
    expect(committed === text, `${OPENAPI_FILE} differs from the code: run npm run openapi and commit it`).toBe(true);
  });

  it('the TypeScript client is generated from it (npm run client)', () => {
    const root = projectRoot();
    const dir = mkdtempSync(join(tmpdir(), 'eva-client-'));
    try {
      const out = join(dir, 'schema.d.ts');
      const cli = join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
      execFileSync(process.execPath, [cli, OPENAPI_FILE, '--redocly', 'redocly.yaml', '--output', out], { cwd: root, stdio: 'pipe' });
      const committed = readFileSync(join(root, 'clients', 'typescript', 'src', 'schema.d.ts'), 'utf8');
      expect(committed === readFileSync(out, 'utf8'), 'clients/typescript/src/schema.d.ts is stale: run npm run client').toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('is deterministic: paths, webhooks and components sorted', () => {
    const sorted = (o: object) => expect(Object.keys(o)).toEqual(Object.keys(o).sort());
    sorted(spec.paths);
    sorted(spec.webhooks);
    for (const kind of Object.values(spec.components as Record<string, object>)) sorted(kind);
  });

  it('describes every operation: unique id, auth, X-Request-Id, 401/403 where credentials matter, 500', () => {
    const ids = new Set<string>();
    for (const [method, path, op] of operations()) {
      const what = `${method} ${path}`;
      expect(ids.has(op.operationId), `${what} operationId unique`).toBe(false);
      expect(op.summary, `${what} has a summary (src/shared/http/openapi-summaries.ts)`).not.toBe(op.operationId);
      ids.add(op.operationId);
      expect(op.security, what).toBeDefined();
      expect(op.parameters, what).toContainEqual({ $ref: '#/components/parameters/RequestId' });
      expect(op.responses['500'], what).toEqual({ $ref: '#/components/responses/Internal' });
      if (op.security.length > 0) expect(op.responses['401'], what).toEqual({ $ref: '#/components/responses/Unauthenticated' });
      const scopes = op.security[0]?.apiKey as string[] | undefined;
      if (scopes?.length) expect(op.responses['403'], what).toEqual({ $ref: '#/components/responses/Forbidden' });
      for (const [status, r] of Object.entries(op.responses as Record<string, Json>)) {
        if (Number(status) < 400) expect(r.headers?.['X-Request-Id'], `${what} ${status}`).toEqual({ $ref: '#/components/headers/XRequestId' });
      }
    }
  });

  it('pins the code of each error status and gives an example that validates', () => {
    for (const [name, r] of Object.entries(spec.components.responses as Record<string, Json>)) {
      const media = r.content['application/json'];
      expect(errorsOf(media.schema, media.example), name).toEqual([]);
      const wrong = { ...media.example, error: { ...media.example.error, code: media.example.error.code === 'INTERNAL' ? 'NOT_FOUND' : 'INTERNAL' } };
      expect(errorsOf(media.schema, wrong), `${name} rejects another code`).not.toEqual([]);
    }
    expect(spec.components.responses.RateLimitExceeded.headers['Retry-After']).toBeDefined();
  });

  it('marks ETag, If-Match, pagination and rate-limit headers where the routes use them', () => {
    const get = spec.paths['/v1/spaces/{id}'].get;
    expect(get.responses['200'].headers.ETag).toEqual({ $ref: '#/components/headers/ETag' });
    expect(get.responses['200'].headers['X-RateLimit-Remaining']).toBeDefined();
    expect(spec.paths['/v1/spaces/{id}'].patch.parameters).toContainEqual({ $ref: '#/components/parameters/IfMatch' });
    const list = spec.paths['/v1/spaces'].get;
    expect(list.parameters.map((p: Json) => p.name)).toEqual(expect.arrayContaining(['limit', 'cursor']));
    expect(list.responses['200'].content['application/json'].schema.required).toContain('pagination');
    expect(spec.paths['/health'].get.responses['200'].headers['X-RateLimit-Limit']).toBeUndefined();
  });

  it('every example validates against its schema', () => {
    for (const [id, example] of Object.entries(SCHEMA_EXAMPLES)) {
      expect(spec.components.schemas[id], id).toBeDefined();
      expect(errorsOf({ $ref: `#/components/schemas/${id}` }, example), id).toEqual([]);
    }
    const bodies = new Map(operations().map(([, , op]) => [op.operationId as string, op.requestBody?.content?.['application/json']]));
    for (const [id, example] of Object.entries(BODY_EXAMPLES)) {
      const media = bodies.get(id);
      expect(media?.example, `${id} has its example`).toEqual(example);
      expect(errorsOf(media.schema, example), id).toEqual([]);
    }
    for (const [type, hook] of Object.entries(spec.webhooks as Record<string, Json>)) {
      const media = hook.post.requestBody.content['application/json'];
      if (media.example) expect(errorsOf(media.schema, media.example), type).toEqual([]);
    }
  });

  it('has one webhook per event type the code emits, and none it does not', () => {
    // Every string literal in the files that make events that looks like an event type of a known
    // family; 'webhook.delivery' is the Service Bus subject of delivery messages, not an event.
    const notEvents = new Set(['webhook.delivery']);
    const emitted = new Set<string>();
    const walk = (dir: string): void => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.includes(`${join('http', 'webhook-events.ts')}`) && !p.endsWith('openapi-examples.ts')) {
          const src = readFileSync(p, 'utf8');
          if (!/makeEvent\(/.test(src)) continue;
          for (const m of src.matchAll(/'((?:space|document|query|webhook|api_key|tenant)\.[a-z_]+)'/g)) if (!notEvents.has(m[1]!)) emitted.add(m[1]!);
        }
      }
    };
    walk(join(projectRoot(), 'src'));
    expect(emitted.size).toBeGreaterThan(10);
    expect([...emitted].sort()).toEqual([...WEBHOOK_EVENT_TYPES]);
    for (const type of WEBHOOK_EVENT_TYPES) {
      expect(spec.webhooks[type].post.requestBody.content['application/json'].schema).toEqual({ $ref: `#/components/schemas/${eventSchemaName(type)}` });
      expect(spec.components.schemas[eventSchemaName(type)].properties.event_type).toEqual({ type: 'string', const: type });
    }
  });

  it('every registered route is described', () => {
    expect(registeredRoutes().length).toBeGreaterThan(30);
    for (const r of registeredRoutes()) for (const m of r.methods) expect(spec.paths[`/${r.route}`]?.[m.toLowerCase()], `${m} ${r.route}`).toBeDefined();
  });
});
