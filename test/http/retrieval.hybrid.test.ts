/**
 * Hybrid retrieval with embeddings configured: the real `openai` client (AzureOpenAI) against the
 * Azure OpenAI wire-format stand-in on loopback (local/azure-openai). Chunks are embedded at
 * processing time in batches (a 429 retried, an outage redelivered), the question at query time,
 * and the lexical and vector rankings fused with RRF; a failed question embedding falls back to
 * lexical retrieval.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAzureOpenAIStandIn, type AzureOpenAIStandIn, type RecordedRequest } from '../../local/azure-openai/server';
import { blobIndexSnapshots } from '../../src/shared/adapters/index-snapshots';
import { createAzureEmbeddings } from '../../src/shared/adapters/openai-embeddings';
import { decodeVector, dot } from '../../src/shared/core/vectors';
import { listDocumentChunks } from '../../src/shared/documents/chunk-store';
import type { SpaceContentSource } from '../../src/shared/ports';
import { SpaceRetrieval } from '../../src/shared/queries/retrieval';
import { getSpaceRetrieval, retrieve } from '../../src/shared/queries/retrieve';
import { cosmosSpaceContent } from '../../src/shared/queries/space-content';
import { call } from '../helpers/api-call';
import { uploadRaw } from '../helpers/document-uploads';
import { queriesHost } from '../helpers/host-presets';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { startTestHost, type TestHost } from '../helpers/test-host';

const DEPLOYMENT = 'text-embedding-3-small';
const API_VERSION = '2024-10-21';
let ai: AzureOpenAIStandIn;
let h: TestHost;
let t: TenantWithKey;
let spaceId: string;
const docs: Record<string, string> = {};

const LONG = [
  'Volcanoes form where magma rises through the crust and erupts at the surface.',
  'Mauna Loa in Hawaii is the largest active volcano on Earth by volume.',
  'Shield volcanoes erupt fluid basalt lava that flows for many kilometres.',
  'Stratovolcanoes erupt explosively because their magma is thick and viscous.',
  'Volcanic ash can ground aircraft across a whole continent for days.',
].join('\n\n');

const embeddingRequests = (): RecordedRequest[] => ai.requests.filter((r) => r.operation === 'embeddings');
const inputsOf = (r: RecordedRequest): string[] => (r.body as { input: string[] }).input;

beforeAll(async () => {
  ai = await startAzureOpenAIStandIn({ deployments: [DEPLOYMENT] });
  const preset = queriesHost({
    CHUNK_SIZE: '100',
    CHUNK_OVERLAP: '0',
    AZURE_OPENAI_ENDPOINT: ai.endpoint,
    AZURE_OPENAI_KEY: ai.apiKey,
    AZURE_OPENAI_API_VERSION: API_VERSION,
    AZURE_OPENAI_EMBEDDING_DEPLOYMENT: DEPLOYMENT,
    AZURE_OPENAI_EMBEDDING_BATCH_SIZE: '2',
  });
  h = await startTestHost(preset);
  t = await createTenantWithKey();
  const s = await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name: 'Hybrid' } });
  spaceId = s.body.data.id;
  const up = await uploadRaw(h.api, t.apiKey, spaceId, Buffer.from(LONG), 'volcanoes.txt', 'text/plain');
  docs['volcanoes.txt'] = up.body.data.id;
  await h.settle();
});

afterAll(async () => {
  await h?.stop();
  await ai?.stop();
});

beforeEach(() => ai.reset());

describe('hybrid retrieval (embeddings configured)', () => {
  it('embeds every chunk at processing time in batches and stores the vectors with the chunks', async () => {
    const chunks = await listDocumentChunks(t.tenantId, spaceId, docs['volcanoes.txt']!);
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    for (const c of chunks) {
      expect(c.embeddingModel).toBe(DEPLOYMENT);
      const v = decodeVector(c.embedding!);
      expect(v).toHaveLength(256);
      expect(dot(v!, v!)).toBeCloseTo(1, 5);
    }
  });

  it('retries a 429 (retry-after) and redelivers after an outage, then processes the document', async () => {
    // The first batch meets a 429 and its retry succeeds; the second batch fails outright.
    ai.enqueue(
      'embeddings',
      { kind: 'rate_limit', retryAfterSeconds: 0, retryAfterMs: 20 },
      { kind: 'reply' },
      { kind: 'error', status: 400, code: 'BadRequest' },
    );
    const text = [
      'Coffee plants grow best at high altitude in the tropics.',
      'Arabica beans have less caffeine than robusta beans.',
      'Espresso is brewed by forcing hot water through ground coffee.',
      'A good espresso shot has a layer of crema on top.',
      'Cold brew steeps coarse grounds in cold water overnight.',
    ].join('\n\n');
    const up = await uploadRaw(h.api, t.apiKey, spaceId, Buffer.from(text), 'coffee.txt', 'text/plain');
    docs['coffee.txt'] = up.body.data.id;
    await h.settle();
    const doc = await call(`${h.api}/v1/spaces/${spaceId}/documents/${docs['coffee.txt']}`, t.apiKey);
    expect(doc.body.data.status).toBe('processed');
    const seen = embeddingRequests().map((r) => r.status);
    // The client retried the 429 itself; the 400 (not retryable) failed the delivery, the queue redelivered.
    expect(seen.slice(0, 3)).toEqual([429, 200, 400]);
    expect(seen.slice(3).every((s) => s === 200)).toBe(true);
    // Batches of at most AZURE_OPENAI_EMBEDDING_BATCH_SIZE (2).
    expect(embeddingRequests().every((r) => inputsOf(r).length <= 2)).toBe(true);
    const chunks = await listDocumentChunks(t.tenantId, spaceId, docs['coffee.txt']!);
    expect(chunks.every((c) => c.embeddingModel === DEPLOYMENT && decodeVector(c.embedding!)?.length === 256)).toBe(true);
  });

  it('embeds the question and fuses the lexical and vector rankings (RRF)', async () => {
    const r = await retrieve({ tenantId: t.tenantId, spaceId, question: 'Which volcano is the largest active one?', topK: 3, documentIds: null });
    expect(r.hybrid).toBe(true);
    expect(r.hits[0]?.chunk.documentId).toBe(docs['volcanoes.txt']);
    expect(r.hits[0]?.chunk.text).toContain('Mauna Loa');
    // RRF scores: at most 1/61 + 1/61 for an item first in both rankings.
    expect(r.hits[0]!.score).toBeLessThanOrEqual(2 / 61 + 1e-12);
    expect(embeddingRequests().map(inputsOf)).toEqual([['Which volcano is the largest active one?']]);
    expect(embeddingRequests()[0]).toMatchObject({ deployment: DEPLOYMENT, apiVersion: API_VERSION });
    expect(embeddingRequests()[0]?.headers['api-key']).toBe(ai.apiKey);
  });

  it('answers through the API with citations from the hybrid ranking', async () => {
    const r = await call(`${h.api}/v1/spaces/${spaceId}/query?wait=true`, t.apiKey, {
      method: 'POST',
      body: { question: 'Why do stratovolcanoes erupt explosively?', mode: 'extractive' },
    });
    expect(r.status).toBe(200);
    expect(r.body.data.citations[0].document_id).toBe(docs['volcanoes.txt']);
    expect(r.body.data.answer).toContain('viscous');
  });

  it('falls back to lexical retrieval when the question cannot be embedded', async () => {
    ai.enqueue('embeddings', { kind: 'error', status: 400, code: 'BadRequest' });
    const r = await retrieve({ tenantId: t.tenantId, spaceId, question: 'How much caffeine do arabica beans have?', topK: 3, documentIds: null });
    expect(r.hybrid).toBe(false);
    expect(r.hits[0]?.chunk.documentId).toBe(docs['coffee.txt']);
    expect(embeddingRequests().map((x) => x.status)).toEqual([400]);
  });

  it('persists the vectors with the index; a second instance loads them and stays hybrid without reading chunks', async () => {
    await getSpaceRetrieval().whenPersisted();
    const stored = await blobIndexSnapshots.load(t.tenantId, spaceId);
    const snapshot = JSON.parse(stored!.body.toString('utf8')) as { vectorModel: string; vectors: Record<string, string> };
    expect(snapshot.vectorModel).toBe(DEPLOYMENT);
    expect(Object.keys(snapshot.vectors).length).toBeGreaterThanOrEqual(7);

    const embeddings = createAzureEmbeddings({
      endpoint: ai.endpoint,
      apiKey: ai.apiKey,
      deployment: DEPLOYMENT,
      apiVersion: API_VERSION,
      dimensions: undefined,
      batchSize: 16,
      timeoutMs: 5_000,
    });
    const real = cosmosSpaceContent(embeddings.id);
    let chunkReads = 0;
    const content: SpaceContentSource = {
      ...real,
      documentChunks: (a, b, d) => (chunkReads++, real.documentChunks(a, b, d)),
      spaceChunks: (a, b) => (chunkReads++, real.spaceChunks(a, b)),
    };
    const second = new SpaceRetrieval({ content, snapshots: blobIndexSnapshots, embeddings, maxEntries: 4, maxBytes: 64 * 1024 * 1024 });
    const r = await second.retrieve(t.tenantId, spaceId, 'Which beans have less caffeine?', { topK: 2 });
    expect(r.hybrid).toBe(true);
    expect(r.hits[0]?.chunk.documentId).toBe(docs['coffee.txt']);
    expect(chunkReads).toBe(0);

    // An index built for another embedding model is not reused: its vectors would not compare.
    const other = createAzureEmbeddings({
      endpoint: ai.endpoint,
      apiKey: ai.apiKey,
      deployment: DEPLOYMENT,
      apiVersion: API_VERSION,
      dimensions: 64,
      batchSize: 16,
      timeoutMs: 5_000,
    });
    const third = new SpaceRetrieval({
      content: cosmosSpaceContent(other.id),
      snapshots: blobIndexSnapshots,
      embeddings: other,
      maxEntries: 4,
      maxBytes: 64 * 1024 * 1024,
    });
    const fromThird = await third.retrieve(t.tenantId, spaceId, 'Which beans have less caffeine?', { topK: 2 });
    // Its chunks carry vectors of the 256-dimension model only: lexical ranking, nothing mixed.
    expect(fromThird.hybrid).toBe(false);
    expect(fromThird.hits[0]?.chunk.documentId).toBe(docs['coffee.txt']);
    await Promise.all([second.whenPersisted(), third.whenPersisted()]);
  });
});
