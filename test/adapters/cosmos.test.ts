import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/core/errors';
import { CONTAINERS, cosmosCall, getContainer, getCosmosClient, mapCosmosError, queryPage } from '../../src/shared/adapters/cosmos';
import { cosmosHealthCheck } from '../../src/shared/adapters/health-checks';
import { resetServices } from '../../src/shared/services';
import { startEmulators } from '../../local/emulators';
import { freePort as closedPort } from '../helpers/free-port';
import { withSettings } from '../helpers/test-host';

interface Space {
  id: string;
  tenantId: string;
  name: string;
  n: number;
}

let emulators: Awaited<ReturnType<typeof startEmulators>>;

beforeAll(async () => {
  delete process.env.COSMOS_DB_ENDPOINT;
  delete process.env.COSMOS_DB_KEY;
  emulators = await startEmulators({ blob: false });
  await resetServices();
});

afterAll(async () => {
  await resetServices();
  await emulators.stop();
});

/** Runs `fn` with COSMOS_DB_ENDPOINT replaced, then puts the emulator back. */
const withEndpoint = (endpoint: string | undefined, fn: () => Promise<void>) => withSettings({ COSMOS_DB_ENDPOINT: endpoint }, fn);

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a rejection');
}

describe('Cosmos adapter', () => {
  it('creates the database and every declared container with its partition key', async () => {
    await getContainer('spaces');
    const db = getCosmosClient().database('eva');
    const { resources } = await db.containers.readAll().fetchAll();
    const byId = new Map(resources.map((c) => [c.id, c.partitionKey?.paths]));
    for (const [name, spec] of Object.entries(CONTAINERS)) {
      expect(byId.get(name), name).toEqual([spec.partitionKey]);
    }
    // Idempotent: asking again (memoized or after a reset) does not fail on existing containers.
    await getContainer('chunks');
    await resetServices();
    await getContainer('chunks');
  });

  it('creates, reads, replaces and deletes an item; a missing item is NOT_FOUND and a duplicate is CONFLICT', async () => {
    const spaces = await getContainer('spaces');
    const item: Space = { id: 'crud-1', tenantId: 'tenant-a', name: 'first', n: 1 };
    const { resource: created } = await cosmosCall(() => spaces.items.create(item), 'Space');
    expect(created).toMatchObject(item);

    const dup = await rejection(cosmosCall(() => spaces.items.create(item), 'Space'));
    expect(dup.code).toBe('CONFLICT');
    expect(dup.message).toBe('Space already exists.');

    const { resource: read } = await spaces.item('crud-1', 'tenant-a').read<Space>();
    expect(read?.name).toBe('first');

    await spaces.item('crud-1', 'tenant-a').replace({ ...item, name: 'renamed' });
    const { resource: after } = await spaces.item('crud-1', 'tenant-a').read<Space>();
    expect(after?.name).toBe('renamed');

    // The same id in another tenant's partition is a different (missing) item: nothing crosses tenants.
    const other = await rejection(cosmosCall(() => spaces.item('crud-1', 'tenant-b').replace({ ...item, tenantId: 'tenant-b' }), 'Space'));
    expect(other.code).toBe('NOT_FOUND');

    await spaces.item('crud-1', 'tenant-a').delete();
    const gone = await rejection(cosmosCall(() => spaces.item('crud-1', 'tenant-a').delete(), 'Space'));
    expect(gone.code).toBe('NOT_FOUND');
    expect(gone.message).toBe('Space not found.');
  });

  it('honours If-Match: a stale ETag is PRECONDITION_FAILED and leaves the item as it was', async () => {
    const spaces = await getContainer('spaces');
    const { resource, etag } = await spaces.items.create<Space>({ id: 'etag-1', tenantId: 'tenant-a', name: 'v1', n: 1 });
    expect(etag).toBeTruthy();
    expect(resource?._etag).toBe(etag);

    const { etag: etag2 } = await spaces
      .item('etag-1', 'tenant-a')
      .replace({ id: 'etag-1', tenantId: 'tenant-a', name: 'v2', n: 2 }, { accessCondition: { type: 'IfMatch', condition: etag } });
    expect(etag2).not.toBe(etag);

    const stale = await rejection(
      cosmosCall(() =>
        spaces
          .item('etag-1', 'tenant-a')
          .replace({ id: 'etag-1', tenantId: 'tenant-a', name: 'v3', n: 3 }, { accessCondition: { type: 'IfMatch', condition: etag } }),
      ),
    );
    expect(stale.code).toBe('PRECONDITION_FAILED');
    const staleDelete = await rejection(cosmosCall(() => spaces.item('etag-1', 'tenant-a').delete({ accessCondition: { type: 'IfMatch', condition: etag } })));
    expect(staleDelete.code).toBe('PRECONDITION_FAILED');

    const { resource: now } = await spaces.item('etag-1', 'tenant-a').read<Space>();
    expect(now).toMatchObject({ name: 'v2', n: 2 });
  });

  describe('queryPage', () => {
    const query = {
      query: 'SELECT * FROM c WHERE c.tenantId = @t ORDER BY c.n',
      parameters: [{ name: '@t', value: 'tenant-p' }],
    };
    const scope = 'spaces:tenant-p';

    beforeAll(async () => {
      const spaces = await getContainer('spaces');
      for (let n = 1; n <= 7; n++) await spaces.items.create({ id: `p-${n}`, tenantId: 'tenant-p', name: `s${n}`, n });
      // Another tenant's items never show up in tenant-p's list.
      for (let n = 1; n <= 3; n++) await spaces.items.create({ id: `q-${n}`, tenantId: 'tenant-q', name: `q${n}`, n });
    });

    it('walks every item exactly once, in order, across pages', async () => {
      const spaces = await getContainer('spaces');
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await queryPage<Space>(spaces, query, { limit: 3, cursor, scope, partitionKey: 'tenant-p' });
        pages++;
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((s) => s.n));
        expect(page.has_next).toBe(page.cursor !== null);
        if (!page.cursor) break;
        expect(page.cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        cursor = page.cursor;
        expect(pages).toBeLessThan(10);
      }
      expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('returns everything in one page with no cursor when the limit covers it', async () => {
      const spaces = await getContainer('spaces');
      const page = await queryPage<Space>(spaces, query, { limit: 100, scope, partitionKey: 'tenant-p' });
      expect(page.items.map((s) => s.n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(page).toMatchObject({ cursor: null, has_next: false });
    });

    it('refuses a tampered, foreign or malformed cursor with VALIDATION_ERROR', async () => {
      const spaces = await getContainer('spaces');
      const first = await queryPage<Space>(spaces, query, { limit: 3, scope, partitionKey: 'tenant-p' });
      const cursor = first.cursor!;
      const [body, mac] = cursor.split('.') as [string, string];
      const tamperedBody = Buffer.from(JSON.stringify({ v: 1, s: scope, t: '{"token":"x"}' })).toString('base64url');
      for (const bad of [`${tamperedBody}.${mac}`, `${body}.${mac.slice(0, -2)}`, 'not-a-cursor', Buffer.from('{"token":"+RID:abc"}').toString('base64url')]) {
        const e = await rejection(queryPage(spaces, query, { limit: 3, cursor: bad, scope, partitionKey: 'tenant-p' }));
        expect(e.code).toBe('VALIDATION_ERROR');
        expect(e.details[0]?.field).toBe('cursor');
      }
      // A valid cursor of tenant-p's list does not work for tenant-q's list.
      const foreign = await rejection(queryPage(spaces, query, { limit: 3, cursor, scope: 'spaces:tenant-q', partitionKey: 'tenant-q' }));
      expect(foreign.code).toBe('VALIDATION_ERROR');
    });

    it('refuses a limit outside 1-1000', async () => {
      const spaces = await getContainer('spaces');
      for (const limit of [0, -1, 1.5, 1001]) {
        const e = await rejection(queryPage(spaces, query, { limit, scope, partitionKey: 'tenant-p' }));
        expect(e.code).toBe('VALIDATION_ERROR');
        expect(e.details[0]?.field).toBe('limit');
      }
    });
  });

  it('maps an unreachable Cosmos to DEPENDENCY_UNAVAILABLE without SDK text', async () => {
    await withEndpoint(`http://127.0.0.1:${await closedPort()}`, async () => {
      const e = await rejection(getContainer('spaces'));
      expect(e.code).toBe('DEPENDENCY_UNAVAILABLE');
      expect(e.message).toBe('A dependency (Cosmos DB) is unavailable; retry later.');
      expect(e.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    });
  });

  it('maps status codes to stable error codes', () => {
    const cases: Array<[number | string, string]> = [
      [404, 'NOT_FOUND'],
      [409, 'CONFLICT'],
      [412, 'PRECONDITION_FAILED'],
      [413, 'PAYLOAD_TOO_LARGE'],
      [429, 'DEPENDENCY_UNAVAILABLE'],
      [503, 'DEPENDENCY_UNAVAILABLE'],
      [401, 'DEPENDENCY_UNAVAILABLE'],
      ['ECONNREFUSED', 'DEPENDENCY_UNAVAILABLE'],
      ['TimeoutError', 'DEPENDENCY_UNAVAILABLE'],
      [400, 'INTERNAL'],
    ];
    for (const [code, expected] of cases) {
      const sdkError = Object.assign(new Error('Message: {"Errors":["secret SDK detail"]}'), { code });
      const mapped = mapCosmosError(sdkError);
      expect(mapped.code, String(code)).toBe(expected);
      expect(mapped.message).not.toContain('secret SDK detail');
    }
    const appError = new AppError('FORBIDDEN', 'x');
    expect(mapCosmosError(appError)).toBe(appError);
  });

  describe('health check', () => {
    it('is healthy against the emulator', async () => {
      const r = await cosmosHealthCheck.check(AbortSignal.timeout(5_000));
      expect(r.status).toBe('healthy');
      expect(typeof r.latency_ms).toBe('number');
    });

    it('is unhealthy with reason UNREACHABLE when Cosmos is at a closed port', async () => {
      await withEndpoint(`http://127.0.0.1:${await closedPort()}`, async () => {
        const r = await cosmosHealthCheck.check(AbortSignal.timeout(5_000));
        expect(r).toMatchObject({ status: 'unhealthy', reason: 'UNREACHABLE' });
      });
    });

    it('is TIMEOUT when the signal has already fired', async () => {
      const r = await cosmosHealthCheck.check(AbortSignal.abort());
      expect(r).toMatchObject({ status: 'unhealthy', reason: 'TIMEOUT' });
    });

    it('is not_configured when no endpoint is set', async () => {
      await withEndpoint(undefined, async () => {
        expect(await cosmosHealthCheck.check(AbortSignal.timeout(5_000))).toEqual({
          status: 'not_configured',
          reason: 'NOT_CONFIGURED',
        });
      });
    });
  });
});
