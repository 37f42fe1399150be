/**
 * Queries in Cosmos (container `queries`, partition /tenantId). Every read names the tenant.
 */
import { cosmosCall, getContainer, ifMatchOptions, queryPage, type Page } from '../adapters/cosmos';
import { isAppError } from '../core/errors';
import type { QueryRecord } from './query-records';

const WHAT = 'Query';

export async function insertQuery(q: QueryRecord): Promise<QueryRecord> {
  const c = await getContainer('queries');
  const { resource } = await cosmosCall(() => c.items.create(q), WHAT);
  return resource ?? q;
}

export async function readQuery(tenantId: string, id: string): Promise<QueryRecord | undefined> {
  const c = await getContainer('queries');
  const { resource } = await cosmosCall(() => c.item(id, tenantId).read<QueryRecord>(), WHAT);
  return resource && resource.type === 'query' && resource.tenantId === tenantId ? resource : undefined;
}

/**
 * Writes a finished query only if nobody changed it since `etag` (a redelivered message racing the
 * first delivery): returns false when the other one won.
 */
export async function finishQuery(q: QueryRecord, etag: string | undefined): Promise<boolean> {
  const c = await getContainer('queries');
  const { _etag: _drop, ...body } = q;
  try {
    await cosmosCall(() => c.item(q.id, q.tenantId).replace(body, ifMatchOptions(etag)), WHAT);
    return true;
  } catch (e) {
    if (isAppError(e) && e.code === 'PRECONDITION_FAILED') return false;
    throw e;
  }
}

/**
 * Marks a pending query as being answered (its lease), only if nobody changed it since `etag`:
 * returns it with its new ETag, or undefined when another delivery got there first.
 */
export async function claimQuery(q: QueryRecord, etag: string | undefined): Promise<QueryRecord | undefined> {
  const c = await getContainer('queries');
  const { _etag: _drop, ...body } = q;
  try {
    const { resource } = await cosmosCall(() => c.item(q.id, q.tenantId).replace<QueryRecord>(body, ifMatchOptions(etag)), WHAT);
    return resource ?? undefined;
  } catch (e) {
    if (isAppError(e) && e.code === 'PRECONDITION_FAILED') return undefined;
    throw e;
  }
}

/** A space's query history, newest first. */
export async function listSpaceQueries(tenantId: string, spaceId: string, limit: number, cursor: string | undefined): Promise<Page<QueryRecord>> {
  const c = await getContainer('queries');
  return queryPage<QueryRecord>(
    c,
    {
      query: 'SELECT * FROM c WHERE c.tenantId = @t AND c.type = "query" AND c.spaceId = @s ORDER BY c.createdAt DESC',
      parameters: [
        { name: '@t', value: tenantId },
        { name: '@s', value: spaceId },
      ],
    },
    { limit, cursor, scope: `queries:${tenantId}:${spaceId}`, partitionKey: tenantId },
  );
}
