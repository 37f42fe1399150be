/**
 * Document operations behind /v1/spaces/{id}/documents: read, list, download, delete (uploads are
 * upload.ts). The space is looked up in the caller's tenant first, so another tenant's space or
 * document is not found.
 */
import type { Readable } from 'node:stream';
import { deleteIfExists, download } from '../adapters/blob';
import type { Page } from '../adapters/cosmos';
import { makeEvent } from '../core/events';
import { AppError, isAppError, notFound } from '../core/errors';
import { getLogger } from '../services';
import { checkIfMatch } from '../http/conditional';
import { getSpace } from '../spaces/spaces';
import { addToDocumentCount } from '../spaces/space-store';
import { deleteDocumentChunks } from './chunk-store';
import { toDocumentDto, type DocumentRecord } from './document-records';
import { deleteDocumentRecord, listDocuments, readDocument, releaseHash, type ListDocumentsQuery } from './document-store';
import { publishQuietly } from '../events/publish-quietly';

export async function getDocument(tenantId: string, spaceId: string, documentId: string): Promise<DocumentRecord> {
  await getSpace(tenantId, spaceId);
  const d = await readDocument(tenantId, spaceId, documentId);
  if (!d) throw notFound('Document');
  return d;
}

export async function listDocumentsPage(tenantId: string, spaceId: string, q: ListDocumentsQuery): Promise<Page<DocumentRecord>> {
  await getSpace(tenantId, spaceId);
  return listDocuments(tenantId, spaceId, q);
}

export interface DocumentContent {
  document: DocumentRecord;
  stream: Readable;
  contentLength: number | undefined;
}

export async function openDocumentContent(tenantId: string, spaceId: string, documentId: string): Promise<DocumentContent> {
  const document = await getDocument(tenantId, spaceId, documentId);
  const blob = await download(document.blobPath);
  return { document, stream: blob.stream, contentLength: blob.contentLength };
}

/** Attempts at the final conditional record delete; processing changes a record at most twice. */
const RECORD_DELETE_ATTEMPTS = 3;

/** Removes what hangs off a document (chunks, blob, hash claim); each step is idempotent. */
async function deleteDependents(d: DocumentRecord): Promise<void> {
  // Chunks and blob are independent: both are tried, so one outage does not keep the other alive.
  const results = await Promise.allSettled([deleteDocumentChunks(d.tenantId, d.spaceId, d.id), deleteIfExists(d.blobPath)]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  await releaseHash(d.tenantId, d.spaceId, d.sha256, d.id);
}

/**
 * The count follows the record's removal, and the content version with it (in the same write), so
 * no warm or persisted retrieval index still holding the document is served after this returns.
 * The space may be gone (its purge owns the rest).
 */
async function decrementDocumentCount(d: DocumentRecord, at: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await addToDocumentCount(d.tenantId, d.spaceId, -1, at, true);
      return;
    } catch (e) {
      if (isAppError(e) && e.code === 'NOT_FOUND') return;
      if (attempt >= RECORD_DELETE_ATTEMPTS) {
        // The record is gone, so a retried DELETE is a 404 and cannot fix the count: tell operators.
        getLogger().error('document_count and content version not updated after delete', { space_id: d.spaceId, document_id: d.id, error: String(e) });
        return;
      }
    }
  }
}

/**
 * Deletes a document: chunks, blob and hash claim FIRST, the record LAST. A failure part-way leaves
 * the record in place, so the client's retried DELETE finds it and finishes the job (every step is
 * idempotent) instead of a 404 with orphans left behind. Only the request whose record delete
 * succeeds decrements document_count and publishes document.deleted, so each happens once.
 * If-Match is checked against the record as read before anything is removed (stale: 412, nothing
 * changes). The record delete is conditional on the ETag last read: if processing changed the record
 * meanwhile (and may have written chunks again), the dependents are removed again and it retries.
 */
export async function deleteDocument(tenantId: string, spaceId: string, documentId: string, ifMatch: string | null, now = new Date()): Promise<void> {
  let d = await getDocument(tenantId, spaceId, documentId);
  checkIfMatch(ifMatch, d._etag);
  for (let attempt = 1; ; attempt++) {
    await deleteDependents(d);
    try {
      await deleteDocumentRecord(d, d._etag);
      break;
    } catch (e) {
      if (!(isAppError(e) && (e.code === 'PRECONDITION_FAILED' || e.code === 'NOT_FOUND'))) throw e;
    }
    const current = await readDocument(tenantId, spaceId, documentId);
    // Deleted by a concurrent DELETE, which also did the count and the event.
    if (!current) throw notFound('Document');
    if (attempt >= RECORD_DELETE_ATTEMPTS) throw new AppError('CONFLICT', 'The document changed while it was being deleted; retry.');
    d = current;
  }
  const at = now.toISOString();
  await Promise.all([decrementDocumentCount(d, at), publishQuietly(makeEvent('document.deleted', tenantId, { document: toDocumentDto(d) }, spaceId, now))]);
}
