/**
 * One space's retrieval index: the MiniSearch (BM25+) index over its chunks, the chunks' embedding
 * vectors when they have them, and what the index holds per document (a fingerprint of the
 * processed document and its chunk ids), so it can be brought up to date document by document
 * (MiniSearch discard/add) instead of rebuilt, and serialised whole to a snapshot.
 *
 * Search is lexical; with a question vector and chunk vectors it is hybrid: the lexical and vector
 * rankings (each up to CANDIDATES deep) fused with reciprocal rank fusion.
 */
import type { AsPlainObject } from 'minisearch';
import { reciprocalRankFusion } from './rank-fusion';
import {
  buildChunkIndex,
  chunkFromStored,
  documentTitle,
  lexicalSearch,
  loadChunkIndex,
  type ChunkHit,
  type ChunkIndex,
  type IndexedChunk,
} from './text-search';
import { decodeVector, encodeVector, nearest } from './vectors';

/** A chunk to index; `vector` unit-normalised (vectors.ts), absent without embeddings. */
export interface SpaceChunk extends IndexedChunk {
  vector?: Float32Array | undefined;
}

export interface IndexedDocumentEntry {
  /** Changes whenever the document's chunks may have (e.g. processed_at and chunk count). */
  fingerprint: string;
  chunkIds: string[];
  /** Characters of chunk text held (the memory estimate). */
  chars: number;
}

export const SNAPSHOT_FORMAT = 1;

export interface SpaceIndexSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  contentVersion: number;
  /** The embedding model the vectors come from (null: none). */
  vectorModel: string | null;
  documents: Record<string, IndexedDocumentEntry>;
  /** chunk id -> base64 float32 vector */
  vectors: Record<string, string>;
  lexical: AsPlainObject;
}

/** How deep each ranking goes before fusion (Azure AI Search fuses the top 50 of each by default). */
export const CANDIDATES = 50;

/**
 * Estimated heap bytes, calibrated with `npm run bench:query` (heap growth per 10,000 chunks of
 * ~1,000 characters): the text stored beside the index plus the index's terms and postings.
 */
const BYTES_PER_CHAR = 6;
const BYTES_PER_CHUNK = 600;

export interface SpaceSearchOptions {
  topK: number;
  documentIds?: readonly string[] | null | undefined;
  /** The question's unit vector: hybrid when chunks have vectors of the same length. */
  queryVector?: Float32Array | null | undefined;
}

export class SpaceIndex {
  private constructor(
    private readonly lexical: ChunkIndex,
    private readonly documents: Map<string, IndexedDocumentEntry>,
    private readonly vectors: Map<string, Float32Array>,
    /** The space's content version this index reflects. */
    public contentVersion: number,
    readonly vectorModel: string | null,
  ) {}

  static empty(vectorModel: string | null, contentVersion = 0): SpaceIndex {
    return new SpaceIndex(buildChunkIndex([]), new Map(), new Map(), contentVersion, vectorModel);
  }

  /** An index from a snapshot; throws on a snapshot of another format. */
  static fromSnapshot(s: SpaceIndexSnapshot): SpaceIndex {
    if (s.format !== SNAPSHOT_FORMAT) throw new Error(`unsupported index snapshot format ${String(s.format)}`);
    const vectors = new Map<string, Float32Array>();
    for (const [id, encoded] of Object.entries(s.vectors)) {
      const v = decodeVector(encoded);
      if (v) vectors.set(id, v);
    }
    return new SpaceIndex(loadChunkIndex(s.lexical), new Map(Object.entries(s.documents)), vectors, s.contentVersion, s.vectorModel);
  }

  toSnapshot(): SpaceIndexSnapshot {
    const vectors: Record<string, string> = {};
    for (const [id, v] of this.vectors) vectors[id] = encodeVector(v);
    return {
      format: SNAPSHOT_FORMAT,
      contentVersion: this.contentVersion,
      vectorModel: this.vectorModel,
      documents: Object.fromEntries(this.documents),
      vectors,
      lexical: this.lexical.toJSON(),
    };
  }

  get documentCount(): number {
    return this.documents.size;
  }

  get chunkCount(): number {
    return this.lexical.documentCount;
  }

  get vectorCount(): number {
    return this.vectors.size;
  }

  /** The fingerprint of an indexed document (undefined: not indexed). */
  fingerprintOf(documentId: string): string | undefined {
    return this.documents.get(documentId)?.fingerprint;
  }

  documentIds(): string[] {
    return [...this.documents.keys()];
  }

  /** True when any of `documentIds` (or, without them, any document) is indexed. */
  hasAny(documentIds?: readonly string[] | null): boolean {
    if (!documentIds || documentIds.length === 0) return this.chunkCount > 0;
    return documentIds.some((d) => (this.documents.get(d)?.chunkIds.length ?? 0) > 0);
  }

  /**
   * Indexes a document's chunks (in chunk order: the first gives the title), replacing what was
   * indexed for it before.
   */
  addDocument(documentId: string, fingerprint: string, chunks: readonly SpaceChunk[]): void {
    this.removeDocument(documentId);
    const title = chunks[0] ? documentTitle(chunks[0].text) : null;
    let chars = 0;
    for (const c of chunks) {
      const { vector, ...fields } = c;
      this.lexical.add({ ...fields, documentId, title: c.title ?? title });
      if (vector) this.vectors.set(c.id, vector);
      chars += c.text.length;
    }
    this.documents.set(documentId, { fingerprint, chunkIds: chunks.map((c) => c.id), chars });
  }

  /** Removes a document's chunks (MiniSearch discard: vacuumed in the background). */
  removeDocument(documentId: string): boolean {
    const entry = this.documents.get(documentId);
    if (!entry) return false;
    for (const id of entry.chunkIds) {
      if (this.lexical.has(id)) this.lexical.discard(id);
      this.vectors.delete(id);
    }
    this.documents.delete(documentId);
    return true;
  }

  estimatedBytes(): number {
    let chars = 0;
    for (const d of this.documents.values()) chars += d.chars;
    let vectorBytes = 0;
    for (const v of this.vectors.values()) vectorBytes += v.byteLength + 100;
    return chars * BYTES_PER_CHAR + this.chunkCount * BYTES_PER_CHUNK + vectorBytes;
  }

  /** The best `topK` chunks; hybrid (RRF-fused scores) with a question vector and chunk vectors. */
  search(question: string, options: SpaceSearchOptions): ChunkHit[] {
    const { topK } = options;
    const only = options.documentIds && options.documentIds.length > 0 ? new Set(options.documentIds) : undefined;
    const lexical = lexicalSearch(this.lexical, question, only);
    const q = options.queryVector;
    if (!q || this.vectors.size === 0) return lexical.slice(0, topK).map((r) => ({ score: r.score, chunk: chunkFromStored(String(r.id), r) }));

    const depth = Math.max(CANDIDATES, topK);
    const vector = nearest(q, this.vectors, depth, only ? (id) => only.has(this.lexical.getStoredFields(id)?.['documentId'] as string) : undefined);
    const fused = reciprocalRankFusion([lexical.slice(0, depth).map((r) => String(r.id)), vector.map((m) => m.id)]);
    const hits: ChunkHit[] = [];
    for (const { id, score } of fused) {
      if (hits.length >= topK) break;
      const stored = this.lexical.getStoredFields(id);
      if (stored) hits.push({ score, chunk: chunkFromStored(id, stored) });
    }
    return hits;
  }
}
