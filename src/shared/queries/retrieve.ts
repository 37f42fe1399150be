/**
 * Retrieval for answering: the seam between "which passages" (this file and retrieval.ts: warm and
 * persisted indexes, hybrid ranking) and "what answer" (answering). Answering only needs the best
 * `topK` chunks of the space, filtered by `documentIds`, and whether the space has anything to
 * search at all.
 */
import { blobIndexSnapshots } from '../adapters/index-snapshots';
import { getEmbeddingModel } from '../adapters/openai-embeddings';
import { getConfig } from '../config';
import type { ChunkHit } from '../core/text-search';
import { onServicesDrain, registerReset } from '../services';
import { SpaceRetrieval } from './retrieval';
import { cosmosSpaceContent } from './space-content';

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
  /** True when the vector ranking took part (scores are then RRF scores). */
  hybrid: boolean;
}

let instance: SpaceRetrieval | undefined;

/** The process's retrieval, built once from config: Cosmos content, Blob snapshots, embeddings. */
export function getSpaceRetrieval(): SpaceRetrieval {
  if (!instance) {
    const c = getConfig();
    const embeddings = getEmbeddingModel();
    instance = new SpaceRetrieval({
      content: cosmosSpaceContent(embeddings?.id ?? null),
      // Without Blob Storage (some test hosts) indexes are kept warm only.
      snapshots: c.BLOB_STORAGE_CONNECTION_STRING ? blobIndexSnapshots : undefined,
      embeddings,
      maxEntries: c.RETRIEVAL_INDEX_CACHE_ENTRIES,
      maxBytes: c.RETRIEVAL_INDEX_CACHE_MB * 1024 * 1024,
    });
  }
  return instance;
}

export async function retrieve(r: RetrievalRequest): Promise<Retrieval> {
  const { hits, hasContent, hybrid } = await getSpaceRetrieval().retrieve(r.tenantId, r.spaceId, r.question, { topK: r.topK, documentIds: r.documentIds });
  return { hasChunks: hasContent, hits, hybrid };
}

// Snapshots still being written are waited for before services close (tests, shutdown).
onServicesDrain(() => instance?.whenPersisted());
registerReset(() => {
  instance = undefined;
});
