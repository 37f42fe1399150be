/**
 * Retrieval indexes against the real parts (local host, Cosmos emulator, Azurite): kept warm,
 * persisted to Blob and loaded by a second instance without reading chunks, caught up document by
 * document, and never serving a deleted document. Store reads are counted through the
 * SpaceContentSource port, wrapped around the real Cosmos one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getBlobContainer } from '../../src/shared/adapters/blob';
import { blobIndexSnapshots, snapshotPath } from '../../src/shared/adapters/index-snapshots';
import type { IndexSnapshotStore, SpaceContentSource } from '../../src/shared/ports';
import { SpaceRetrieval } from '../../src/shared/queries/retrieval';
import { getSpaceRetrieval } from '../../src/shared/queries/retrieve';
import { cosmosSpaceContent } from '../../src/shared/queries/space-content';
import { readContentVersion } from '../../src/shared/spaces/space-store';
import { call } from '../helpers/api-call';
import { uploadRaw } from '../helpers/document-uploads';
import { queriesHost } from '../helpers/host-presets';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { useTestHost } from '../helpers/test-host';

const h = useTestHost(queriesHost({ CHUNK_SIZE: '400', CHUNK_OVERLAP: '40' }));
let t: TenantWithKey;
let spaceId: string;
const docs: Record<string, string> = {};

const DOCS: Array<[string, string]> = [
  ['volcanoes.txt', 'Volcanoes form where magma rises through the crust. Mauna Loa in Hawaii is the largest active volcano on Earth.'],
  ['coffee.txt', 'Arabica beans have less caffeine than robusta beans. Espresso is brewed by forcing hot water through ground coffee.'],
  ['rust.txt', 'The Rust borrow checker rejects data races at compile time. Cargo is the package manager of Rust.'],
];

interface Counts {
  contentVersion: number;
  processedDocuments: number;
  documentChunks: string[];
  spaceChunks: number;
  snapshotLoads: number;
  snapshotSaves: number;
}

/** A second instance: its own warm cache, the real Cosmos and Blob behind counting ports. */
function instance(over: { maxEntries?: number; maxBytes?: number; snapshots?: boolean } = {}) {
  const n: Counts = { contentVersion: 0, processedDocuments: 0, documentChunks: [], spaceChunks: 0, snapshotLoads: 0, snapshotSaves: 0 };
  const real = cosmosSpaceContent(null);
  const content: SpaceContentSource = {
    contentVersion: (a, b) => (n.contentVersion++, real.contentVersion(a, b)),
    processedDocuments: (a, b) => (n.processedDocuments++, real.processedDocuments(a, b)),
    documentChunks: (a, b, d) => (n.documentChunks.push(d), real.documentChunks(a, b, d)),
    spaceChunks: (a, b) => (n.spaceChunks++, real.spaceChunks(a, b)),
  };
  const snapshots: IndexSnapshotStore = {
    load: (a, b) => (n.snapshotLoads++, blobIndexSnapshots.load(a, b)),
    save: (a, b, body, v, etag) => (n.snapshotSaves++, blobIndexSnapshots.save(a, b, body, v, etag)),
  };
  const r = new SpaceRetrieval({
    content,
    snapshots: over.snapshots === false ? undefined : snapshots,
    maxEntries: over.maxEntries ?? 10,
    maxBytes: over.maxBytes ?? 64 * 1024 * 1024,
  });
  const reset = () => Object.assign(n, { contentVersion: 0, processedDocuments: 0, documentChunks: [], spaceChunks: 0, snapshotLoads: 0, snapshotSaves: 0 });
  return { r, n, reset };
}

const ask = (question: string, space = spaceId) =>
  call(`${h.api}/v1/spaces/${space}/query?wait=true`, t.apiKey, { method: 'POST', body: { question, top_k: 5 } });
/** Writes the snapshot blob unconditionally (what a late or broken writer could leave). */
async function putSnapshot(body: Buffer, contentVersion: string | undefined): Promise<void> {
  const blob = (await getBlobContainer()).getBlockBlobClient(snapshotPath(t.tenantId, spaceId));
  await blob.upload(body, body.length, contentVersion === undefined ? {} : { metadata: { contentversion: contentVersion } });
}
const docsOf = (hits: Array<{ chunk: { documentId: string } }>) => [...new Set(hits.map((x) => x.chunk.documentId))];

beforeAll(async () => {
  t = await createTenantWithKey();
  const s = await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name: 'Retrieval' } });
  spaceId = s.body.data.id;
  for (const [name, text] of DOCS) {
    const up = await uploadRaw(h.api, t.apiKey, spaceId, Buffer.from(text), name, 'text/plain');
    docs[name] = up.body.data.id;
  }
  await h.settle();
});

describe('retrieval indexes: warm, persisted, cold', () => {
  it('each processed document bumps the space content version', async () => {
    expect(await readContentVersion(t.tenantId, spaceId)).toBe(DOCS.length);
  });

  it('persists the index to Blob, labelled with the content version', async () => {
    const r = await ask('Which package manager does Rust use?');
    expect(r.body.data.citations[0].document_id).toBe(docs['rust.txt']);
    await getSpaceRetrieval().whenPersisted();
    const stored = await blobIndexSnapshots.load(t.tenantId, spaceId);
    expect(stored?.contentVersion).toBe(DOCS.length);
    expect(JSON.parse(stored!.body.toString('utf8'))).toMatchObject({ format: 1, contentVersion: DOCS.length, vectorModel: null });
  });

  it('a second instance loads the index from Blob without reading a chunk, then serves it warm', async () => {
    const { r, n, reset } = instance();
    const got = await r.retrieve(t.tenantId, spaceId, 'Which package manager does Rust use?', { topK: 3 });
    expect(got.hasContent).toBe(true);
    expect(got.hybrid).toBe(false);
    expect(got.hits[0]?.chunk).toMatchObject({ documentId: docs['rust.txt'], filename: 'rust.txt' });
    expect(got.hits[0]?.chunk.text).toContain('Cargo');
    expect(n).toMatchObject({ snapshotLoads: 1, processedDocuments: 0, documentChunks: [], spaceChunks: 0, snapshotSaves: 0 });
    reset();
    const again = await r.retrieve(t.tenantId, spaceId, 'How is espresso brewed?', { topK: 3, documentIds: [docs['coffee.txt']!] });
    expect(docsOf(again.hits)).toEqual([docs['coffee.txt']]);
    // Warm: one point read of the space's version, nothing else.
    expect(n).toMatchObject({ contentVersion: 1, snapshotLoads: 0, processedDocuments: 0, documentChunks: [], spaceChunks: 0 });
  });

  it('without a snapshot an instance builds from one query of the chunks', async () => {
    const { r, n } = instance({ snapshots: false });
    const got = await r.retrieve(t.tenantId, spaceId, 'largest active volcano', { topK: 3 });
    expect(got.hits[0]?.chunk.documentId).toBe(docs['volcanoes.txt']);
    expect(n).toMatchObject({ processedDocuments: 1, spaceChunks: 1, documentChunks: [] });
  });

  it('a new document is added incrementally: only its chunks are read', async () => {
    const { r, n, reset } = instance();
    await r.retrieve(t.tenantId, spaceId, 'volcano', { topK: 1 });
    reset();
    const up = await uploadRaw(
      h.api,
      t.apiKey,
      spaceId,
      Buffer.from('Green tea leaves are steamed soon after picking to stop oxidation.'),
      'tea.txt',
      'text/plain',
    );
    docs['tea.txt'] = up.body.data.id;
    await h.settle();
    const got = await r.retrieve(t.tenantId, spaceId, 'Why are green tea leaves steamed?', { topK: 3 });
    expect(got.hits[0]?.chunk.documentId).toBe(docs['tea.txt']);
    expect(n).toMatchObject({ processedDocuments: 1, documentChunks: [docs['tea.txt']], spaceChunks: 0, snapshotLoads: 0 });
    await r.whenPersisted();
    expect((await blobIndexSnapshots.load(t.tenantId, spaceId))?.contentVersion).toBe(DOCS.length + 1);
  });

  it('a deleted document is never cited again: warm indexes, stale snapshots and the API alike', async () => {
    const warm = instance();
    expect(docsOf((await warm.r.retrieve(t.tenantId, spaceId, 'Cargo package manager Rust', { topK: 5 })).hits)).toContain(docs['rust.txt']);
    const before = await readContentVersion(t.tenantId, spaceId);
    // The snapshot in Blob still holds the document after the delete (nothing rewrote it yet).
    const staleSnapshot = await blobIndexSnapshots.load(t.tenantId, spaceId);

    const del = await call(`${h.api}/v1/spaces/${spaceId}/documents/${docs['rust.txt']}`, t.apiKey, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(await readContentVersion(t.tenantId, spaceId)).toBe(before! + 1);

    const r = await ask('Which package manager does Rust use? Cargo borrow checker');
    expect(r.body.data.status).toBe('completed');
    expect(r.body.data.citations.map((c: { document_id: string }) => c.document_id)).not.toContain(docs['rust.txt']);
    expect(r.body.data.answer).not.toContain('Cargo');

    warm.reset();
    const fromWarm = await warm.r.retrieve(t.tenantId, spaceId, 'Cargo package manager Rust', { topK: 5 });
    expect(docsOf(fromWarm.hits)).not.toContain(docs['rust.txt']);
    // Discarding needs no chunk reads.
    expect(warm.n).toMatchObject({ processedDocuments: 1, documentChunks: [], spaceChunks: 0 });

    // Put the pre-delete snapshot back, as an instance persisting late could have left it.
    await Promise.all([getSpaceRetrieval().whenPersisted(), warm.r.whenPersisted()]);
    expect(staleSnapshot?.contentVersion).toBe(before);
    await putSnapshot(staleSnapshot!.body, String(before));
    const cold = instance();
    const fromCold = await cold.r.retrieve(t.tenantId, spaceId, 'Cargo package manager Rust', { topK: 5 });
    expect(docsOf(fromCold.hits)).not.toContain(docs['rust.txt']);
    expect(cold.n).toMatchObject({ snapshotLoads: 1, processedDocuments: 1, documentChunks: [], spaceChunks: 0 });
    await cold.r.whenPersisted();
    expect((await blobIndexSnapshots.load(t.tenantId, spaceId))?.contentVersion).toBe(before! + 1);
  });

  it('an unreadable snapshot costs a rebuild, not the question, and is replaced', async () => {
    await putSnapshot(Buffer.from('not json'), undefined);
    const { r, n } = instance();
    const got = await r.retrieve(t.tenantId, spaceId, 'largest active volcano', { topK: 3 });
    expect(got.hits[0]?.chunk.documentId).toBe(docs['volcanoes.txt']);
    expect(n).toMatchObject({ snapshotLoads: 1, spaceChunks: 1 });
    await r.whenPersisted();
    expect((await blobIndexSnapshots.load(t.tenantId, spaceId))?.contentVersion).toBe(await readContentVersion(t.tenantId, spaceId));
  });

  it('the warm cache is bounded by entries and by memory', async () => {
    const other = await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name: 'Second' } });
    await uploadRaw(h.api, t.apiKey, other.body.data.id, Buffer.from('Shield volcanoes erupt fluid basalt lava.'), 'lava.txt', 'text/plain');
    await h.settle();

    const one = instance({ maxEntries: 1 });
    await one.r.retrieve(t.tenantId, spaceId, 'volcano', { topK: 1 });
    await one.r.retrieve(t.tenantId, other.body.data.id, 'volcano', { topK: 1 });
    expect(one.r.warmCount).toBe(1);
    one.reset();
    await one.r.retrieve(t.tenantId, spaceId, 'volcano', { topK: 1 }); // evicted: loaded again
    expect(one.n.snapshotLoads).toBe(1);

    const tiny = instance({ maxBytes: 1 });
    await tiny.r.retrieve(t.tenantId, spaceId, 'volcano', { topK: 1 });
    expect(tiny.r.warmCount).toBe(0);
  });

  it('a space that is gone, or documents with nothing indexed, have no content', async () => {
    const { r } = instance();
    expect(await r.retrieve(t.tenantId, `spc_${'0'.repeat(32)}`, 'volcano', { topK: 1 })).toEqual({ hits: [], hasContent: false, hybrid: false });
    expect((await r.retrieve(t.tenantId, spaceId, 'volcano', { topK: 1, documentIds: [docs['rust.txt']!] })).hasContent).toBe(false);
    // Another tenant naming this space sees nothing.
    const other = await createTenantWithKey();
    expect((await r.retrieve(other.tenantId, spaceId, 'volcano', { topK: 1 })).hasContent).toBe(false);
  });
});
