/**
 * Text extraction off the host's thread: one long-lived worker thread (a pool of one) with a V8
 * heap limit, each document under a wall-clock limit. A document that runs past the limit, or
 * exhausts the worker's heap, or crashes it, costs only that worker: it is terminated, the
 * document gets a failure reason, and the next document starts a fresh worker.
 *
 * One worker, not one per document: starting a worker and loading pdf.js, mammoth and html-to-text
 * into it costs about 350 ms, spawning a bare one about 30 ms (measured on the shared 2-core machine).
 * One, not several: documents on an instance are extracted in turn, so the memory an instance
 * spends on extraction is bounded by one worker's limit whatever the queue's concurrency.
 *
 * V8's heap limit does not count ArrayBuffers (pdf.js holds a decoded stream in one, jszip its
 * inflated parts), so a watchdog also stops the worker when the process's RSS grows more than
 * twice EXTRACT_MAX_MEMORY_MB above where it was when the document started (measured: a PDF
 * stream inflating to 400 MB took the process to 1.2 GB under a 256 MB heap limit without it).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { getConfig } from '../config';
import type { ExtractResult } from '../documents/extract';
import { projectRoot } from '../project-root';
import { onServicesReset } from '../services';
import { extractLimitsFrom, workerLimitsFrom, type ExtractLimits, type WorkerLimits } from './limits';
import type { ExtractReply, ExtractRequest } from './worker';

interface Job {
  contentType: string;
  bytes: Uint8Array;
  limits: ExtractLimits;
  workerLimits: WorkerLimits;
  resolve: (r: ExtractResult) => void;
}

const MB = 1024 * 1024;
/** How often the RSS watchdog looks (reading RSS costs a few microseconds). */
const WATCH_MS = 25;

const failure = (reason: 'extraction_timeout' | 'extraction_too_large' | 'extraction_failed', message: string): ExtractResult => ({
  ok: false,
  reason,
  message,
});

let script: string | undefined;

/**
 * The worker's script: worker.js beside this file when built (dist/, what is deployed). Running
 * from TypeScript sources (vitest), it is bundled once with esbuild, a development dependency,
 * into node_modules/.cache (so its packages resolve from the project's node_modules).
 */
function workerScript(): string {
  if (script) return script;
  const built = join(__dirname, 'worker.js');
  if (existsSync(built)) return (script = built);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- development-only, never in the deployed build
  const esbuild = require('esbuild') as typeof import('esbuild');
  const out = esbuild.buildSync({
    entryPoints: [join(__dirname, 'worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]?.text;
  if (code === undefined) throw new Error('esbuild produced no extraction worker bundle');
  const dir = join(projectRoot(), 'node_modules', '.cache', 'eva-extraction');
  const file = join(dir, `worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.js`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    // Written aside and renamed: test processes may build it at the same time.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  }
  return (script = file);
}

export class ExtractionWorker {
  private worker: Worker | undefined;
  private workerMemoryMb = 0;
  private readonly queue: Job[] = [];
  private running: Job | undefined;
  private nextId = 1;
  /** Workers started so far (for tests and the bench). */
  started = 0;

  extract(contentType: string, bytes: Uint8Array, limits: ExtractLimits, workerLimits: WorkerLimits): Promise<ExtractResult> {
    return new Promise((resolve) => {
      this.queue.push({ contentType, bytes, limits, workerLimits, resolve });
      this.pump();
    });
  }

  /** Stops the worker (idle or not); queued documents still run, on a new one. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  private spawn(memoryMb: number): Worker {
    const w = new Worker(workerScript(), {
      resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(4, memoryMb / 8)), stackSizeMb: 4 },
      stdout: true, // pdf.js may print warnings; they are not the host's output
      stderr: true,
    });
    w.stdout.resume();
    w.stderr.resume();
    w.on('error', () => undefined); // reported through the running job's own listener
    w.unref(); // an idle worker never keeps the process alive
    this.started++;
    this.workerMemoryMb = memoryMb;
    return w;
  }

  private pump(): void {
    if (this.running) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running = job;
    if (this.worker && this.workerMemoryMb !== job.workerLimits.maxMemoryMb) void this.close();
    const w = (this.worker ??= this.spawn(job.workerLimits.maxMemoryMb));
    const id = this.nextId++;
    let done = false;
    const finish = (result: ExtractResult, kill: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(watchdog);
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
      if (kill && this.worker === w) {
        this.worker = undefined;
        void w.terminate();
      }
      this.running = undefined;
      job.resolve(result);
      this.pump();
    };
    const onMessage = (reply: ExtractReply): void => {
      if (reply.id === id) finish(reply.result, false);
    };
    const onError = (e: Error & { code?: string }): void => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') finish(failure('extraction_too_large', 'Reading the document needed more memory than allowed.'), true);
      else finish(failure('extraction_failed', 'The document could not be read.'), true);
    };
    const onExit = (): void => finish(failure('extraction_failed', 'The document could not be read.'), true);
    const timer = setTimeout(
      () => finish(failure('extraction_timeout', `Reading the document took longer than ${job.workerLimits.timeoutMs} ms.`), true),
      job.workerLimits.timeoutMs,
    );
    const rssLimit = process.memoryUsage.rss() + 2 * job.workerLimits.maxMemoryMb * MB;
    const watchdog = setInterval(() => {
      if (process.memoryUsage.rss() > rssLimit) finish(failure('extraction_too_large', 'Reading the document needed more memory than allowed.'), true);
    }, WATCH_MS);
    watchdog.unref();
    w.on('message', onMessage);
    w.once('error', onError);
    w.once('exit', onExit);
    // A fresh copy is transferred: the caller's buffer may share a pooled ArrayBuffer.
    const bytes = new Uint8Array(job.bytes);
    const req: ExtractRequest = { id, contentType: job.contentType, bytes, limits: job.limits };
    w.postMessage(req, [bytes.buffer]);
  }
}

let shared: ExtractionWorker | undefined;

/** The process's extraction worker (started on first use, stopped by resetServices). */
export function extractionWorker(): ExtractionWorker {
  if (!shared) {
    const w = (shared = new ExtractionWorker());
    onServicesReset(async () => {
      if (shared === w) shared = undefined;
      await w.close();
    });
  }
  return shared;
}

/** Extracts a document's text in the worker, under the configured limits. */
export function extractInWorker(contentType: string, bytes: Uint8Array): Promise<ExtractResult> {
  const c = getConfig();
  return extractionWorker().extract(contentType, bytes, extractLimitsFrom(c), workerLimitsFrom(c));
}
