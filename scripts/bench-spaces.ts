/**
 * npm run bench:spaces — through the local host with the embedded Cosmos emulator and Azurite, in one run:
 *  1. authenticated GET /api/v1/spaces/{id} and GET /api/v1/spaces?limit=20 for a tenant with 1,000
 *     spaces, at a fixed 100 requests/s (p50/p99; target p99 < 50 ms), then unthrottled (capacity);
 *  2. upload throughput (MB/s) of 5 MB documents through the API beside a direct @azure/storage-blob
 *     upload of the same bytes (target >= 70%);
 *  3. memory while uploading 5 MB and 20 MB documents (streamed: the peak must not grow with size).
 * Loopback only. The emulators run in a child process (as Cosmos and Storage are other machines in
 * Azure), so their CPU and the blobs they keep in memory are not counted against the API process.
 * The document-process function is not loaded, so processing does not compete with the uploads
 * being measured. BENCH_SECONDS (default 10) sets each read run's length; BENCH_PART=uploads skips the reads.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import autocannon from 'autocannon';
import { installFunctionsCore } from '../local/functions-core';
import { startEmulators } from '../local/emulators';
import { projectRoot, startLocalHost } from '../local/host';
import { getConfig, resetConfig } from '../src/shared/config';
import { createTenant } from '../src/shared/identity/tenants';
import { resetServices } from '../src/shared/services';
import { createSpace } from '../src/shared/spaces/spaces';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SPACES = 1_000;
const RATE = 100;
const MB = 1024 * 1024;
const UPLOADS = 8;
const keepAlive = new Agent({ keepAlive: true });

const FUNCTIONS = ['spaces-get', 'spaces-list', 'documents-upload'];

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, key: string, paths: string[], rate?: number): Promise<Figures> {
  let i = 0;
  const r = await autocannon({
    url,
    connections: rate ? 10 : 20,
    duration: SECONDS,
    ...(rate ? { overallRate: rate } : {}),
    headers: { 'x-api-key': key },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

/** Unique text so every upload is a new document (no deduplication shortcut). */
const documentBytes = (size: number): Buffer => {
  const line = 'The committee reviewed the quarterly figures and agreed on the next steps.\n';
  const b = Buffer.alloc(size, line);
  b.write(`${randomBytes(16).toString('hex')}\n`, 0);
  return b;
};

/**
 * POSTs the bytes as a raw body with node:http (fetch would copy the whole body first, which would
 * hide whether the server streams).
 */
function uploadViaApi(api: string, key: string, spaceId: string, bytes: Buffer): Promise<void> {
  const url = new URL(`${api}/v1/spaces/${spaceId}/documents?filename=bench.txt`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent: keepAlive, headers: { 'x-api-key': key, 'content-type': 'text/plain', 'content-length': bytes.length } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`upload answered ${res.statusCode}: ${Buffer.concat(parts).toString()}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}

/**
 * Peak growth of live memory (heap + array buffers, MB) while `fn` runs: sampled every 10 ms right
 * after a forced GC (node --expose-gc), so garbage waiting for collection is not counted.
 */
async function peakMemoryDuring(fn: () => Promise<void>): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const used = () => {
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const base = used();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, used());
  }, 10);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return (peak - base) / MB;
}

type EmulatorSettings = Record<'COSMOS_DB_ENDPOINT' | 'COSMOS_DB_KEY' | 'BLOB_STORAGE_CONNECTION_STRING', string>;

/** Child mode: start both emulators, hand their settings to the parent, stop when told to. */
async function serveEmulators(): Promise<void> {
  const emulators = await startEmulators();
  const settings: EmulatorSettings = {
    COSMOS_DB_ENDPOINT: process.env.COSMOS_DB_ENDPOINT!,
    COSMOS_DB_KEY: process.env.COSMOS_DB_KEY!,
    BLOB_STORAGE_CONNECTION_STRING: process.env.BLOB_STORAGE_CONNECTION_STRING!,
  };
  process.send?.(settings);
  process.on('message', () => {
    void emulators.stop().finally(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
}

function startEmulatorProcess(): Promise<{ child: ChildProcess; settings: EmulatorSettings }> {
  const child = fork(__filename, ['--emulators'], { env: { ...process.env, LOG_LEVEL: 'warn' } });
  return new Promise((resolve, reject) => {
    child.once('message', (settings) => resolve({ child, settings: settings as EmulatorSettings }));
    child.once('exit', (code) => reject(new Error(`emulator process exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL = 'warn';
  process.env.RATE_LIMIT_ENABLED = 'false';
  delete process.env.COSMOS_DB_ENDPOINT;
  delete process.env.BLOB_STORAGE_CONNECTION_STRING;
  const { child, settings } = await startEmulatorProcess();
  Object.assign(process.env, settings);
  resetConfig();
  installFunctionsCore();
  await resetServices();
  const root = projectRoot();
  const host = await startLocalHost({ port: 0, functionFiles: FUNCTIONS.map((f) => join(root, 'dist', 'src', 'functions', `${f}.js`)) });
  const api = `${host.url}/api`;
  try {
    const { tenant, apiKey } = await createTenant({ name: 'bench', tier: 'enterprise' }, 'bench');
    const ids: string[] = [];
    for (let i = 0; i < SPACES; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(25, SPACES - i) }, (_, j) => createSpace(tenant.id, { name: `Space ${String(i + j).padStart(4, '0')}` })),
      );
      ids.push(...batch.map((s) => s.id));
    }
    const key = apiKey.key;
    const getPaths = ids.map((id) => `/api/v1/spaces/${id}`);
    const listPaths = ['/api/v1/spaces?limit=20'];

    // Warm-up: JIT, connections, Cosmos container creation.
    await autocannon({ url: host.url, connections: 5, duration: 1, headers: { 'x-api-key': key }, requests: [{ method: 'GET', path: getPaths[0] }] });

    const skipReads = process.env.BENCH_PART === 'uploads';
    const none: Figures = { rps: 0, p50: 0, p99: 0, errors: 0, non2xx: 0 };
    const getAtRate = skipReads ? none : await load(host.url, key, getPaths, RATE);
    const listAtRate = skipReads ? none : await load(host.url, key, listPaths, RATE);
    const getMax = skipReads ? none : await load(host.url, key, getPaths);
    const listMax = skipReads ? none : await load(host.url, key, listPaths);

    // Uploads: through the API vs straight to Blob with the SDK, same bytes, sequential.
    const space = await createSpace(tenant.id, { name: 'Uploads' });
    const five = Array.from({ length: UPLOADS }, () => documentBytes(5 * MB));
    await uploadViaApi(api, key, space.id, documentBytes(5 * MB)); // warm-up
    let t0 = performance.now();
    for (const b of five) await uploadViaApi(api, key, space.id, b);
    const apiSeconds = (performance.now() - t0) / 1000;

    const container = BlobServiceClient.fromConnectionString(getConfig().BLOB_STORAGE_CONNECTION_STRING!).getContainerClient('bench-direct');
    await container.createIfNotExists();
    await container.getBlockBlobClient('warm').uploadData(documentBytes(5 * MB));
    t0 = performance.now();
    for (const [i, b] of five.entries()) {
      await container.getBlockBlobClient(`direct-${i}`).uploadData(b, { blobHTTPHeaders: { blobContentType: 'text/plain' } });
    }
    const directSeconds = (performance.now() - t0) / 1000;
    const apiMBs = (UPLOADS * 5) / apiSeconds;
    const directMBs = (UPLOADS * 5) / directSeconds;

    const small = documentBytes(5 * MB);
    const large = documentBytes(20 * MB);
    const mem5 = await peakMemoryDuring(() => uploadViaApi(api, key, space.id, small));
    const mem20 = await peakMemoryDuring(() => uploadViaApi(api, key, space.id, large));

    const row = (name: string, f: Figures) =>
      `${name.padEnd(40)} ${f.rps.toFixed(0).padStart(6)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   errors ${f.errors}  non-2xx ${f.non2xx}`;
    console.log(`bench:spaces — local host + embedded Cosmos emulator + Azurite, tenant with ${SPACES} spaces, ${SECONDS} s per read run`);
    console.log(row(`GET /api/v1/spaces/{id} @ ${RATE} req/s`, getAtRate));
    console.log(row(`GET /api/v1/spaces?limit=20 @ ${RATE} req/s`, listAtRate));
    console.log(row('GET /api/v1/spaces/{id} unthrottled', getMax));
    console.log(row('GET /api/v1/spaces?limit=20 unthrottled', listMax));
    const ratio = apiMBs / directMBs;
    console.log(
      `upload ${UPLOADS} x 5 MB: API ${apiMBs.toFixed(1)} MB/s, direct @azure/storage-blob ${directMBs.toFixed(1)} MB/s, ratio ${(ratio * 100).toFixed(0)}% (target >= 70%)`,
    );
    console.log(`API process memory, peak growth during one upload (live heap + array buffers, GC before each sample; the client's file buffer made beforehand): 5 MB file ${mem5.toFixed(1)} MB, 20 MB file ${mem20.toFixed(1)} MB`);
    const readsOk = skipReads || [getAtRate, listAtRate].every((f) => f.p99 < 50 && f.errors === 0 && f.non2xx === 0);
    // "Not growing with size": 4x the file may not need more than a few MB more memory.
    const memoryOk = mem20 < mem5 + 5;
    const ok = readsOk && ratio >= 0.7 && memoryOk;
    console.log(`targets: reads p99 < 50 ms ${skipReads ? 'skipped' : readsOk ? 'MET' : 'NOT MET'}; upload >= 70% ${ratio >= 0.7 ? 'MET' : 'NOT MET'}; memory flat ${memoryOk ? 'MET' : 'NOT MET'}`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await host.stop();
    await resetServices();
    child.send('stop');
  }
}

if (process.argv[2] === '--emulators') {
  serveEmulators().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
} else main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
