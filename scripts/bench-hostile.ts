/**
 * npm run bench:hostile — the hostile documents of issue 9 through the extraction worker with the
 * default limits (as document processing runs them), printing each one's outcome and time and the
 * process's peak RSS (the worker thread's memory is part of the process's RSS). The files are made
 * by a child process (making a 256 MB bomb would itself raise this process's RSS) and read from a
 * temporary directory; the baseline is the RSS with the worker warm.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/shared/config';
import { DOCX, PDF } from '../src/shared/documents/content-type';
import { extractLimitsFrom, workerLimitsFrom } from '../src/shared/extraction/limits';
import { ExtractionWorker } from '../src/shared/extraction/run-in-worker';
import { runBench } from './bench-lib';
import { deepHtml, deepJson, docxBomb, hugeStreamPdf, manyPagesPdf, oneLineText } from '../local/hostile-documents';

const MB = 1024 * 1024;
const mb = (n: number): string => (n / MB).toFixed(0);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

const CASES: Array<[string, string, () => Buffer]> = [
  ['DOCX inflating to 256 MB', DOCX, () => docxBomb(256 * MB)],
  ['DOCX stating 1 KiB, inflating to 256 MB', DOCX, () => docxBomb(256 * MB, true)],
  ['PDF of 100,000 pages', PDF, () => manyPagesPdf(100_000)],
  ['PDF stream inflating to 400 MB', PDF, () => hugeStreamPdf(400 * MB)],
  ['HTML nested 100,000 deep', 'text/html', () => deepHtml(100_000)],
  ['JSON nested 100,000 deep', 'application/json', () => deepJson(100_000)],
  ['text: one 25 MB line', 'text/plain', () => oneLineText(25_000_000)],
];

async function makeFiles(dir: string): Promise<void> {
  const child = fork(__filename, ['--make', dir], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error('making the hostile files failed');
}

async function main(): Promise<void> {
  if (process.argv[2] === '--make') {
    CASES.forEach(([, , make], i) => writeFileSync(join(process.argv[3]!, String(i)), make()));
    return;
  }
  const config = loadConfig({});
  const limits = extractLimitsFrom(config);
  const workerLimits = workerLimitsFrom(config);
  const dir = mkdtempSync(join(tmpdir(), 'eva-hostile-'));
  await makeFiles(dir);
  const worker = new ExtractionWorker();
  await worker.extract('text/plain', Buffer.from('warm up'), limits, workerLimits);
  gc();
  const baseline = process.memoryUsage.rss();
  console.log(
    `limits: EXTRACT_TIMEOUT_MS=${workerLimits.timeoutMs} EXTRACT_MAX_MEMORY_MB=${workerLimits.maxMemoryMb} ` +
      `EXTRACT_MAX_INFLATED_BYTES=${limits.maxInflatedBytes} EXTRACT_MAX_PAGES=${limits.maxPages} EXTRACT_MAX_TEXT_BYTES=${limits.maxTextBytes}`,
  );
  console.log(`baseline RSS (host + warm worker): ${mb(baseline)} MB\n`);
  console.log('case'.padEnd(44) + 'file MB'.padStart(8) + 'outcome'.padStart(24) + 'ms'.padStart(8) + 'peak RSS MB'.padStart(13));
  let overall = baseline;
  for (const [i, [name, type]] of CASES.entries()) {
    let bytes: Buffer | undefined = readFileSync(join(dir, String(i)));
    const size = bytes.length;
    gc();
    let peak = process.memoryUsage.rss();
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 5);
    const started = performance.now();
    const r = await worker.extract(type, bytes, limits, workerLimits);
    const ms = performance.now() - started;
    clearInterval(sampler);
    bytes = undefined;
    peak = Math.max(peak, process.memoryUsage.rss());
    overall = Math.max(overall, peak);
    const outcome = r.ok ? `ok (${r.pages.length} page${r.pages.length === 1 ? '' : 's'})` : r.reason;
    console.log(name.padEnd(44) + (size / MB).toFixed(1).padStart(8) + outcome.padStart(24) + ms.toFixed(0).padStart(8) + mb(peak).padStart(13));
    gc();
  }
  console.log(`\npeak RSS ${mb(overall)} MB, ${mb(overall - baseline)} MB above the baseline; workers started: ${worker.started}`);
  await worker.close();
  rmSync(dir, { recursive: true, force: true });
}

runBench(main);
