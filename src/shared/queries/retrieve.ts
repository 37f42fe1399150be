/**
 * Retrieval for answering: the seam between "which passages" (this file: the retrieval side of
 * issue 10 owns it, index warmth and hybrid ranking included) and "what answer" (answering.ts).
 * Answering only needs the best `topK` chunks of the space, filtered by `documentIds`, and whether
 * the space has anything to search at all.
 */
import { buildChunkIndex, searchChunks, type ChunkHit } from '../core/text-search';
import { listSpaceChunks } from '../documents/chunk-store';

export interface RetrievalRequest {
  tenantId: string;
  spaceId: string;
  question: string;
  topK: number;
  documentIds: readonly string[] | null;
}

export interface Retrieval {
  /** False when the space (or the named documents) has no processed chunks. */
  hasChunks: boolean;
  /** Best first, at most topK. */
  hits: ChunkHit[];
}

export async function retrieve(r: RetrievalRequest): Promise<Retrieval> {
  const chunks = await listSpaceChunks(r.tenantId, r.spaceId);
  const only = r.documentIds ? new Set(r.documentIds) : null;
  const usable = only ? chunks.filter((c) => only.has(c.documentId)) : chunks;
  if (usable.length === 0) return { hasChunks: false, hits: [] };
  return { hasChunks: true, hits: searchChunks(buildChunkIndex(usable), r.question, r.topK, r.documentIds) };
}
