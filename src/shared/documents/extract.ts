/**
 * Turns a stored document's bytes into text, page by page where the format has pages.
 * Libraries: unpdf (pdf.js, serverless build, no worker) for PDF, mammoth for DOCX,
 * html-to-text for HTML. A file that cannot be read gives a typed failure, never a throw,
 * so processing can mark the document `failed` with a reason.
 *
 * Hostile files are bounded here by `limits` (pages, inflated DOCX size, nesting depth, text size)
 * and, around this, by the extraction worker's time and heap limits (src/shared/extraction/).
 * Processing calls this through that worker, never on the request path's thread.
 */
import { convert as htmlToText } from 'html-to-text';
import mammoth from 'mammoth';
import { getDocumentProxy } from 'unpdf';
import type { TextPage } from '../core/chunking';
import { DEFAULT_EXTRACT_LIMITS, type ExtractLimits } from '../extraction/limits';
import { htmlDeeperThan, jsonDeeperThan } from '../extraction/nesting';
import { checkDocxZip } from '../extraction/zip-guard';
import { DOCX, PDF } from './content-type';

export type ExtractFailureReason =
  | 'unsupported_type'
  | 'invalid_text'
  | 'invalid_json'
  | 'unparseable_pdf'
  | 'encrypted_pdf'
  | 'unparseable_docx'
  | 'no_text'
  // Limits (see ExtractLimits and the worker's settings):
  | 'too_many_pages'
  | 'too_deeply_nested'
  | 'extraction_too_large'
  | 'extraction_timeout'
  | 'extraction_failed';

export type ExtractResult = { ok: true; pages: TextPage[] } | { ok: false; reason: ExtractFailureReason; message: string };

const fail = (reason: ExtractFailureReason, message: string): ExtractResult => ({ ok: false, reason, message });

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Normalises line endings and drops trailing spaces and tabs, so offsets are stable across
 * platforms. Linear: a backtracking `/[ \t]+\n/g` is quadratic on a long run of spaces with no line
 * break (a 4 MB line took 39 s).
 */
export function tidy(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i]!;
    let end = line.length;
    while (end > 0 && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09)) end--;
    if (end < line.length) lines[i] = line.slice(0, end);
  }
  return lines.join('\n');
}

const tooMuchText = (max: number): ExtractResult => fail('extraction_too_large', `The document yields more than ${max} bytes of text.`);

async function extractPdf(bytes: Uint8Array, limits: ExtractLimits): Promise<ExtractResult> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>> | undefined;
  try {
    // A copy: pdf.js transfers (detaches) the buffer it is given.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, verbosity: 0 });
    // From the page tree's /Count, before any page is read.
    if (pdf.numPages > limits.maxPages) return fail('too_many_pages', `The PDF has ${pdf.numPages} pages; the limit is ${limits.maxPages}.`);
    // One page at a time (unpdf's extractText reads every page at once), counting the text as it comes.
    const pages: TextPage[] = [];
    let size = 0;
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) if ('str' in item) text += item.str + (item.hasEOL ? '\n' : '');
      page.cleanup();
      size += Buffer.byteLength(text);
      if (size > limits.maxTextBytes) return tooMuchText(limits.maxTextBytes);
      pages.push({ page: n, text: tidy(text) });
    }
    return { ok: true, pages };
  } catch (e) {
    const name = e instanceof Error ? e.name : '';
    if (name === 'PasswordException') return fail('encrypted_pdf', 'The PDF is password-protected.');
    return fail('unparseable_pdf', 'The PDF could not be read.');
  } finally {
    await pdf?.destroy().catch(() => undefined);
  }
}

async function extractDocx(bytes: Uint8Array, limits: ExtractLimits): Promise<ExtractResult> {
  const zip = checkDocxZip(bytes, limits.maxInflatedBytes);
  if (!zip.ok) return fail(zip.reason, zip.message);
  try {
    const { value } = await mammoth.extractRawText({ buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
    return { ok: true, pages: [{ page: null, text: tidy(value) }] };
  } catch {
    return fail('unparseable_docx', 'The Word document could not be read.');
  }
}

const tooDeep = (max: number): ExtractResult => fail('too_deeply_nested', `The document nests deeper than ${max} levels.`);

function extractTextual(contentType: string, bytes: Uint8Array, limits: ExtractLimits): ExtractResult {
  const raw = decodeUtf8(bytes);
  if (raw === undefined || raw.includes('\0')) return fail('invalid_text', 'The file is not valid UTF-8 text.');
  switch (contentType) {
    case 'text/html':
      if (htmlDeeperThan(raw, limits.maxDepth)) return tooDeep(limits.maxDepth);
      return {
        ok: true,
        pages: [
          {
            page: null,
            text: tidy(
              htmlToText(raw, {
                wordwrap: false,
                // Its default silently cuts input past 16 MiB; the size limits apply to the result instead.
                limits: { maxInputLength: 0 },
                selectors: [
                  { selector: 'a', options: { ignoreHref: true } },
                  { selector: 'img', format: 'skip' },
                ],
              }),
            ),
          },
        ],
      };
    case 'application/json': {
      if (jsonDeeperThan(raw, limits.maxDepth)) return tooDeep(limits.maxDepth);
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return fail('invalid_json', 'The file is not valid JSON.');
      }
      // Pretty-printed so the chunker finds line boundaries in minified JSON.
      return { ok: true, pages: [{ page: null, text: JSON.stringify(parsed, null, 2) }] };
    }
    default:
      return { ok: true, pages: [{ page: null, text: tidy(raw) }] };
  }
}

/** Extracts text; `contentType` is the normalised type recorded at upload. */
export async function extractDocumentText(contentType: string, bytes: Uint8Array, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS): Promise<ExtractResult> {
  let result: ExtractResult;
  if (contentType === PDF) result = await extractPdf(bytes, limits);
  else if (contentType === DOCX) result = await extractDocx(bytes, limits);
  else if (['text/plain', 'text/markdown', 'text/csv', 'text/html', 'application/json'].includes(contentType))
    result = extractTextual(contentType, bytes, limits);
  else return fail('unsupported_type', `Text cannot be extracted from ${contentType}.`);

  if (result.ok && result.pages.reduce((sum, p) => sum + Buffer.byteLength(p.text), 0) > limits.maxTextBytes) {
    return tooMuchText(limits.maxTextBytes);
  }

  if (result.ok && result.pages.every((p) => p.text.trim() === '')) {
    return fail('no_text', 'The document contains no extractable text (a scanned PDF needs OCR).');
  }
  return result;
}
