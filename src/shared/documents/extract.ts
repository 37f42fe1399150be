/**
 * Turns a stored document's bytes into text, page by page where the format has pages.
 * Libraries: unpdf (pdf.js, serverless build, no worker) for PDF, mammoth for DOCX,
 * html-to-text for HTML. A file that cannot be read gives a typed failure, never a throw,
 * so processing can mark the document `failed` with a reason.
 */
import { convert as htmlToText } from 'html-to-text';
import mammoth from 'mammoth';
import { extractText as extractPdfText, getDocumentProxy } from 'unpdf';
import type { TextPage } from '../core/chunking';
import { DOCX, PDF } from './content-type';

export type ExtractFailureReason =
  | 'unsupported_type'
  | 'invalid_text'
  | 'invalid_json'
  | 'unparseable_pdf'
  | 'encrypted_pdf'
  | 'unparseable_docx'
  | 'no_text';

export type ExtractResult =
  | { ok: true; pages: TextPage[] }
  | { ok: false; reason: ExtractFailureReason; message: string };

const fail = (reason: ExtractFailureReason, message: string): ExtractResult => ({ ok: false, reason, message });

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Normalises line endings and drops trailing spaces, so offsets are stable across platforms. */
const tidy = (text: string): string => text.replace(/\r\n?/g, '\n').replace(/[ \t]+\n/g, '\n');

async function extractPdf(bytes: Uint8Array): Promise<ExtractResult> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>> | undefined;
  try {
    // A copy: pdf.js transfers (detaches) the buffer it is given.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, verbosity: 0 });
    const { text } = await extractPdfText(pdf, { mergePages: false });
    return { ok: true, pages: text.map((t, i) => ({ page: i + 1, text: tidy(t) })) };
  } catch (e) {
    const name = e instanceof Error ? e.name : '';
    if (name === 'PasswordException') return fail('encrypted_pdf', 'The PDF is password-protected.');
    return fail('unparseable_pdf', 'The PDF could not be read.');
  } finally {
    await pdf?.destroy().catch(() => undefined);
  }
}

async function extractDocx(bytes: Uint8Array): Promise<ExtractResult> {
  try {
    const { value } = await mammoth.extractRawText({ buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
    return { ok: true, pages: [{ page: null, text: tidy(value) }] };
  } catch {
    return fail('unparseable_docx', 'The Word document could not be read.');
  }
}

function extractTextual(contentType: string, bytes: Uint8Array): ExtractResult {
  const raw = decodeUtf8(bytes);
  if (raw === undefined || raw.includes('\0')) return fail('invalid_text', 'The file is not valid UTF-8 text.');
  switch (contentType) {
    case 'text/html':
      return {
        ok: true,
        pages: [
          {
            page: null,
            text: tidy(
              htmlToText(raw, {
                wordwrap: false,
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
export async function extractDocumentText(contentType: string, bytes: Uint8Array): Promise<ExtractResult> {
  let result: ExtractResult;
  if (contentType === PDF) result = await extractPdf(bytes);
  else if (contentType === DOCX) result = await extractDocx(bytes);
  else if (['text/plain', 'text/markdown', 'text/csv', 'text/html', 'application/json'].includes(contentType))
    result = extractTextual(contentType, bytes);
  else return fail('unsupported_type', `Text cannot be extracted from ${contentType}.`);

  if (result.ok && result.pages.every((p) => p.text.trim() === '')) {
    return fail('no_text', 'The document contains no extractable text (a scanned PDF needs OCR).');
  }
  return result;
}
