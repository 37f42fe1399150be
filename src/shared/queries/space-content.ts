/**
 * Retrieval's view of a space in Cosmos (the SpaceContentSource port): its content version (one
 * point read of the space), its processed documents (a projection, no text) and their chunks.
 * A chunk's embedding is handed on only when it came from the configured embedding model.
 */
import { decodeVector } from '../core/vectors';
import type { SpaceChunk } from '../core/space-index';
import { listDocumentChunks, listSpaceChunks } from '../documents/chunk-store';
import type { ChunkRecord } from '../documents/document-records';
import { listProcessedDocumentStamps } from '../documents/document-store';
import type { SpaceContentSource } from '../ports';
import { readContentVersion } from '../spaces/space-store';

function toSpaceChunk(c: ChunkRecord, vectorModel: string | null): SpaceChunk {
  const vector = vectorModel && c.embedding && c.embeddingModel === vectorModel ? decodeVector(c.embedding) : undefined;
  return { id: c.id, documentId: c.documentId, filename: c.filename, text: c.text, page: c.page, vector };
}

export function cosmosSpaceContent(vectorModel: string | null): SpaceContentSource {
  return {
    contentVersion: readContentVersion,
    async processedDocuments(tenantId, spaceId) {
      const stamps = await listProcessedDocumentStamps(tenantId, spaceId);
      return stamps.map((d) => ({ id: d.id, fingerprint: `${d.processedAt ?? ''}|${d.chunkCount ?? 0}` }));
    },
    async documentChunks(tenantId, spaceId, documentId) {
      return (await listDocumentChunks(tenantId, spaceId, documentId)).map((c) => toSpaceChunk(c, vectorModel));
    },
    async spaceChunks(tenantId, spaceId) {
      // Ids are `${documentId}_${zero-padded index}`: sorting them puts each document's chunks in order.
      const chunks = await listSpaceChunks(tenantId, spaceId);
      chunks.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return chunks.map((c) => toSpaceChunk(c, vectorModel));
    },
  };
}
