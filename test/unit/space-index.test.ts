import { describe, expect, it } from 'vitest';
import { SizedLru } from '../../src/shared/core/sized-lru';
import { SpaceIndex, type SpaceChunk, type SpaceIndexSnapshot } from '../../src/shared/core/space-index';
import { documentTitle } from '../../src/shared/core/text-search';
import { decodeVector, encodeVector, nearest, normalise } from '../../src/shared/core/vectors';

const chunk = (documentId: string, i: number, text: string, vector?: number[]): SpaceChunk => ({
  id: `${documentId}_${String(i).padStart(6, '0')}`,
  documentId,
  filename: `${documentId}.txt`,
  text,
  page: null,
  vector: vector ? normalise(vector) : undefined,
});

function sample(): SpaceIndex {
  const index = SpaceIndex.empty(null, 3);
  index.addDocument('rust', 'fp1', [chunk('rust', 0, 'Rust guarantees memory safety with a borrow checker.'), chunk('rust', 1, 'Cargo downloads crates.')]);
  index.addDocument('coffee', 'fp1', [chunk('coffee', 0, 'Espresso is brewed under pressure.')]);
  return index;
}

describe('SpaceIndex', () => {
  it('adds, replaces and discards documents (MiniSearch add/discard)', () => {
    const index = sample();
    expect(index.chunkCount).toBe(3);
    expect(index.search('cargo crates', { topK: 5 })[0]?.chunk.documentId).toBe('rust');
    // Re-adding replaces the document's old chunks (same ids included).
    index.addDocument('rust', 'fp2', [chunk('rust', 0, 'Rust has no garbage collector.')]);
    expect(index.chunkCount).toBe(2);
    expect(index.fingerprintOf('rust')).toBe('fp2');
    expect(index.search('cargo crates', { topK: 5 })).toEqual([]);
    expect(index.removeDocument('rust')).toBe(true);
    expect(index.removeDocument('rust')).toBe(false);
    expect(index.search('garbage collector', { topK: 5 })).toEqual([]);
    expect(index.documentIds()).toEqual(['coffee']);
    expect(index.hasAny()).toBe(true);
    expect(index.hasAny(['rust'])).toBe(false);
    expect(index.hasAny(['rust', 'coffee'])).toBe(true);
  });

  it('filters by document ids', () => {
    const index = sample();
    const hits = index.search('espresso cargo', { topK: 5, documentIds: ['coffee'] });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.chunk.documentId === 'coffee')).toBe(true);
  });

  it('round-trips through a JSON snapshot (toJSON / loadJS) with the same results', () => {
    const index = sample();
    index.removeDocument('coffee'); // a discarded document must stay gone after loading
    const json = JSON.stringify(index.toSnapshot());
    const loaded = SpaceIndex.fromSnapshot(JSON.parse(json) as SpaceIndexSnapshot);
    expect(loaded.contentVersion).toBe(3);
    expect(loaded.chunkCount).toBe(2);
    expect(loaded.search('borrow checker', { topK: 5 })).toEqual(index.search('borrow checker', { topK: 5 }));
    expect(loaded.search('espresso', { topK: 5 })).toEqual([]);
    // And it keeps working incrementally after loading.
    loaded.addDocument('tea', 'fp1', [chunk('tea', 0, 'Green tea is steamed.')]);
    expect(loaded.search('steamed tea', { topK: 1 })[0]?.chunk.documentId).toBe('tea');
    expect(() => SpaceIndex.fromSnapshot({ ...(JSON.parse(json) as SpaceIndexSnapshot), format: 2 as 1 })).toThrow(/format/);
  });

  it('boosts a document whose title names the question terms', () => {
    expect(documentTitle('# Volcano safety\nStay away from lava.')).toBe('Volcano safety');
    expect(documentTitle('A whole first sentence ends with a stop.\nMore.')).toBeNull();
    expect(documentTitle('Only one line')).toBeNull();
    const index = SpaceIndex.empty(null);
    index.addDocument('a', 'fp', [chunk('a', 0, 'Volcano safety\nKeep a distance when you hike.'), chunk('a', 1, 'Carry water and a map.')]);
    index.addDocument('b', 'fp', [chunk('b', 0, 'Notes\nA volcano erupted once near a village with safety drills.')]);
    // The second chunk of "a" carries no question terms in its text, but its document's title does.
    const ids = index.search('volcano safety', { topK: 5 }).map((h) => h.chunk.id);
    expect(ids).toContain('a_000001');
  });

  it('is hybrid with a question vector: RRF fuses lexical and vector rankings', () => {
    const index = SpaceIndex.empty('model-x');
    index.addDocument('lex', 'fp', [chunk('lex', 0, 'The crema sits on top of the shot.', [0, 1, 0])]);
    index.addDocument('vec', 'fp', [chunk('vec', 0, 'Foam forms over a fresh pour.', [1, 0, 0])]);
    index.addDocument('both', 'fp', [chunk('both', 0, 'Crema is the foam of an espresso.', [0.9, 0.1, 0])]);
    const lexicalOnly = index.search('crema espresso', { topK: 5 }).map((h) => h.chunk.documentId);
    expect(lexicalOnly).not.toContain('vec');
    const hybrid = index.search('crema espresso', { topK: 5, queryVector: normalise([1, 0, 0]) });
    expect(hybrid.map((h) => h.chunk.documentId)).toEqual(['both', 'vec', 'lex']);
    expect(hybrid[0]!.score).toBeCloseTo(1 / 61 + 1 / 62, 10);
    // The vector half honours the document filter too.
    expect(index.search('crema', { topK: 5, queryVector: normalise([1, 0, 0]), documentIds: ['lex'] }).map((h) => h.chunk.documentId)).toEqual(['lex']);
    // Vectors survive the snapshot; removing a document removes its vector.
    const loaded = SpaceIndex.fromSnapshot(JSON.parse(JSON.stringify(index.toSnapshot())) as SpaceIndexSnapshot);
    expect(loaded.vectorCount).toBe(3);
    loaded.removeDocument('vec');
    expect(loaded.vectorCount).toBe(2);
    expect(loaded.search('crema', { topK: 5, queryVector: normalise([1, 0, 0]) }).map((h) => h.chunk.documentId)).not.toContain('vec');
  });

  it('estimates its memory from the text and vectors it holds', () => {
    const small = sample().estimatedBytes();
    const index = sample();
    index.addDocument('big', 'fp', [chunk('big', 0, 'word '.repeat(2000))]);
    expect(index.estimatedBytes()).toBeGreaterThan(small + 10_000);
  });
});

describe('vectors', () => {
  it('normalises, encodes as base64 float32 and decodes back', () => {
    const v = normalise([3, 4]);
    expect([...v]).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(decodeVector(encodeVector(v))).toEqual(v);
    expect(decodeVector('')).toBeUndefined();
    expect(decodeVector(Buffer.from([1, 2, 3]).toString('base64'))).toBeUndefined();
    expect([...normalise([0, 0])]).toEqual([0, 0]);
  });

  it('finds the nearest unit vectors, skipping other lengths, filtered ids and non-positive similarity', () => {
    const entries: Array<[string, Float32Array]> = [
      ['a', normalise([1, 0])],
      ['b', normalise([1, 1])],
      ['c', normalise([0, 1])],
      ['d', normalise([-1, 0])],
      ['e', normalise([1, 0, 0])],
      ['f', normalise([0.9, 0.1])],
    ];
    const q = normalise([1, 0]);
    expect(nearest(q, entries, 3).map((m) => m.id)).toEqual(['a', 'f', 'b']);
    expect(nearest(q, entries, 10).map((m) => m.id)).toEqual(['a', 'f', 'b']);
    expect(nearest(q, entries, 2, (id) => id !== 'a').map((m) => m.id)).toEqual(['f', 'b']);
  });
});

describe('SizedLru', () => {
  it('evicts the least recently used past its entry or byte bound', () => {
    const evicted: string[] = [];
    const lru = new SizedLru<number>(2, 100, (k) => evicted.push(k));
    lru.set('a', 1, 10);
    lru.set('b', 2, 10);
    lru.get('a'); // b is now the least recently used
    lru.set('c', 3, 10);
    expect(evicted).toEqual(['b']);
    expect(lru.has('a') && lru.has('c')).toBe(true);
    lru.set('d', 4, 85); // 10 + 85 + 10 > 100: the oldest (a) goes, then still over? c + d = 95 fits
    expect(evicted).toEqual(['b', 'a']);
    expect(lru.bytes).toBe(95);
    expect(lru.set('huge', 5, 101)).toBe(false);
    expect(lru.has('huge')).toBe(false);
    lru.set('c', 6, 5); // replacing re-counts its size
    expect(lru.bytes).toBe(90);
    expect(lru.delete('c')).toBe(true);
    expect(lru.size).toBe(1);
    expect(new SizedLru<number>(0, 100).set('x', 1, 1)).toBe(false);
  });
});
