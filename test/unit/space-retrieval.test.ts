/**
 * SpaceRetrieval's freshness rules with an in-memory content source (the Cosmos-backed behaviour
 * is in test/http/retrieval.test.ts): concurrent questions share one catch-up, and a catch-up that
 * began before a delete is never what a later question is served.
 */
import { describe, expect, it } from 'vitest';
import type { SpaceChunk } from '../../src/shared/core/space-index';
import type { SpaceContentSource } from '../../src/shared/ports';
import { SpaceRetrieval } from '../../src/shared/queries/retrieval';

const chunk = (documentId: string, text: string): SpaceChunk => ({ id: `${documentId}_000000`, documentId, filename: `${documentId}.txt`, text, page: null });

function memory() {
  const docs = new Map<string, SpaceChunk[]>([
    ['rust', [chunk('rust', 'Cargo is the package manager of Rust.')]],
    ['tea', [chunk('tea', 'Green tea is steamed after picking.')]],
  ]);
  const state = { version: 1, listings: 0, gate: undefined as Promise<void> | undefined };
  const content: SpaceContentSource = {
    contentVersion: async () => state.version,
    processedDocuments: async () => {
      state.listings++;
      const listed = [...docs.keys()].map((id) => ({ id, fingerprint: 'v1' })); // listed now ...
      await state.gate; // ... answered later
      return listed;
    },
    documentChunks: async (_t, _s, d) => docs.get(d) ?? [],
    spaceChunks: async () => [...docs.values()].flat(),
  };
  return { docs, state, content };
}

const ids = (hits: Array<{ chunk: { documentId: string } }>) => hits.map((h) => h.chunk.documentId);

describe('SpaceRetrieval freshness', () => {
  it('concurrent questions share one catch-up', async () => {
    const m = memory();
    const r = new SpaceRetrieval({ content: m.content, maxEntries: 4, maxBytes: 1e9 });
    const all = await Promise.all([1, 2, 3].map(() => r.retrieve('t', 's', 'cargo', { topK: 3 })));
    expect(all.map((x) => ids(x.hits))).toEqual([['rust'], ['rust'], ['rust']]);
    expect(m.state.listings).toBe(1);
  });

  it('a catch-up that listed a document before its delete is not served to a question after it', async () => {
    const m = memory();
    const r = new SpaceRetrieval({ content: m.content, maxEntries: 4, maxBytes: 1e9 });
    let open!: () => void;
    m.state.gate = new Promise((res) => (open = res));
    const early = r.retrieve('t', 's', 'cargo', { topK: 3 }); // lists rust, then waits
    await new Promise((res) => setImmediate(res));
    // The document is deleted and the version bumped while that catch-up is in flight.
    m.docs.delete('rust');
    m.state.version = 2;
    m.state.gate = undefined;
    const late = r.retrieve('t', 's', 'cargo', { topK: 3 });
    open();
    await early; // asked before the delete: may or may not see it
    expect(ids((await late).hits)).toEqual([]); // asked after: never
    expect(m.state.listings).toBe(2);
  });

  it('a warm index at the current version is served without listing anything', async () => {
    const m = memory();
    const r = new SpaceRetrieval({ content: m.content, maxEntries: 4, maxBytes: 1e9 });
    await r.retrieve('t', 's', 'tea', { topK: 1 });
    await r.retrieve('t', 's', 'tea', { topK: 1 });
    expect(m.state.listings).toBe(1);
    m.state.version = 2;
    await r.retrieve('t', 's', 'tea', { topK: 1 });
    expect(m.state.listings).toBe(2);
  });
});
