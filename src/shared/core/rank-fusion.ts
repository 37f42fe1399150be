/**
 * Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009), as Azure AI Search's hybrid query
 * fuses its keyword and vector rankings: an item's score is the sum over the rankings it appears in
 * of 1 / (k + rank), rank counted from 1. Only ranks matter, so scores on different scales (BM25,
 * cosine similarity) combine without calibration.
 */

/** The constant Azure AI Search and the original paper use. */
export const RRF_K = 60;

export interface FusedItem {
  id: string;
  score: number;
}

/**
 * Fuses rankings (each best first). An id repeated within one ranking counts at its first place.
 * Ties are broken by the best rank the item reached in any ranking, then by where it was first seen
 * (earlier rankings first), so the result is deterministic.
 */
export function reciprocalRankFusion(rankings: ReadonlyArray<readonly string[]>, k: number = RRF_K): FusedItem[] {
  if (!Number.isFinite(k) || k < 0) throw new RangeError('k must be a finite number >= 0');
  const fused = new Map<string, { score: number; best: number; seen: number }>();
  for (const ranking of rankings) {
    const counted = new Set<string>();
    ranking.forEach((id, i) => {
      if (counted.has(id)) return;
      counted.add(id);
      const rank = i + 1;
      const entry = fused.get(id);
      if (entry) {
        entry.score += 1 / (k + rank);
        entry.best = Math.min(entry.best, rank);
      } else {
        fused.set(id, { score: 1 / (k + rank), best: rank, seen: fused.size });
      }
    });
  }
  return [...fused.entries()].sort(([, a], [, b]) => b.score - a.score || a.best - b.best || a.seen - b.seen).map(([id, { score }]) => ({ id, score }));
}
