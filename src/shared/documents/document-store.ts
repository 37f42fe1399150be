/**
 * Documents in Cosmos (container `documents`, partition /tenantId): the document records and the
 * content-hash claims that make "same bytes, same space" one document. Every read names the
 * tenant's partition and checks the space.
 */
import type { PatchOperation } from '@azure/cosmos';
import { cosmosCall, getContainer, ifMatchOptions, queryPage, type Page } from '../adapters/cosmos';
import { isAppError, notFound } from '../core/errors';
import { hashRecordId, type DocumentHashRecord, type DocumentRecord, type DocumentStatus } from './document-records';

const WHAT = 'Document';
/** A hash claim younger than this whose document does not exist yet belongs to an upload in progress. */
const IN_PROGRESS_CLAIM_MS = 30_000;
export async function readDocument(tenantId: string, spaceId: string, id: string): Promise<DocumentRecord | undefined> {
  const c = await getContainer('documents');
  const { resource } = await cosmosCall(() => c.item(id, tenantId).read<DocumentRecord>(), WHAT);
  return resource && resource.type === 'document' && resource.tenantId === tenantId && resource.spaceId === spaceId ? resource : undefined;
}

export async function insertDocument(d: DocumentRecord): Promise<DocumentRecord> {
  const c = await getContainer('documents');
  const { resource } = await cosmosCall(() => c.items.create(d), WHAT);
  return resource ?? d;
}

/**
 * Claims `sha256` in the space for `documentId`. Returns the id of the document that already
 * holds it, or undefined when this one now does. A claim whose document is gone is taken over.
 */
export async function claimHash(tenantId: string, spaceId: string, sha256: string, documentId: string, now: Date): Promise<string | undefined> {
  const c = await getContainer('documents');
  const claim: DocumentHashRecord = {
    id: hashRecordId(spaceId, sha256),
    type: 'document_hash',
    tenantId,
    spaceId,
    documentId,
    createdAt: now.toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await cosmosCall(() => c.items.create(claim), WHAT);
      return undefined;
    } catch (e) {
      if (!(isAppError(e) && e.code === 'CONFLICT')) throw e;
    }
    const { resource: held } = await cosmosCall(() => c.item(claim.id, tenantId).read<DocumentHashRecord>(), WHAT);
    if (!held) continue; // released meanwhile: try again
    if (held.documentId === documentId) return undefined;
    if (await readDocument(tenantId, spaceId, held.documentId)) return held.documentId;
    // A fresh claim without its document is an upload still in progress (its claim is made before
    // its blob is stored and its record written): the caller answers CONFLICT, retry later.
    if (now.getTime() - Date.parse(held.createdAt) <= IN_PROGRESS_CLAIM_MS) return held.documentId;
    // The holder was deleted (or crashed before its record): take over, losing cleanly to a concurrent taker.
    try {
      await cosmosCall(() => c.item(claim.id, tenantId).replace(claim, ifMatchOptions(held._etag)), WHAT);
      return undefined;
    } catch (e) {
      if (!(isAppError(e) && e.code === 'PRECONDITION_FAILED')) throw e;
    }
  }
  const { resource: final } = await cosmosCall(() => c.item(claim.id, tenantId).read<DocumentHashRecord>(), WHAT);
  return final?.documentId;
}

export async function releaseHash(tenantId: string, spaceId: string, sha256: string, documentId: string): Promise<void> {
  const c = await getContainer('documents');
  const id = hashRecordId(spaceId, sha256);
  try {
    const { resource } = await cosmosCall(() => c.item(id, tenantId).read<DocumentHashRecord>(), WHAT);
    if (resource?.documentId === documentId) await cosmosCall(() => c.item(id, tenantId).delete(ifMatchOptions(resource._etag)), WHAT);
  } catch {
    /* a claim whose document is gone is taken over by the next upload */
  }
}

/** Sets fields; with `etag` a concurrent change is PRECONDITION_FAILED. NOT_FOUND when the document is gone. */
export async function patchDocument(
  d: Pick<DocumentRecord, 'id' | 'tenantId'>,
  set: Partial<Omit<DocumentRecord, 'id' | 'tenantId' | 'spaceId' | 'type'>>,
  etag?: string,
): Promise<DocumentRecord> {
  const ops: PatchOperation[] = Object.entries(set).map(([k, value]) => ({ op: 'set', path: `/${k}`, value }));
  const c = await getContainer('documents');
  const { resource } = await cosmosCall(() => c.item(d.id, d.tenantId).patch<DocumentRecord>(ops, ifMatchOptions(etag)), WHAT);
  if (!resource) throw notFound(WHAT);
  return resource;
}

export async function deleteDocumentRecord(d: DocumentRecord, etag?: string): Promise<void> {
  const c = await getContainer('documents');
  await cosmosCall(() => c.item(d.id, d.tenantId).delete(ifMatchOptions(etag)), WHAT);
}

export interface ListDocumentsQuery {
  limit: number;
  cursor?: string;
  status?: DocumentStatus;
}

/** A space's documents, newest first. */
export async function listDocuments(tenantId: string, spaceId: string, q: ListDocumentsQuery): Promise<Page<DocumentRecord>> {
  const c = await getContainer('documents');
  const parameters = [
    { name: '@t', value: tenantId },
    { name: '@s', value: spaceId },
  ];
  let where = "c.tenantId = @t AND c.spaceId = @s AND c.type = 'document'";
  if (q.status) {
    where += ' AND c.status = @st';
    parameters.push({ name: '@st', value: q.status });
  }
  return queryPage<DocumentRecord>(
    c,
    { query: `SELECT * FROM c WHERE ${where} ORDER BY c.createdAt DESC`, parameters },
    { limit: q.limit, cursor: q.cursor, scope: `documents:${tenantId}:${spaceId}:${q.status ?? ''}`, partitionKey: tenantId },
  );
}

/** Every record of a space in the documents container (documents and hash claims), for purging. */
export async function listSpaceItems(tenantId: string, spaceId: string, max: number): Promise<Array<Pick<DocumentRecord, 'id' | 'type' | 'blobPath'>>> {
  const c = await getContainer('documents');
  const { resources } = await cosmosCall(
    () =>
      c.items
        .query<Pick<DocumentRecord, 'id' | 'type' | 'blobPath'>>(
          {
            query: 'SELECT c.id, c.type, c.blobPath FROM c WHERE c.tenantId = @t AND c.spaceId = @s',
            parameters: [
              { name: '@t', value: tenantId },
              { name: '@s', value: spaceId },
            ],
          },
          { partitionKey: tenantId, maxItemCount: max },
        )
        .fetchNext(),
    WHAT,
  );
  return resources;
}

export async function deleteDocumentItem(tenantId: string, id: string): Promise<void> {
  const c = await getContainer('documents');
  try {
    await cosmosCall(() => c.item(id, tenantId).delete(), WHAT);
  } catch (e) {
    if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e;
  }
}

/** Past this many documents read, the spaces still short of `perSpace` are read one by one. */
const MAX_BATCH_SCAN = 2_000;

/**
 * The newest `perSpace` documents of each of several spaces in one query (GraphQL's batched
 * Space.documents), plus whether each space has more. The query reads the spaces' documents newest
 * first and stops once every space has perSpace + 1 (or the documents run out).
 */
export async function listDocumentsOfSpaces(
  tenantId: string,
  spaceIds: readonly string[],
  perSpace: number,
): Promise<Map<string, { items: DocumentRecord[]; hasMore: boolean }>> {
  const out = new Map(spaceIds.map((s) => [s, { items: [] as DocumentRecord[], hasMore: false }]));
  const c = await getContainer('documents');
  const iterator = c.items.query<DocumentRecord>(
    {
      query: "SELECT * FROM c WHERE c.tenantId = @t AND c.type = 'document' AND ARRAY_CONTAINS(@s, c.spaceId) ORDER BY c.createdAt DESC",
      parameters: [
        { name: '@t', value: tenantId },
        { name: '@s', value: [...spaceIds] },
      ],
    },
    { partitionKey: tenantId, maxItemCount: Math.min(1_000, spaceIds.length * (perSpace + 1)) },
  );
  let open = spaceIds.length;
  let scanned = 0;
  while (open > 0 && iterator.hasMoreResults() && scanned < MAX_BATCH_SCAN) {
    const { resources } = await cosmosCall(() => iterator.fetchNext(), WHAT);
    scanned += resources.length;
    for (const d of resources) {
      const slot = out.get(d.spaceId);
      if (!slot || slot.hasMore) continue;
      if (slot.items.length < perSpace) slot.items.push(d);
      else {
        slot.hasMore = true;
        open--;
      }
    }
    if (resources.length === 0) break;
  }
  if (open > 0 && scanned >= MAX_BATCH_SCAN) {
    // A few very large spaces filled the scan: read the ones still short directly.
    await Promise.all(
      [...out]
        .filter(([, v]) => !v.hasMore)
        .map(async ([spaceId, slot]) => {
          const page = await listDocuments(tenantId, spaceId, { limit: perSpace });
          slot.items = page.items;
          slot.hasMore = page.has_next;
        }),
    );
  }
  return out;
}

/** What retrieval needs of a space's processed documents: ids and when and how they were chunked. */
export interface ProcessedDocumentStamp {
  id: string;
  processedAt: string | null;
  chunkCount: number | null;
}

export async function listProcessedDocumentStamps(tenantId: string, spaceId: string): Promise<ProcessedDocumentStamp[]> {
  const c = await getContainer('documents');
  const { resources } = await cosmosCall(
    () =>
      c.items
        .query<ProcessedDocumentStamp>(
          {
            query:
              "SELECT c.id, c.processedAt, c.chunkCount FROM c WHERE c.tenantId = @t AND c.spaceId = @s AND c.type = 'document' AND c.status = 'processed'",
            parameters: [
              { name: '@t', value: tenantId },
              { name: '@s', value: spaceId },
            ],
          },
          { partitionKey: tenantId },
        )
        .fetchAll(),
    WHAT,
  );
  return resources;
}
