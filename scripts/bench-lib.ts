/**
 * What the bench scripts share: HTTP load with autocannon in a child process, its figures as a
 * printed row, percentiles, and the run-main-and-exit wrapper.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

export interface LoadFigures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  connections?: number;
  seconds?: number;
  headers?: Record<string, string>;
  /** Default GET; with `body` (sent as is) e.g. POST. */
  method?: string;
  body?: string;
}

const run = promisify(execFile);
const AUTOCANNON = require.resolve('autocannon/autocannon.js');

/** The load runs in a child process, so the load generator doesn't share the event loop it measures. */
export async function load(url: string, options: LoadOptions = {}): Promise<LoadFigures> {
  const headers = Object.entries(options.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  const request = [...(options.method ? ['-m', options.method] : []), ...(options.body !== undefined ? ['-b', options.body] : [])];
  const args = ['-j', '-c', String(options.connections ?? CONNECTIONS), '-d', String(options.seconds ?? SECONDS), ...headers, ...request, url];
  const { stdout } = await run(process.execPath, [AUTOCANNON, ...args], { maxBuffer: 16 * 1024 * 1024 });
  const r = JSON.parse(stdout) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    errors: number;
    non2xx: number;
  };
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

/** One printed line of load figures, aligned with the others. */
export const figuresRow = (name: string, f: LoadFigures): string =>
  `${name.padEnd(22)} ${f.rps.toFixed(0).padStart(8)} req/s   p50 ${String(f.p50).padStart(5)} ms   p99 ${String(f.p99).padStart(5)} ms   errors ${f.errors}  non-2xx ${f.non2xx}`;

/**
 * The p-th percentile of ascending `sorted` by nearest rank (the smallest value with at least p% of
 * the samples at or below it; NaN when empty). Every bench uses this one definition, so their p99s
 * compare: of 100 samples, p50 is the 50th and p99 the 99th, never the maximum.
 */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

/** The median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return NaN;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Runs a bench's main; any failure is printed and exits 1 (main sets exitCode for unmet targets). */
export function runBench(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
