/**
 * Deterministic embeddings for the Azure OpenAI stand-in: a hashed bag of words (feature hashing
 * with a sign bit, sub-linear term frequency, L2-normalised). Texts sharing words get a high cosine
 * similarity, unrelated texts a low one, which is all a retrieval test needs from a vector.
 */
import { createHash } from 'node:crypto';

export const DEFAULT_EMBEDDING_DIMENSIONS = 256;

/** Words of two or more letters or digits, lower-cased, accents removed, a plural "s" trimmed. */
export function embeddingTerms(text: string): string[] {
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  const words = folded.match(/[\p{L}\p{N}]{2,}/gu) ?? [];
  return words.map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w));
}

function bucket(term: string, dimensions: number): { index: number; sign: 1 | -1 } {
  const h = createHash('sha1').update(term).digest();
  return { index: h.readUInt32LE(0) % dimensions, sign: (h[4]! & 1) === 0 ? 1 : -1 };
}

export function embed(text: string, dimensions = DEFAULT_EMBEDDING_DIMENSIONS): number[] {
  const counts = new Map<string, number>();
  for (const t of embeddingTerms(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const v = new Array<number>(dimensions).fill(0);
  for (const [term, tf] of counts) {
    const { index, sign } = bucket(term, dimensions);
    v[index]! += sign * (1 + Math.log(tf));
  }
  const norm = Math.hypot(...v);
  // An empty text still gets a unit vector (Azure never returns a zero vector).
  if (norm === 0) {
    v[0] = 1;
    return v;
  }
  return v.map((x) => x / norm);
}

/** The `encoding_format: "base64"` form the openai client asks for by default: float32 little-endian. */
export function toBase64(vector: number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString('base64');
}
