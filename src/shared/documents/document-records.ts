/** What a document and its chunks are in Cosmos (camelCase) and through the API (snake_case). */
import { randomUUID } from 'node:crypto';
import type { TextChunk } from '../core/chunking';
import type { DocumentDto } from './document-schemas';

export type DocumentStatus = 'uploaded' | 'processing' | 'processed' | 'failed';

export interface DocumentRecord {
  id: string;
  type: 'document';
  tenantId: string;
  spaceId: string;
  /** The client's name, sanitised; display and downloads only, never part of a storage path. */
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  /** `${tenantId}/${spaceId}/${documentId}`: built from ids only. */
  blobPath: string;
  status: DocumentStatus;
  failureReason: string | null;
  failureMessage: string | null;
  chunkCount: number | null;
  pageCount: number | null;
  createdAt: string;
  updatedAt: string;
  processedAt: string | null;
  /** Times documents-requeue has queued it again (internal, not in the API). */
  requeueAttempts?: number;
  _etag?: string;
}

/** Claims a content hash within a space, so the same bytes uploaded twice give one document. */
export interface DocumentHashRecord {
  id: string;
  type: 'document_hash';
  tenantId: string;
  spaceId: string;
  documentId: string;
  createdAt: string;
  _etag?: string;
}

/** A stored chunk: the chunker's TextChunk (index, text, offsets, pages) with where it belongs. */
export interface ChunkRecord extends TextChunk {
  /** `${documentId}_${index}`: deterministic, so reprocessing overwrites instead of duplicating. */
  id: string;
  tenantId: string;
  spaceId: string;
  documentId: string;
  filename: string;
  createdAt: string;
  /** The chunk's embedding (base64 float32, unit length) when embeddings are configured. */
  embedding?: string;
  /** The EmbeddingModel id the embedding came from: vectors of another model are not compared. */
  embeddingModel?: string;
}

export type { DocumentDto };

export const DOCUMENT_ID_PATTERN = /^doc_[0-9a-f]{32}$/;
export const newDocumentId = (): string => `doc_${randomUUID().replace(/-/g, '')}`;
export const blobPathOf = (tenantId: string, spaceId: string, documentId: string): string => `${tenantId}/${spaceId}/${documentId}`;
export const spaceBlobPrefix = (tenantId: string, spaceId: string): string => `${tenantId}/${spaceId}/`;
export const hashRecordId = (spaceId: string, sha256: string): string => `dochash_${spaceId}_${sha256}`;
export const chunkId = (documentId: string, index: number): string => `${documentId}_${String(index).padStart(6, '0')}`;

export const toDocumentDto = (d: DocumentRecord): DocumentDto => ({
  id: d.id,
  space_id: d.spaceId,
  filename: d.filename,
  content_type: d.contentType,
  size_bytes: d.sizeBytes,
  sha256: d.sha256,
  status: d.status,
  failure_reason: d.failureReason,
  failure_message: d.failureMessage,
  chunk_count: d.chunkCount,
  page_count: d.pageCount,
  created_at: d.createdAt,
  updated_at: d.updatedAt,
  processed_at: d.processedAt,
});
