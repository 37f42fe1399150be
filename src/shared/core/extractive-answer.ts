/**
 * The extractive answer (no model configured): the sentences of the retrieved chunks that best
 * match the question, ranked by MiniSearch over those sentences, each followed by the number of
 * the source it came from. Citations are exactly the sources the answer cites, numbered in order.
 */
import MiniSearch from 'minisearch';
import type { ChunkHit } from './text-search';
import { foldTerm } from './text-search';

export interface ExtractiveCitation {
  n: number;
  hit: ChunkHit;
  excerpt: string;
}

export interface ExtractiveAnswer {
  answer: string;
  citations: ExtractiveCitation[];
}

export const NO_ANSWER = 'The documents in this space do not contain an answer to this question.';

const MAX_SENTENCES = 3;
const MAX_SENTENCE_CHARS = 600;
const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

function sentencesOf(text: string): string[] {
  const out: string[] = [];
  for (const { segment } of segmenter.segment(text)) {
    const s = segment.replace(/\s+/g, ' ').trim();
    if (s.length >= 12) out.push(s.length > MAX_SENTENCE_CHARS ? `${s.slice(0, MAX_SENTENCE_CHARS)}…` : s);
  }
  return out;
}

export function extractiveAnswer(question: string, hits: readonly ChunkHit[], maxChars: number): ExtractiveAnswer {
  const sentences: Array<{ id: number; text: string; hit: number; order: number }> = [];
  hits.forEach((hit, h) => sentencesOf(hit.chunk.text).forEach((text, order) => sentences.push({ id: sentences.length, text, hit: h, order })));
  if (sentences.length === 0) return { answer: NO_ANSWER, citations: [] };

  const index = new MiniSearch<{ id: number; text: string }>({ fields: ['text'], processTerm: foldTerm });
  index.addAll(sentences);
  // Weigh a sentence's own match by how well its chunk ranked, so the best source leads.
  const ranked = index
    .search(question, { prefix: (t) => t.length > 4, fuzzy: 0.15 })
    .map((r) => {
      // Ids are the sentences' own indexes (added to the index from this array).
      const s = sentences[r.id as number]!;
      return { s, score: r.score / (1 + s.hit * 0.25) };
    })
    .sort((a, b) => b.score - a.score);
  if (ranked.length === 0) return { answer: NO_ANSWER, citations: [] };

  const picked: typeof sentences = [];
  let length = 0;
  for (const { s } of ranked) {
    if (picked.length >= MAX_SENTENCES) break;
    if (picked.some((p) => p.text === s.text)) continue; // near-duplicate documents repeat sentences
    if (picked.length > 0 && length + s.text.length > maxChars) continue;
    picked.push(s);
    length += s.text.length + 5;
  }

  // Numbered by first appearance in the answer; the best-matching sentence comes first.
  const numberOf = new Map<number, number>();
  const citations: ExtractiveCitation[] = [];
  const parts = picked.map((s) => {
    let n = numberOf.get(s.hit);
    if (n === undefined) {
      n = citations.length + 1;
      numberOf.set(s.hit, n);
      citations.push({ n, hit: hits[s.hit]!, excerpt: s.text }); // s.hit indexes hits
    }
    return `${s.text} [${n}]`;
  });
  let answer = parts.join(' ');
  if (answer.length > maxChars) answer = `${answer.slice(0, maxChars - 1)}…`;
  return { answer, citations };
}
