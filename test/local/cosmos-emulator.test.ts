import { CosmosClient, type Container } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_QUERY_PLAN, startCosmosEmulator, type CosmosEmulator } from '../../local/cosmos-emulator';
import { linearizeAccumulators, sortByOneField } from '../../local/cosmos-query-speedup';

interface Row {
  id: string;
  tenantId: string;
  type: 'space' | 'space_name';
  n: number;
  tags?: Array<{ name: string; pets?: string[] }>;
  _rid?: string;
}

let emulator: CosmosEmulator;
let client: CosmosClient;
let container: Container;

const rows: Row[] = [];
for (let i = 0; i < 60; i++) {
  const tenantId = i % 3 === 0 ? 'tenant-b' : 'tenant-a';
  rows.push({
    id: `s${String(i).padStart(3, '0')}`,
    tenantId,
    type: i % 5 === 0 ? 'space_name' : 'space',
    n: (i * 37) % 61,
    ...(i % 4 === 0 ? { tags: [{ name: `t${i}`, pets: ['cat', 'dog'] }, { name: 'x' }] } : {}),
  });
}

beforeAll(async () => {
  emulator = await startCosmosEmulator();
  client = new CosmosClient({ endpoint: emulator.endpoint, key: emulator.key, connectionPolicy: { enableEndpointDiscovery: false } });
  const { database } = await client.databases.createIfNotExists({ id: 'emulator-test' });
  ({ container } = await database.containers.createIfNotExists({ id: 'items', partitionKey: { paths: ['/tenantId'] } }));
  for (const r of rows) await container.items.create(r);
});

afterAll(async () => {
  client?.dispose();
  await emulator?.stop();
});

const listQuery = {
  query: "SELECT * FROM c WHERE c.tenantId = @t AND c.type = 'space' ORDER BY c.n DESC",
  parameters: [{ name: '@t', value: 'tenant-a' }],
};
const expectedIds = rows
  .filter((r) => r.tenantId === 'tenant-a' && r.type === 'space')
  .sort((a, b) => b.n - a.n || 0)
  .map((r) => r.id);

async function pageThrough(): Promise<string[]> {
  const ids: string[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await container.items.query<Row>(listQuery, { partitionKey: 'tenant-a', maxItemCount: 7, continuationToken }).fetchNext();
    ids.push(...page.resources.map((r) => r.id));
    continuationToken = page.continuationToken ?? undefined;
  } while (continuationToken);
  return ids;
}

describe('embedded Cosmos emulator', () => {
  it('pages an ORDER BY query of one partition in order, completely, and only that partition', async () => {
    const ids = await pageThrough();
    expect(ids).toHaveLength(expectedIds.length);
    expect(new Set(ids)).toEqual(new Set(expectedIds));
    const n = new Map(rows.map((r) => [r.id, r.n]));
    expect(ids.map((id) => n.get(id)!)).toEqual([...ids.map((id) => n.get(id)!)].sort((a, b) => b - a));
  });

  it('gives the same ordered results when the SDK is made to use the query plan', async () => {
    // (Resuming such a query from a continuation token is not covered: the package never supported
    // client-side plans; before, forceQueryPlan failed outright.)
    const { resources } = await container.items.query<Row>(listQuery, { partitionKey: 'tenant-a', maxItemCount: 7, forceQueryPlan: true }).fetchAll();
    expect(resources.map((r) => r.id)).toEqual(await pageThrough());
  });

  it('answers a query-plan request with a plan (no rewriting, one range), not with query results', async () => {
    const res = await fetch(`${emulator.endpoint}/dbs/emulator-test/colls/items/docs`, {
      method: 'POST',
      headers: { 'content-type': 'application/query+json', 'x-ms-cosmos-is-query-plan-request': 'True' },
      body: JSON.stringify(listQuery),
    });
    expect(res.status).toBe(200);
    const plan = (await res.json()) as Record<string, unknown>;
    expect(plan).toEqual(JSON.parse(JSON.stringify(EMULATOR_QUERY_PLAN)));
    expect(plan).not.toHaveProperty('Documents');
  });

  it('keeps connections alive', async () => {
    const res = await fetch(`${emulator.endpoint}/`, { headers: { authorization: 'x', 'x-ms-date': new Date().toUTCString() } });
    await res.arrayBuffer();
    expect(res.headers.get('connection')).toBe('keep-alive');
  });

  it('answers JOINs, aggregates and point reads as before', async () => {
    const { resources: pets } = await container.items
      .query<{ id: string; p: string }>(
        { query: 'SELECT c.id, p FROM c JOIN t IN c.tags JOIN p IN t.pets WHERE c.tenantId = @t', parameters: [{ name: '@t', value: 'tenant-b' }] },
        { partitionKey: 'tenant-b' },
      )
      .fetchAll();
    const withPets = rows.filter((r) => r.tenantId === 'tenant-b' && r.tags);
    expect(pets).toHaveLength(withPets.length * 2);
    expect(new Set(pets.map((p) => p.p))).toEqual(new Set(['cat', 'dog']));
    const { resources: count } = await container.items
      .query<number>(
        { query: 'SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @t', parameters: [{ name: '@t', value: 'tenant-a' }] },
        { partitionKey: 'tenant-a' },
      )
      .fetchAll();
    expect(count).toEqual([rows.filter((r) => r.tenantId === 'tenant-a').length]);
    const { resource } = await container.item('s001', 'tenant-a').read<Row>();
    expect(resource?.n).toBe(rows[1]!.n);
  });
});

describe('linear query accumulators', () => {
  /* eslint-disable @typescript-eslint/no-require-imports -- the emulator's untyped query compiler */
  const compile = require('@zeit/cosmosdb-query') as {
    default: (sql: string) => { ast: unknown; code: string; _code: string | null; exec(c: unknown[], o?: unknown): { result: unknown[] } };
  };
  const transformer = require('@zeit/cosmosdb-query/lib/transformer') as { default: (ast: unknown) => unknown };
  const generator = require('@babel/generator') as { default: (ast: unknown) => { code: string } };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const data = rows.map((r, i) => ({ ...r, _rid: `rid${String(i).padStart(4, '0')}` }));
  const queries = [
    'SELECT * FROM c',
    "SELECT * FROM c WHERE c.tenantId = 'tenant-a' ORDER BY c.n DESC",
    'SELECT c.id, t.name FROM c JOIN t IN c.tags',
    'SELECT c.id, t.name, p FROM c JOIN t IN c.tags JOIN p IN t.pets',
    'SELECT VALUE COUNT(1) FROM c',
    'SELECT c.id FROM c WHERE EXISTS(SELECT VALUE t FROM t IN c.tags WHERE t.name = "x")',
    'SELECT TOP 5 c.id FROM c ORDER BY c.id ASC',
  ];

  it.each(queries)('%s: same result, no accumulator copies', (sql) => {
    const original = compile.default(sql);
    const linear = compile.default(sql);
    const jsAst = transformer.default(linear.ast);
    linearizeAccumulators(jsAst);
    linear._code = generator.default(jsAst).code;
    expect(linear.code).not.toMatch(/\[\s*\.\.\.\$\s*,/);
    expect(linear.exec(data, { maxItemCount: 10 })).toEqual(original.exec(data, { maxItemCount: 10 }));
    expect(linear.exec(data)).toEqual(original.exec(data));
  });
});

describe('single-field ORDER BY sort', () => {
  // The emulator replaces helpers.sort when it starts; rebuild the package's own from a fresh copy.
  const fresh = (): Parameters<typeof sortByOneField>[0] => {
    const path = require.resolve('@zeit/cosmosdb-query/lib/helpers');
    const cached = require.cache[path];
    delete require.cache[path];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const copy = require(path) as { sort: Parameters<typeof sortByOneField>[0] };
    if (cached) require.cache[path] = cached;
    return copy.sort;
  };
  const values: unknown[] = [undefined, null, true, false, 0, -1, 2.5, 7, '', 'a', 'B', 'b', 'z', [1], [], { a: 1 }, {}];
  const docs = Array.from({ length: 400 }, (_, i) => {
    const v = values[(i * 7919) % values.length];
    const c: Record<string, unknown> = { _rid: `r${(i * 31) % 50}` };
    if (v !== undefined) c.v = v;
    c.nested = i % 3 === 0 ? 'flat' : { v };
    return { c };
  });
  const getRid = (d: unknown) => (d as { c: { _rid: string } }).c._rid;

  it.each([
    [['c', 'v'], false],
    [['c', 'v'], true],
    [['c', 'nested', 'v'], true],
  ] as Array<[string[], boolean]>)('orders by %j (desc %s) exactly as the package does', (keys, desc) => {
    const original = fresh();
    expect(sortByOneField(original)(docs, getRid, [], [keys, desc])).toEqual(original(docs, getRid, [], [keys, desc]));
  });

  it('leaves multi-field ORDER BY to the package (composite index rule included)', () => {
    const original = fresh();
    expect(() => sortByOneField(original)(docs, getRid, [], [['c', 'v'], false], [['c', '_rid'], true])).toThrow(/composite index/);
  });
});
