import { afterAll, describe, expect, it } from 'vitest';
import { DOCX, PDF } from '../../src/shared/documents/content-type';
import { extractDocumentText, tidy } from '../../src/shared/documents/extract';
import { DEFAULT_EXTRACT_LIMITS, type WorkerLimits } from '../../src/shared/extraction/limits';
import { htmlDeeperThan, jsonDeeperThan } from '../../src/shared/extraction/nesting';
import { ExtractionWorker } from '../../src/shared/extraction/run-in-worker';
import { checkDocxZip } from '../../src/shared/extraction/zip-guard';
import { deepHtml, deepJson, docxBomb, hugeStreamPdf, manyPagesPdf, oneLineText } from '../../local/hostile-documents';
import { makeDocx, makeTwoPagePdf } from '../helpers/document-fixtures';

const MB = 1024 * 1024;
const worker = new ExtractionWorker();
const generous: WorkerLimits = { timeoutMs: 60_000, maxMemoryMb: 256 };
const run = (type: string, bytes: Uint8Array, limits = DEFAULT_EXTRACT_LIMITS, w = generous) => worker.extract(type, bytes, limits, w);

afterAll(() => worker.close());
let streamPdf: Buffer | undefined;
/** A one-page PDF whose content stream inflates to 40 MB of text operators (made once: about 0.5 s). */
const bigStreamPdf = (): Buffer => (streamPdf ??= hugeStreamPdf(40 * MB));

describe('hostile documents end with a reason, in the worker, and the worker is reused between good ones', () => {
  it('extracts good documents in one reused worker', async () => {
    const pdf = await run(PDF, await makeTwoPagePdf());
    expect(pdf).toMatchObject({ ok: true, pages: [{ page: 1 }, { page: 2 }] });
    expect(await run(DOCX, await makeDocx(['Hello there.']))).toMatchObject({ ok: true, pages: [{ text: expect.stringContaining('Hello there.') }] });
    expect(worker.started).toBe(1);
  });

  it('refuses a DOCX zip bomb from its stated sizes, and a lying one by a capped inflate', async () => {
    const limits = { ...DEFAULT_EXTRACT_LIMITS, maxInflatedBytes: 4 * MB };
    expect(await run(DOCX, docxBomb(16 * MB), limits)).toMatchObject({ ok: false, reason: 'extraction_too_large' });
    const liar = docxBomb(16 * MB, true);
    expect(checkDocxZip(liar, 4 * MB)).toMatchObject({ ok: false, reason: 'extraction_too_large' });
    expect(await run(DOCX, liar, limits)).toMatchObject({ ok: false, reason: 'extraction_too_large' });
    // Under the limit the same construction reads (the guard is not what refuses everything).
    expect(checkDocxZip(docxBomb(MB), 4 * MB)).toEqual({ ok: true });
  });

  it('refuses a PDF of 100,000 pages from its page tree', async () => {
    expect(await run(PDF, manyPagesPdf(100_000))).toMatchObject({ ok: false, reason: 'too_many_pages' });
  });

  it('stops a PDF whose object stream exhausts the heap, then carries on in a fresh worker', async () => {
    const before = worker.started;
    expect(await run(PDF, bigStreamPdf(), DEFAULT_EXTRACT_LIMITS, { timeoutMs: 60_000, maxMemoryMb: 16 })).toMatchObject({
      ok: false,
      reason: 'extraction_too_large',
    });
    expect(await run('text/plain', Buffer.from('still working'))).toMatchObject({ ok: true });
    expect(worker.started).toBeGreaterThan(before);
  });

  it('stops an extraction past its time limit', async () => {
    expect(await run(PDF, bigStreamPdf(), DEFAULT_EXTRACT_LIMITS, { timeoutMs: 200, maxMemoryMb: 512 })).toMatchObject({
      ok: false,
      reason: 'extraction_timeout',
    });
    expect(await run('text/plain', Buffer.from('after a timeout'))).toMatchObject({ ok: true });
  });

  it('refuses HTML and JSON nested 100,000 deep, and reads them at the limit', async () => {
    expect(await run('text/html', deepHtml(100_000))).toMatchObject({ ok: false, reason: 'too_deeply_nested' });
    expect(await run('application/json', deepJson(100_000))).toMatchObject({ ok: false, reason: 'too_deeply_nested' });
    expect(await run('text/html', deepHtml(500))).toMatchObject({ ok: true, pages: [{ text: 'deep' }] });
    expect(await run('application/json', deepJson(512))).toMatchObject({ ok: true });
    // Brackets inside strings, escaped quotes and void elements do not count.
    expect(jsonDeeperThan('{"a":"[[[[\\"[[[["}', 2)).toBe(false);
    expect(htmlDeeperThan(`<div>${'<br><img>'.repeat(10)}<p>a<p>b</div>`, 2)).toBe(false);
  });

  it('reads a text file of one 25 MB line (trailing-space removal is linear)', async () => {
    const r = await run('text/plain', oneLineText(25 * 1_000_000));
    expect(r.ok && r.pages[0]!.text.length).toBe(25 * 1_000_000);
    expect(tidy('a  \r\nb\t \nc  ')).toBe('a\nb\nc  ');
  });

  it('refuses text past EXTRACT_MAX_TEXT_BYTES', async () => {
    expect(await extractDocumentText('text/plain', oneLineText(4096), { ...DEFAULT_EXTRACT_LIMITS, maxTextBytes: 1024 })).toMatchObject({
      ok: false,
      reason: 'extraction_too_large',
    });
  });
});
