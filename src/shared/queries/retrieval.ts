/**
 * Retrieval for questions: one index per space, kept warm in-process (a least-recently-used cache
 * bounded by RETRIEVAL_INDEX_CACHE_MB and RETRIEVAL_INDEX_CACHE_ENTRIES) and persisted to Blob, so
 * a cold instance loads it instead of reading every chunk from Cosmos.
 *
 * Freshness: every question first reads the space's content version (one point read). Processing
 * or deleting a document bumps it after the document's record changed, and an index is labelled
 * with the version read BEFORE the document listing it was built from, so an index labelled with
 * the current version never holds a deleted document. An older index (warm, or the snapshot) is
 * brought up to date document by document: the processed documents are listed (no text), and only
 * those added, changed or gone are read, added or discarded.
 */
import { SizedLru } from '../core/sized-lru';
import { SpaceIndex, type SpaceChunk, type SpaceIndexSnapshot } from '../core/space-index';
import type { ChunkHit } from '../core/text-search';
import type { Logger } from '../logger';
import type { EmbeddingModel, IndexSnapshotStore, SpaceContentSource } from '../ports';
import { getLogger } from '../services';

/** More changed documents than this are read in one query of the space's chunks instead. */
const MAX_DOCUMENT_READS = 20;
/** Document chunk reads in flight at once during a catch-up. */
const READ_CONCURRENCY = 8;

export interface RetrievalQuery {
  topK: number;
  documentIds?: readonly string[] | null | undefined;
}

export interface Retrieved {
  hits: ChunkHit[];
  /** False when the space (or, with documentIds, those documents) has nothing indexed. */
  hasContent: boolean;
  /** True when the vector ranking took part (embeddings configured and present). */
  hybrid: boolean;
}

export interface SpaceRetrievalOptions {
  content: SpaceContentSource;
  snapshots?: IndexSnapshotStore | undefined;
  embeddings?: EmbeddingModel | undefined;
  maxEntries: number;
  maxBytes: number;
  log?: Logger | undefined;
}

interface Warm {
  index: SpaceIndex;
  /** ETag of the snapshot blob last loaded or saved (conditional writes). */
  etag: string | undefined;
  /** The content version last persisted (or loaded). */
  persisted: number;
}

const keyOf = (tenantId: string, spaceId: string): string => `${tenantId}/${spaceId}`;

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

function groupByDocument(chunks: readonly SpaceChunk[]): Map<string, SpaceChunk[]> {
  const byDoc = new Map<string, SpaceChunk[]>();
  for (const c of chunks) {
    const list = byDoc.get(c.documentId);
    if (list) list.push(c);
    else byDoc.set(c.documentId, [c]);
  }
  return byDoc;
}

export class SpaceRetrieval {
  private readonly warm: SizedLru<Warm>;
  private readonly refreshing = new Map<string, Promise<Warm>>();
  private persisting: Promise<void> = Promise.resolve();
  private readonly vectorModel: string | null;
  private readonly log: Logger;

  constructor(private readonly o: SpaceRetrievalOptions) {
    this.warm = new SizedLru<Warm>(o.maxEntries, o.maxBytes);
    this.vectorModel = o.embeddings?.id ?? null;
    this.log = o.log ?? getLogger();
  }

  /** The best chunks for a question: lexical, or hybrid (RRF) when embeddings are configured. */
  async retrieve(tenantId: string, spaceId: string, question: string, q: RetrievalQuery): Promise<Retrieved> {
    // The question's embedding is fetched while the index is checked; a failure means lexical only.
    const vector = this.o.embeddings
      ? this.o.embeddings.embed([question]).then(
          ([v]) => v,
          (err: unknown) => {
            this.log.warn('question embedding failed; retrieving lexically', { space_id: spaceId, error: String(err) });
            return undefined;
          },
        )
      : Promise.resolve(undefined);
    const index = await this.index(tenantId, spaceId);
    const queryVector = await vector;
    if (!index || !index.hasAny(q.documentIds)) return { hits: [], hasContent: false, hybrid: false };
    const hits = index.search(question, { topK: q.topK, documentIds: q.documentIds, queryVector });
    return { hits, hasContent: true, hybrid: queryVector !== undefined && index.vectorCount > 0 };
  }

  /** The space's index at its current content version (undefined when the space does not exist). */
  async index(tenantId: string, spaceId: string): Promise<SpaceIndex | undefined> {
    const key = keyOf(tenantId, spaceId);
    const version = await this.o.content.contentVersion(tenantId, spaceId);
    if (version === undefined) {
      this.warm.delete(key);
      return undefined;
    }
    for (;;) {
      const current = this.warm.get(key);
      if (current && current.index.contentVersion >= version) return current.index;
      // One catch-up per space at a time; concurrent questions wait for it. One that started
      // before this question's version (it may have listed a document deleted since) is not
      // enough: then go again.
      let pending = this.refreshing.get(key);
      if (!pending) {
        pending = this.catchUp(tenantId, spaceId, version).finally(() => this.refreshing.delete(key));
        this.refreshing.set(key, pending);
      }
      const w = await pending;
      if (w.index.contentVersion >= version) return w.index;
    }
  }

  /** Waits for the snapshots being written (tests, benchmarks, shutdown). */
  whenPersisted(): Promise<void> {
    return this.persisting;
  }

  /** Forgets every warm index (as a fresh instance would start). */
  clear(): void {
    this.warm.clear();
  }

  get warmCount(): number {
    return this.warm.size;
  }

  private async catchUp(tenantId: string, spaceId: string, version: number): Promise<Warm> {
    const key = keyOf(tenantId, spaceId);
    const current = this.warm.get(key);
    let base = current && current.index.vectorModel === this.vectorModel ? current : undefined;
    if (base && base.index.contentVersion >= version) return base;
    base ??= await this.loadSnapshot(tenantId, spaceId);
    if (!base || base.index.contentVersion < version) {
      base = base ? await this.update(tenantId, spaceId, base, version) : await this.build(tenantId, spaceId, version);
    }
    this.keep(key, base);
    if (base.persisted < base.index.contentVersion) this.persist(tenantId, spaceId, base);
    return base;
  }

  private keep(key: string, w: Warm): void {
    const bytes = w.index.estimatedBytes();
    if (!this.warm.set(key, w, bytes)) {
      this.log.warn('retrieval index larger than RETRIEVAL_INDEX_CACHE_MB; not kept warm', { key, estimated_mb: Math.round(bytes / 1e6) });
    }
  }

  private async loadSnapshot(tenantId: string, spaceId: string): Promise<Warm | undefined> {
    if (!this.o.snapshots) return undefined;
    try {
      const stored = await this.o.snapshots.load(tenantId, spaceId);
      if (!stored) return undefined;
      const snapshot = JSON.parse(stored.body.toString('utf8')) as SpaceIndexSnapshot;
      // Vectors of another embedding model cannot be compared with this one's: start afresh.
      if (snapshot.vectorModel !== this.vectorModel) return undefined;
      const index = SpaceIndex.fromSnapshot(snapshot);
      return { index, etag: stored.etag, persisted: index.contentVersion };
    } catch (err) {
      // A missing, unreadable or unreachable snapshot costs a rebuild, never the question.
      this.log.warn('retrieval index snapshot not loaded; rebuilding', { space_id: spaceId, error: String(err) });
      return undefined;
    }
  }

  private async build(tenantId: string, spaceId: string, version: number): Promise<Warm> {
    const [documents, chunks] = await Promise.all([this.o.content.processedDocuments(tenantId, spaceId), this.o.content.spaceChunks(tenantId, spaceId)]);
    const byDoc = groupByDocument(chunks);
    const index = SpaceIndex.empty(this.vectorModel, version);
    for (const d of documents) index.addDocument(d.id, d.fingerprint, byDoc.get(d.id) ?? []);
    return { index, etag: undefined, persisted: -1 };
  }

  /** Brings `w` to `version`: discards documents gone or changed, adds those new or changed. */
  private async update(tenantId: string, spaceId: string, w: Warm, version: number): Promise<Warm> {
    const documents = await this.o.content.processedDocuments(tenantId, spaceId);
    const wanted = new Map(documents.map((d) => [d.id, d.fingerprint]));
    const gone = w.index.documentIds().filter((id) => !wanted.has(id));
    const changed = documents.filter((d) => w.index.fingerprintOf(d.id) !== d.fingerprint);
    let chunks: Map<string, SpaceChunk[]>;
    if (changed.length > MAX_DOCUMENT_READS) {
      chunks = groupByDocument(await this.o.content.spaceChunks(tenantId, spaceId));
    } else {
      const read = await inBatches(changed, READ_CONCURRENCY, async (d) => [d.id, await this.o.content.documentChunks(tenantId, spaceId, d.id)] as const);
      chunks = new Map(read);
    }
    // Every read is done: the index changes in one synchronous step, never half-updated.
    for (const id of gone) w.index.removeDocument(id);
    for (const d of changed) w.index.addDocument(d.id, d.fingerprint, chunks.get(d.id) ?? []);
    w.index.contentVersion = Math.max(w.index.contentVersion, version);
    return w;
  }

  /** Writes the snapshot off the question's path (serialised with the version it reflects). */
  private persist(tenantId: string, spaceId: string, w: Warm): void {
    const store = this.o.snapshots;
    if (!store) return;
    this.persisting = this.persisting
      .then(async () => {
        const version = w.index.contentVersion;
        if (w.persisted >= version) return;
        const body = Buffer.from(JSON.stringify(w.index.toSnapshot()), 'utf8');
        w.etag = await store.save(tenantId, spaceId, body, version, w.etag);
        w.persisted = version;
      })
      .catch((err: unknown) => {
        this.log.warn('retrieval index snapshot not saved', { space_id: spaceId, error: String(err) });
      });
  }
}
