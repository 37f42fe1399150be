/**
 * Documents in Cosmos (container `documents`, partition /tenantId): the document records and the
 * content-hash claims that make "same bytes, same space" one document. Every read names the
 * tenant's partition and checks the space.
 */
import type { PatchOperation } from '@azure/cosmos';
import { cosmosCall, getContainer, queryPage, type Page } from '../adapters/cosmos';
import { isAppError, notFound } from '../core/errors';
import { hashRecordId, type DocumentHashRecord, type DocumentRecord, type DocumentStatus } from './document-records';

const WHAT = 'Document';
/** A hash claim younger than this whose document does not exist yet belongs to an upload in progress. */
const IN_PROGRESS_CLAIM_MS = 30_000;
const ifMatch = (etag: string | undefined) => (etag ? { accessCondition: { type: 'IfMatch', condition: etag } } : {});

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
      await cosmosCall(() => c.item(claim.id, tenantId).replace(claim, ifMatch(held._etag)), WHAT);
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
    if (resource?.documentId === documentId) await cosmosCall(() => c.item(id, tenantId).delete(ifMatch(resource._etag)), WHAT);
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
  const ops: PatchOperation[] = Object.entries(set).map(([k, value]) => ({ op: 'set', path: `/${k}`, value: value as unknown }));
  const c = await getContainer('documents');
  const { resource } = await cosmosCall(() => c.item(d.id, d.tenantId).patch<DocumentRecord>(ops, ifMatch(etag)), WHAT);
  if (!resource) throw notFound(WHAT);
  return resource;
}

export async function deleteDocumentRecord(d: DocumentRecord, etag?: string): Promise<void> {
  const c = await getContainer('documents');
  await cosmosCall(() => c.item(d.id, d.tenantId).delete(ifMatch(etag)), WHAT);
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
            query: "SELECT c.id, c.processedAt, c.chunkCount FROM c WHERE c.tenantId = @t AND c.spaceId = @s AND c.type = 'document' AND c.status = 'processed'",
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
