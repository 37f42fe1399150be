/**
 * npm run bench:query — retrieval and extractive answering, in one run:
 *  1. for spaces of 1,000 and 10,000 chunks (~1,000 characters each, generated text with a Zipf
 *     vocabulary): index build time, heap growth (and the cache's estimate of it), snapshot size,
 *     and retrieval latency p50/p99 on the warm index (SpaceRetrieval.retrieve: the content-version
 *     check is an in-memory stub here, so this is the index's own cost);
 *  2. cold load: the snapshot saved to Blob (the embedded Azurite, in this process) and loaded by a
 *     fresh instance whose content source refuses chunk reads (download, parse, loadJS);
 *     p50 and max over BENCH_COLD_RUNS (default 5);
 *  3. extractive end to end through the local host (Cosmos emulator, Azurite, the Service Bus
 *     stand-in): POST /v1/spaces/{id}/query?wait=true at a steady 20 queries/s for BENCH_SECONDS
 *     (default 10) over a space of ~1,000 chunks uploaded and processed through the API; latency
 *     from each request's due time (open loop).
 * Targets: retrieval p99 < 20 ms at 10,000 chunks; cold load of a 10,000-chunk index < 1 s;
 * extractive end to end p99 < 200 ms. Loopback only. Run with --expose-gc for the heap figures.
 */
import { Agent, request } from 'node:http';
import { installFunctionsCore } from '../local/functions-core';
import { startEmulators, type RunningEmulators } from '../local/emulators';
import { startLocalHost } from '../local/host';
import { blobIndexSnapshots } from '../src/shared/adapters/index-snapshots';
import { resetConfig } from '../src/shared/config';
import { SpaceIndex, type SpaceChunk } from '../src/shared/core/space-index';
import { STOP_WORDS } from '../src/shared/core/text-search';
import { createTenant } from '../src/shared/identity/tenants';
import type { IndexableDocument, SpaceContentSource } from '../src/shared/ports';
import { SpaceRetrieval } from '../src/shared/queries/retrieval';
import { getSpaceRetrieval } from '../src/shared/queries/retrieve';
import { resetServices } from '../src/shared/services';
import { percentile, runBench } from './bench-lib';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const COLD_RUNS = Math.max(1, Number(process.env.BENCH_COLD_RUNS ?? 5));
const QUERIES = 1_000;
const RATE = 20;
const CHUNKS_PER_DOC = 10;
const E2E_DOCUMENTS = 100;
const TARGET_RETRIEVAL_P99 = 20;
const TARGET_COLD_MS = 1_000;
const TARGET_E2E_P99 = 200;

/** mulberry32: a small seeded PRNG, so every run indexes the same text. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'qui', 'dre', 'stan', 'bor', 'fel', 'gri', 'hul', 'jor', 'wex', 'yth'];
const rand = rng(42);
// As in English, the most frequent words are the function words the index drops (its stop words);
// without them every question would name words found in nearly every chunk.
const VOCAB = [...STOP_WORDS].concat(
  Array.from({ length: 20_000 }, (_, i) => {
    let w = '';
    let n = i + 1;
    do {
      w += SYLLABLES[n % SYLLABLES.length];
      n = Math.floor(n / SYLLABLES.length);
    } while (n > 0);
    return w;
  }),
);
/** Zipf-like: word rank r drawn with probability ~ 1/r. */
const zipf = (r: () => number): string => VOCAB[Math.min(VOCAB.length - 1, Math.floor(Math.exp(r() * Math.log(VOCAB.length))) - 1)]!;

function paragraph(r: () => number, chars = 1_000): string {
  const out: string[] = [];
  let length = 0;
  while (length < chars) {
    const words = Array.from({ length: 8 + Math.floor(r() * 8) }, () => zipf(r));
    const s = `${words.join(' ')}.`;
    out.push(s[0]!.toUpperCase() + s.slice(1));
    length += s.length + 1;
  }
  return out.join(' ').slice(0, chars);
}

function corpus(chunks: number): Map<string, SpaceChunk[]> {
  const docs = new Map<string, SpaceChunk[]>();
  for (let i = 0; i < chunks; i++) {
    const documentId = `doc_${String(Math.floor(i / CHUNKS_PER_DOC)).padStart(32, '0')}`;
    const c: SpaceChunk = {
      id: `${documentId}_${String(i % CHUNKS_PER_DOC).padStart(6, '0')}`,
      documentId,
      filename: `report-${i}.txt`,
      text: paragraph(rand),
      page: null,
    };
    docs.set(documentId, [...(docs.get(documentId) ?? []), c]);
  }
  return docs;
}

const questions = (n: number): string[] => Array.from({ length: n }, () => `what about ${zipf(rand)} ${zipf(rand)} and ${zipf(rand)} ${zipf(rand)}?`);

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (v: number): string => `${v.toFixed(v < 10 ? 2 : 0)} ms`;

/** A content source over in-memory documents; chunk reads throw when `refuseChunks` (cold-load proof). */
function memoryContent(docs: Map<string, SpaceChunk[]>, version: number, refuseChunks: boolean): SpaceContentSource {
  const list: IndexableDocument[] = [...docs.keys()].map((id) => ({ id, fingerprint: 'bench' }));
  const read = <T>(value: () => T): Promise<T> => (refuseChunks ? Promise.reject(new Error('a chunk read during a cold load')) : Promise.resolve(value()));
  return {
    contentVersion: () => Promise.resolve(version),
    processedDocuments: () => read(() => list),
    documentChunks: (_t, _s, d) => read(() => docs.get(d) ?? []),
    spaceChunks: () => read(() => [...docs.values()].flat()),
  };
}

interface IndexFigures {
  chunks: number;
  buildMs: number;
  heapBytes: number;
  estimatedBytes: number;
  snapshotBytes: number;
  p50: number;
  p99: number;
  coldP50: number;
  coldMax: number;
}

async function benchIndex(chunks: number): Promise<IndexFigures> {
  const docs = corpus(chunks);
  // The chunks arrive as JSON (as from Cosmos) inside the measured window, so the heap growth
  // counts the text the index keeps, not only its terms and postings.
  const raw = JSON.stringify([...docs]);
  const before = heap();
  const t0 = performance.now();
  const built = SpaceIndex.empty(null, 1);
  for (const [id, list] of JSON.parse(raw) as Array<[string, SpaceChunk[]]>) built.addDocument(id, 'bench', list);
  const buildMs = performance.now() - t0;
  const heapBytes = heap() - before;

  const tenant = 'bench';
  const space = `spc_bench_${chunks}`;
  const warm = new SpaceRetrieval({ content: memoryContent(docs, 1, false), maxEntries: 4, maxBytes: 4 * 1024 ** 3 });
  await warm.retrieve(tenant, space, 'warm up', { topK: 5 }); // builds it
  const qs = questions(QUERIES);
  for (const q of qs.slice(0, 50)) await warm.retrieve(tenant, space, q, { topK: 5 }); // JIT
  const times: number[] = [];
  for (const q of qs) {
    const s = performance.now();
    await warm.retrieve(tenant, space, q, { topK: 5 });
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);

  const body = Buffer.from(JSON.stringify(built.toSnapshot()), 'utf8');
  await blobIndexSnapshots.save(tenant, space, body, 1, undefined);
  const cold: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const fresh = new SpaceRetrieval({ content: memoryContent(docs, 1, true), snapshots: blobIndexSnapshots, maxEntries: 4, maxBytes: 4 * 1024 ** 3 });
    const s = performance.now();
    const index = await fresh.index(tenant, space);
    cold.push(performance.now() - s);
    if (index?.chunkCount !== chunks) throw new Error(`cold load gave ${index?.chunkCount} chunks, not ${chunks}`);
  }
  cold.sort((a, b) => a - b);
  return {
    chunks,
    buildMs,
    heapBytes,
    estimatedBytes: built.estimatedBytes(),
    snapshotBytes: body.length,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    coldP50: percentile(cold, 50),
    coldMax: cold[cold.length - 1]!,
  };
}

/** POSTs JSON with node:http over a keep-alive agent; resolves with the status and body. */
function post(url: string, key: string, body: unknown, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'x-api-key': key, 'content-type': 'application/json', 'content-length': data.length } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function benchEndToEnd(
  serviceBus: RunningEmulators['serviceBus'],
): Promise<{ chunks: number; p50: number; p99: number; max: number; failures: number; sent: number }> {
  const files = ['spaces-create', 'documents-upload', 'document-process', 'queries-submit', 'query-answer'].map((f) => `dist/src/functions/${f}.js`);
  const host = await startLocalHost({ port: 0, startTimers: false, functionFiles: files, retryDelayMs: 20, serviceBus });
  try {
    const api = `${host.url}/api`;
    const { tenant, apiKey } = await createTenant({ id: `bench-${Date.now()}`, name: 'Bench', tier: 'enterprise' }, 'bench');
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const space = await post(`${api}/v1/spaces`, apiKey.key, { name: 'Bench' }, agent);
    const spaceId = (JSON.parse(space.body) as { data: { id: string } }).data.id;
    const r = rng(7);
    for (let d = 0; d < E2E_DOCUMENTS; d++) {
      const text = Array.from({ length: CHUNKS_PER_DOC }, () => paragraph(r, 850)).join('\n\n');
      const res = await fetch(`${api}/v1/spaces/${spaceId}/documents?filename=doc-${d}.txt`, {
        method: 'POST',
        headers: { 'x-api-key': apiKey.key, 'content-type': 'text/plain' },
        body: text,
      });
      if (res.status !== 201) throw new Error(`upload answered ${res.status}`);
      await res.arrayBuffer();
    }
    await host.broker.waitForIdle(300_000, { queues: ['document-processing'] });
    const url = `${api}/v1/spaces/${spaceId}/query?wait=true`;
    const qs = questions(RATE * SECONDS + 20);
    // Warm-up: the first question builds (and persists) the space's index.
    for (const q of qs.slice(0, 20)) {
      const w = await post(url, apiKey.key, { question: q, mode: 'extractive' }, agent);
      if (w.status !== 200) throw new Error(`warm-up query answered ${w.status}: ${w.body.slice(0, 200)}`);
    }
    const latencies: number[] = [];
    let failures = 0;
    const total = RATE * SECONDS;
    const start = performance.now() + 20;
    const pending: Array<Promise<void>> = [];
    for (let k = 0; k < total; k++) {
      const due = start + (k * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      pending.push(
        post(url, apiKey.key, { question: qs[20 + k], mode: 'extractive' }, agent).then(
          (res) => {
            latencies.push(performance.now() - due);
            const ok = res.status === 200 && (JSON.parse(res.body) as { data: { status: string } }).data.status === 'completed';
            if (!ok) failures++;
          },
          () => {
            failures++;
          },
        ),
      );
    }
    await Promise.all(pending);
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const chunks = (await getSpaceRetrieval().index(tenant.id, spaceId))?.chunkCount ?? 0;
    return { chunks, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? NaN, failures, sent: total };
  } finally {
    await host.stop();
  }
}

runBench(async () => {
  process.env.LOG_LEVEL = 'warn';
  process.env.RATE_LIMIT_ENABLED = 'false';
  installFunctionsCore();
  const emulators = await startEmulators({ webPubSub: false });
  resetConfig();
  await resetServices();
  try {
    console.log(
      `bench:query — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}; emulators in this process${(globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc: heap figures are rough)'}`,
    );
    const rows: IndexFigures[] = [];
    for (const n of [1_000, 10_000]) {
      const f = await benchIndex(n);
      rows.push(f);
      console.log(
        `${String(f.chunks).padStart(6)} chunks: build ${ms(f.buildMs)}, heap +${mb(f.heapBytes)} (estimate ${mb(f.estimatedBytes)}), snapshot ${mb(f.snapshotBytes)}`,
      );
      console.log(`               retrieval (warm) p50 ${ms(f.p50)}  p99 ${ms(f.p99)}   cold load from Blob p50 ${ms(f.coldP50)}  max ${ms(f.coldMax)}`);
    }
    const e2e = await benchEndToEnd(emulators.serviceBus);
    console.log(
      `extractive end to end, ${e2e.chunks} chunks, ${RATE} queries/s for ${SECONDS} s (${e2e.sent} sent): p50 ${ms(e2e.p50)}  p99 ${ms(e2e.p99)}  max ${ms(e2e.max)}  failures ${e2e.failures}`,
    );
    const big = rows[1]!; // one row per SIZES entry, 10,000 second
    const targets: Array<[string, boolean]> = [
      [`retrieval p99 < ${TARGET_RETRIEVAL_P99} ms at 10,000 chunks`, big.p99 < TARGET_RETRIEVAL_P99],
      [`cold load of a 10,000-chunk index < ${TARGET_COLD_MS} ms`, big.coldMax < TARGET_COLD_MS],
      [`extractive end to end p99 < ${TARGET_E2E_P99} ms`, e2e.p99 < TARGET_E2E_P99 && e2e.failures === 0],
    ];
    for (const [name, ok] of targets) console.log(`target (${name}): ${ok ? 'MET' : 'NOT MET'}`);
    process.exitCode = targets.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    await resetServices();
    await emulators.stop();
  }
});
