/**
 * Embedding vectors for the vector half of hybrid retrieval: unit-normalised Float32Arrays (so the
 * dot product is the cosine similarity), stored as base64 of their little-endian bytes (a quarter
 * of the size of a JSON number array), and an exact nearest-neighbour scan, which at the size of
 * one space (tens of thousands of chunks) takes milliseconds and needs no approximate index.
 */

/** A unit-length copy of `v` (a zero vector stays zero). */
export function normalise(v: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(v);
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i]! * out[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! / norm;
  return out;
}

export function dot(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

export function encodeVector(v: Float32Array): string {
  const le = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) le.writeFloatLE(v[i]!, i * 4);
  return le.toString('base64');
}

/** The vector in `encoded`, or undefined when it is not a whole number of float32s. */
export function decodeVector(encoded: string): Float32Array | undefined {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) return undefined;
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

export interface VectorMatch {
  id: string;
  similarity: number;
}

/**
 * The `k` entries most similar to `query` (all unit vectors of its length), best first; entries of
 * another dimension (a different embedding model) and non-positive similarities are skipped.
 */
export function nearest(
  query: Float32Array,
  entries: Iterable<readonly [string, Float32Array]>,
  k: number,
  accept: (id: string) => boolean = () => true,
): VectorMatch[] {
  const best: VectorMatch[] = [];
  for (const [id, v] of entries) {
    if (v.length !== query.length || !accept(id)) continue;
    const similarity = dot(query, v);
    if (similarity <= 0) continue;
    if (best.length < k) {
      best.push({ id, similarity });
      if (best.length === k) best.sort((a, b) => b.similarity - a.similarity);
    } else if (similarity > best[k - 1]!.similarity) {
      // Insert in order, dropping the worst: k is small (tens), so this beats a heap in practice.
      let i = k - 1;
      while (i > 0 && best[i - 1]!.similarity < similarity) i--;
      best.splice(i, 0, { id, similarity });
      best.pop();
    }
  }
  return best.length < k ? best.sort((a, b) => b.similarity - a.similarity) : best;
}
