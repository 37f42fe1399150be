/** GraphQL limits: cost (and its rate-limit charge), first, tokens, persisted operations, introspection in production. */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { resetConfig } from '../../src/shared/config';
import { call } from '../helpers/api-call';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { TEST_JWT_SECRET } from '../helpers/host-presets';
import { useTestHost } from '../helpers/test-host';

const h = useTestHost({
  functions: ['src/functions/graphql.ts'],
  env: {
    JWT_SECRET_KEY: TEST_JWT_SECRET,
    // Set from the start: the production switch below keeps the same key hashes.
    API_KEY_SALT: 'graphql-limits-test-salt-0123456789abcdef',
    REDIS_HOST: '127.0.0.1',
    RATE_LIMIT_TIER_LIMITS: '{"basic":"30/hour","pro":"1000000/hour"}',
  },
});

let t: TenantWithKey;
beforeAll(async () => {
  t = await createTenantWithKey();
});

const gql = (key: string, query: string | undefined, variables?: Record<string, unknown>, extensions?: Record<string, unknown>) =>
  call(`${h.api}/graphql`, key, { method: 'POST', body: { query, variables, extensions } });
const sha = (q: string) => createHash('sha256').update(q).digest('hex');

/** Runs `fn` with settings changed (config is read per request), then restores them. */
async function withEnv(values: Record<string, string>, fn: () => Promise<void>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  Object.assign(process.env, values);
  resetConfig();
  try {
    await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetConfig();
  }
}

describe('graphql limits', () => {
  it('reports the cost in extensions.cost and refuses operations costing more than 5,000', async () => {
    const ok = await gql(t.apiKey, 'query($n: Int!) { spaces(first: $n) { nodes { id documents(first: 10) { nodes { id } } } } }', { n: 40 });
    expect(ok.status).toBe(200);
    // 1 connection + 40 spaces + 40 document connections + 400 documents.
    expect(ok.body.extensions.cost).toMatchObject({ requestedQueryCost: 481, actualQueryCost: 1, maxCost: 5000, rateLimitRequests: 5 });
    const big = await gql(t.apiKey, 'query { spaces(first: 100) { nodes { documents(first: 100) { nodes { chunks(first: 10) { id } } } } } }');
    expect(big.status).toBe(400);
    expect(big.body.data).toBeUndefined();
    expect(big.body.errors[0]).toMatchObject({ extensions: { code: 'VALIDATION_ERROR' } });
    expect(big.body.errors[0].message).toMatch(/cost 110201 exceeds the limit of 5000/);
    expect(big.body.extensions.cost.requestedQueryCost).toBe(110201);
  });

  it('requires first (1-100) on connections and refuses documents over the token limit', async () => {
    const missing = await gql(t.apiKey, 'query { spaces { nodes { id } } }');
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].message).toMatch(/first/);
    for (const n of [0, 101]) {
      const r = await gql(t.apiKey, `query { spaces(first: ${n}) { nodes { id } } }`);
      expect(r.body.errors[0].extensions).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'first', issue: 'must be an integer from 1 to 100' }] });
    }
    const long = await gql(t.apiKey, `query { ${'__typename '.repeat(2_001)} }`);
    expect(long.status).toBe(400);
    expect(long.body.errors[0]).toMatchObject({
      message: 'The document has more than 2000 tokens (GRAPHQL_MAX_TOKENS).',
      extensions: { code: 'VALIDATION_ERROR' },
    });
  });

  it('charges the cost to the rate limit: each started 100 points is one request', async () => {
    const basic = await createTenantWithKey({ tier: 'basic' });
    const costly = 'query { spaces(first: 100) { nodes { documents(first: 10) { nodes { id } } } } }'; // 1201: 13 requests
    const first = await gql(basic.apiKey, costly);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-remaining')).toBe('17');
    expect((await gql(basic.apiKey, costly)).headers.get('x-ratelimit-remaining')).toBe('4');
    const refused = await gql(basic.apiKey, costly);
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // A cheap query still fits in what is left.
    expect((await gql(basic.apiKey, '{ __typename }')).status).toBe(200);
  });

  it('runs persisted operations (APQ): unknown hash, register with the text, then by hash alone', async () => {
    const q = `query { me { tenantId } }`;
    const ext = { persistedQuery: { version: 1, sha256Hash: sha(`${q} `) } };
    const unknown = await gql(t.apiKey, undefined, undefined, ext);
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const wrong = await gql(t.apiKey, q, undefined, ext);
    expect(wrong.body.errors[0]).toMatchObject({ message: 'The sha256Hash does not match the query.', extensions: { code: 'VALIDATION_ERROR' } });
    const registered = await gql(t.apiKey, `${q} `, undefined, ext);
    expect(registered.body.data.me.tenantId).toBe(t.tenantId);
    expect((await gql(t.apiKey, undefined, undefined, ext)).body.data.me.tenantId).toBe(t.tenantId);
    const viaGet = await call(`${h.api}/graphql?extensions=${encodeURIComponent(JSON.stringify(ext))}`, t.apiKey);
    expect(viaGet.body.data.me.tenantId).toBe(t.tenantId);
    const malformed = await gql(t.apiKey, q, undefined, { persistedQuery: { version: 2, sha256Hash: 'x' } });
    expect(malformed.status).toBe(400);

    // Persisted-only: the manifest's operations by hash, nothing else (not even registered ones).
    await withEnv({ GRAPHQL_PERSISTED_ONLY: 'true' }, async () => {
      const checklist = 'query { spaces { id name documentCount } }';
      const byHash = await gql(t.apiKey, undefined, undefined, { persistedQuery: { version: 1, sha256Hash: sha(checklist) } });
      expect(byHash.status).toBe(200);
      expect(byHash.body.data.spaces).toEqual([]);
      const plain = await gql(t.apiKey, checklist);
      expect(plain.status).toBe(400);
      expect(plain.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect((await gql(t.apiKey, undefined, undefined, ext)).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    });
  });

  it('turns introspection off in production unless GRAPHQL_INTROSPECTION is set', async () => {
    const q = '{ __schema { queryType { name } } }';
    expect((await gql(t.apiKey, q)).body.data.__schema.queryType.name).toBe('Query');
    await withEnv({ ENVIRONMENT: 'production' }, async () => {
      const off = await gql(t.apiKey, q);
      expect(off.status).toBe(400);
      expect(off.body.errors[0]).toMatchObject({ extensions: { code: 'VALIDATION_ERROR' } });
      expect(off.body.errors[0].message).toMatch(/introspection/);
      expect((await gql(t.apiKey, '{ __typename }')).status).toBe(200);
    });
    await withEnv({ ENVIRONMENT: 'production', GRAPHQL_INTROSPECTION: 'true' }, async () => {
      expect((await gql(t.apiKey, q)).status).toBe(200);
    });
  });
});
