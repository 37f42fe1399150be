import { describe, expect, it } from 'vitest';
import { chunkPages } from '../../src/shared/core/chunking';
import { DOCX, PDF } from '../../src/shared/documents/content-type';
import { extractDocumentText } from '../../src/shared/documents/extract';
import { brokenPdf, fakePdf, makeDocx, makePdf, makeTwoPagePdf, pngBytes } from '../helpers/document-fixtures';

describe('extractDocumentText', () => {
  it('extracts a real two-page PDF page by page, so chunks know their page', async () => {
    const r = await extractDocumentText(PDF, await makeTwoPagePdf());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.pages.map((p) => p.page)).toEqual([1, 2]);
    expect(r.pages[0]!.text).toContain('Alpha page one');
    expect(r.pages[0]!.text).not.toContain('Beta');
    expect(r.pages[1]!.text).toContain('Beta page two');
    const chunks = chunkPages(r.pages, { size: 60, overlap: 0 });
    expect(chunks.find((c) => c.text.includes('Beta'))!.pageEnd).toBe(2);
    expect(chunks.at(-1)!.page).toBe(2);
    expect(chunks[0]!.page).toBe(1);
  });

  it('extracts a DOCX with its paragraphs', async () => {
    const r = await extractDocumentText(DOCX, await makeDocx(['First paragraph.', 'Second & last <paragraph>.']));
    expect(r).toEqual({ ok: true, pages: [{ page: null, text: expect.stringContaining('First paragraph.') }] });
    if (r.ok) expect(r.pages[0]!.text).toContain('Second & last <paragraph>.');
  });

  it('turns HTML into readable text without markup, scripts or link targets', async () => {
    const html =
      '<html><head><title>T</title><script>var x = 1;</script><style>p{}</style></head>' +
      '<body><h1>Heading</h1><p>Some <b>bold</b> text with a <a href="https://example.invalid/x">link</a>.</p></body></html>';
    const r = await extractDocumentText('text/html', Buffer.from(html));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const text = r.pages[0]!.text;
    expect(text).toContain('Some bold text with a link.');
    expect(text).not.toMatch(/<|var x|example\.invalid/);
  });

  it('keeps plain text, markdown and CSV as they are (line endings normalised)', async () => {
    for (const t of ['text/plain', 'text/markdown', 'text/csv']) {
      const r = await extractDocumentText(t, Buffer.from('\ufeffa,b\r\n1,2\r\n'));
      expect(r).toEqual({ ok: true, pages: [{ page: null, text: 'a,b\n1,2\n' }] });
    }
  });

  it('pretty-prints JSON so it chunks on lines', async () => {
    const r = await extractDocumentText('application/json', Buffer.from('{"a":{"b":[1,2]}}'));
    expect(r.ok && r.pages[0]!.text).toBe('{\n  "a": {\n    "b": [\n      1,\n      2\n    ]\n  }\n}');
  });

  it('returns typed failures instead of throwing', async () => {
    expect(await extractDocumentText(PDF, fakePdf())).toMatchObject({ ok: false, reason: 'unparseable_pdf' });
    expect(await extractDocumentText(PDF, brokenPdf())).toMatchObject({ ok: false, reason: 'unparseable_pdf' });
    expect(await extractDocumentText(PDF, Buffer.alloc(0))).toMatchObject({ ok: false, reason: 'unparseable_pdf' });
    expect(await extractDocumentText(DOCX, fakePdf())).toMatchObject({ ok: false, reason: 'unparseable_docx' });
    expect(await extractDocumentText('application/json', Buffer.from('{nope'))).toMatchObject({ ok: false, reason: 'invalid_json' });
    expect(await extractDocumentText('text/plain', Buffer.from([0xff, 0xfe, 0x00]))).toMatchObject({ ok: false, reason: 'invalid_text' });
    expect(await extractDocumentText('image/png', pngBytes())).toMatchObject({ ok: false, reason: 'unsupported_type' });
  });

  it('reports a document with no text (e.g. a scanned PDF) as no_text', async () => {
    expect(await extractDocumentText(PDF, await makePdf([[], []]))).toMatchObject({ ok: false, reason: 'no_text' });
    expect(await extractDocumentText('text/plain', Buffer.from('  \n '))).toMatchObject({ ok: false, reason: 'no_text' });
  });
});
