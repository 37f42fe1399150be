/**
 * Processing a document off the request path (the document-processing queue): download, extract
 * text, chunk, store chunks, then mark it `processed` (or `failed` with a reason).
 *
 * Idempotent: chunk ids are deterministic and leftovers past the new count are deleted, so a
 * redelivered message leaves one set of chunks. A document deleted while processing ends cleanly:
 * the final status write finds it gone (404) and the chunks just written are removed.
 */
import { download } from '../adapters/blob';
import { getEmbeddingModel } from '../adapters/openai-embeddings';
import { getConfig } from '../config';
import { chunkPages } from '../core/chunking';
import { isAppError } from '../core/errors';
import { encodeVector } from '../core/vectors';
import { makeEvent } from '../core/events';
import { getLogger } from '../services';
import { bumpContentVersion } from '../spaces/space-store';
import { deleteDocumentChunks, upsertChunks } from './chunk-store';
import { chunkId, toDocumentDto, type ChunkRecord, type DocumentRecord } from './document-records';
import { patchDocument, readDocument } from './document-store';
import { extractInWorker } from '../extraction/run-in-worker';
import type { ExtractFailureReason } from './extract';
import type { ProcessingMessage } from './processing-message';
import { publishQuietly } from '../events/publish-quietly';

export type ProcessOutcome = 'processed' | 'failed' | 'skipped' | 'gone';

const isNotFound = (e: unknown): boolean => isAppError(e) && e.code === 'NOT_FOUND';

async function readAll(stream: AsyncIterable<Uint8Array>, max: number): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += b.length;
    if (size > max) return undefined;
    parts.push(b);
  }
  return Buffer.concat(parts, size);
}

/**
 * Tells retrieval the space's content changed (its indexes catch up on the next question). After
 * the document is marked processed, so an index labelled with the new version includes it.
 */
async function bumpSpaceContent(tenantId: string, spaceId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await bumpContentVersion(tenantId, spaceId);
      return;
    } catch (e) {
      if (isNotFound(e)) return; // the space is gone
      if (attempt >= 3) {
        // The document stays processed; it becomes searchable with the space's next change.
        getLogger().error('content version not bumped after processing', { space_id: spaceId, error: String(e) });
        return;
      }
    }
  }
}

async function finish(doc: DocumentRecord, outcome: 'processed' | 'failed', set: Partial<DocumentRecord>): Promise<ProcessOutcome> {
  const now = new Date();
  let updated: DocumentRecord;
  try {
    updated = await patchDocument(doc, { ...set, status: outcome, updatedAt: now.toISOString(), processedAt: now.toISOString() });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    // Deleted while we worked: remove what we wrote and stop.
    await deleteDocumentChunks(doc.tenantId, doc.spaceId, doc.id);
    return 'gone';
  }
  if (outcome === 'processed') await bumpSpaceContent(doc.tenantId, doc.spaceId);
  const type = outcome === 'processed' ? 'document.processed' : 'document.failed';
  await publishQuietly(makeEvent(type, doc.tenantId, { document: toDocumentDto(updated) }, doc.spaceId, now));
  return outcome;
}

const failWith = (doc: DocumentRecord, reason: ExtractFailureReason | 'too_large' | 'content_missing', message: string) =>
  finish(doc, 'failed', { failureReason: reason, failureMessage: message, chunkCount: 0, pageCount: null });

export async function processDocument(message: ProcessingMessage): Promise<ProcessOutcome> {
  const { tenant_id: tenantId, space_id: spaceId, document_id: documentId } = message;
  const log = getLogger().child({ document_id: documentId, tenant_id: tenantId });
  const current = await readDocument(tenantId, spaceId, documentId);
  if (!current) return 'gone';
  // Already finished (a redelivery after success): nothing to redo.
  if (current.status === 'processed' || current.status === 'failed') return 'skipped';

  let doc: DocumentRecord;
  try {
    doc = await patchDocument(current, { status: 'processing', updatedAt: new Date().toISOString() });
  } catch (e) {
    if (isNotFound(e)) return 'gone';
    throw e;
  }

  const config = getConfig();
  let bytes: Buffer | undefined;
  try {
    bytes = await readAll((await download(doc.blobPath)).stream, config.DOCUMENT_MAX_BYTES);
  } catch (e) {
    if (!isNotFound(e)) throw e; // an outage: let the queue retry
    if (!(await readDocument(tenantId, spaceId, documentId))) return 'gone';
    return failWith(doc, 'content_missing', 'The stored file is missing.');
  }
  if (!bytes) return failWith(doc, 'too_large', 'The stored file is larger than the limit.');

  // In the worker thread, bounded in time and memory: a hostile file fails the document, not the host.
  const extracted = await extractInWorker(doc.contentType, bytes);
  bytes = undefined;
  if (!extracted.ok) {
    log.info('document extraction failed', { reason: extracted.reason });
    await deleteDocumentChunks(tenantId, spaceId, documentId);
    return failWith(doc, extracted.reason, extracted.message);
  }

  const chunks = chunkPages(extracted.pages, { size: config.CHUNK_SIZE, overlap: config.CHUNK_OVERLAP });
  // With embeddings configured each chunk gets its vector now (batched, retried by the client);
  // an outage throws, so the queue redelivers and the document is processed again later.
  const embeddings = getEmbeddingModel();
  const vectors = embeddings && chunks.length > 0 ? await embeddings.embed(chunks.map((c) => c.text)) : [];
  const createdAt = new Date().toISOString();
  const records: ChunkRecord[] = chunks.map((c, i) => ({
    id: chunkId(documentId, c.index),
    tenantId,
    spaceId,
    documentId,
    index: c.index,
    text: c.text,
    start: c.start,
    end: c.end,
    page: c.page,
    pageEnd: c.pageEnd,
    filename: doc.filename,
    createdAt,
    ...(embeddings && vectors[i] ? { embedding: encodeVector(vectors[i]), embeddingModel: embeddings.id } : {}),
  }));
  await upsertChunks(spaceId, records);
  // Chunks left by an earlier attempt with different settings.
  await deleteDocumentChunks(tenantId, spaceId, documentId, records.length);
  const pages = extracted.pages.some((p) => p.page !== null) ? extracted.pages.length : null;
  return finish(doc, 'processed', { chunkCount: records.length, pageCount: pages, failureReason: null, failureMessage: null });
}
