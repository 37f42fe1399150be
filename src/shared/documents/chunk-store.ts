/**
 * Chunks in Cosmos (container `chunks`, partition /spaceId; every query also filters on tenantId).
 * Ids are deterministic (document id + index), so writing a document's chunks twice leaves one set.
 */
import type { OperationInput } from '@azure/cosmos';
import { cosmosCall, getContainer, mapCosmosError } from '../adapters/cosmos';
import type { ChunkRecord } from './document-records';

const WHAT = 'Chunk';
const BATCH = 100;

/** Upserts chunks (all of one space) in bulk batches. */
export async function upsertChunks(spaceId: string, chunks: readonly ChunkRecord[]): Promise<void> {
  const c = await getContainer('chunks');
  for (let i = 0; i < chunks.length; i += BATCH) {
    const ops: OperationInput[] = chunks.slice(i, i + BATCH).map((ch) => ({
      operationType: 'Upsert',
      partitionKey: spaceId,
      resourceBody: { ...ch },
    }));
    const results = await cosmosCall(() => c.items.executeBulkOperations(ops), WHAT);
    const failed = results.find((r) => r.error || (r.response && r.response.statusCode >= 400));
    if (failed) throw mapCosmosError(failed.error ?? { code: failed.response?.statusCode }, WHAT);
  }
}

async function deleteWhere(tenantId: string, spaceId: string, extra: string, parameters: Array<{ name: string; value: string | number }>): Promise<number> {
  const c = await getContainer('chunks');
  let deleted = 0;
  // Re-query after each batch: ids only, small pages, so memory stays flat however many chunks.
  for (;;) {
    const { resources } = await cosmosCall(
      () =>
        c.items
          .query<{ id: string }>(
            {
              query: `SELECT c.id FROM c WHERE c.spaceId = @s AND c.tenantId = @t ${extra}`,
              parameters: [{ name: '@s', value: spaceId }, { name: '@t', value: tenantId }, ...parameters],
            },
            { partitionKey: spaceId, maxItemCount: BATCH },
          )
          .fetchNext(),
      WHAT,
    );
    if (resources.length === 0) return deleted;
    const ops: OperationInput[] = resources.map((r) => ({ operationType: 'Delete', id: r.id, partitionKey: spaceId }));
    const results = await cosmosCall(() => c.items.executeBulkOperations(ops), WHAT);
    const failed = results.find((r) => r.error || (r.response && r.response.statusCode >= 400 && r.response.statusCode !== 404));
    if (failed) throw mapCosmosError(failed.error ?? { code: failed.response?.statusCode }, WHAT);
    deleted += resources.length;
  }
}

/** Deletes a document's chunks with index >= fromIndex (0: all of them). */
export const deleteDocumentChunks = (tenantId: string, spaceId: string, documentId: string, fromIndex = 0): Promise<number> =>
  deleteWhere(tenantId, spaceId, 'AND c.documentId = @d AND c["index"] >= @i', [
    { name: '@d', value: documentId },
    { name: '@i', value: fromIndex },
  ]);

export const deleteSpaceChunks = (tenantId: string, spaceId: string): Promise<number> => deleteWhere(tenantId, spaceId, '', []);

async function queryChunks(
  tenantId: string,
  spaceId: string,
  extra: string,
  parameters: Array<{ name: string; value: string | number | string[] }>,
): Promise<ChunkRecord[]> {
  const c = await getContainer('chunks');
  const { resources } = await cosmosCall(
    () =>
      c.items
        .query<ChunkRecord>(
          {
            query: `SELECT * FROM c WHERE c.spaceId = @s AND c.tenantId = @t ${extra}`,
            parameters: [{ name: '@s', value: spaceId }, { name: '@t', value: tenantId }, ...parameters],
          },
          { partitionKey: spaceId },
        )
        .fetchAll(),
    WHAT,
  );
  return resources;
}

/** A document's chunks in order (tests). */
export const listDocumentChunks = (tenantId: string, spaceId: string, documentId: string): Promise<ChunkRecord[]> =>
  queryChunks(tenantId, spaceId, 'AND c.documentId = @d ORDER BY c["index"] ASC', [{ name: '@d', value: documentId }]);

/** Every chunk of a space (the retrieval index is built from them). */
export const listSpaceChunks = (tenantId: string, spaceId: string): Promise<ChunkRecord[]> => queryChunks(tenantId, spaceId, '', []);

/**
 * The first `first` chunks (by index) of each of several documents of one space, in one query
 * (GraphQL's batched Document.chunks).
 */
export async function listChunksOfDocuments(tenantId: string, spaceId: string, documentIds: readonly string[], first: number): Promise<ChunkRecord[]> {
  return queryChunks(tenantId, spaceId, 'AND ARRAY_CONTAINS(@d, c.documentId) AND c["index"] < @n ORDER BY c["index"] ASC', [
    { name: '@d', value: [...documentIds] },
    { name: '@n', value: first },
  ]);
}
