/**
 * Lexical retrieval over chunks with MiniSearch (BM25+): one index per space, terms case- and
 * diacritics-folded with English stop words dropped, filename boosted over body text.
 */
import MiniSearch, { type SearchResult } from 'minisearch';

// A short English stop-word list: words that match everywhere and only dilute BM25.
const STOP_WORDS = new Set(
  'a an and are as at be but by can do does for from had has have how i if in into is it its me my no not of on or our so such that the their then there these they this to was we were what when where which who why will with you your'.split(
    ' ',
  ),
);

/** Lower-cased, accents removed, stop words and one-letter terms dropped (null = not indexed). */
export function foldTerm(term: string): string | null {
  const t = term
    .normalize('NFD')
    .replace(/\p{Mn}+/gu, '')
    .toLowerCase();
  if (t.length < 2 || STOP_WORDS.has(t)) return null;
  return t;
}

export interface IndexedChunk {
  id: string;
  documentId: string;
  filename: string;
  text: string;
  page: number | null;
}

export interface ChunkHit {
  chunk: IndexedChunk;
  score: number;
}

const OPTIONS = {
  fields: ['filename', 'text'],
  storeFields: ['documentId', 'filename', 'text', 'page'],
  processTerm: foldTerm,
  searchOptions: { boost: { filename: 2 }, prefix: (term: string) => term.length > 4, fuzzy: 0.15, combineWith: 'OR' as const },
};

export type ChunkIndex = MiniSearch<IndexedChunk>;

export function buildChunkIndex(chunks: readonly IndexedChunk[]): ChunkIndex {
  const index = new MiniSearch<IndexedChunk>(OPTIONS);
  index.addAll(chunks);
  return index;
}

/** The best `topK` chunks for a question, optionally only from some documents. */
export function searchChunks(index: ChunkIndex, question: string, topK: number, documentIds?: readonly string[] | null): ChunkHit[] {
  const only = documentIds && documentIds.length > 0 ? new Set(documentIds) : undefined;
  const results: SearchResult[] = index.search(question, only ? { filter: (r) => only.has(r['documentId'] as string) } : {});
  return results.slice(0, topK).map((r) => ({
    score: r.score,
    chunk: {
      id: String(r.id),
      documentId: r['documentId'] as string,
      filename: r['filename'] as string,
      text: r['text'] as string,
      page: (r['page'] as number | null | undefined) ?? null,
    },
  }));
}
