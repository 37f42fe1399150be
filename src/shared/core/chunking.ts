/**
 * Splits extracted text into overlapping chunks for retrieval and citations.
 *
 * Hand-written on purpose: the well-kept splitters on npm (@langchain/textsplitters'
 * RecursiveCharacterTextSplitter) need @langchain/core as a peer and return neither character
 * offsets nor page numbers, which citations need. Sentence boundaries come from the built-in,
 * locale-aware Intl.Segmenter rather than a hand-made regex.
 */

export interface TextPage {
  /** 1-based page number; null when the format has no pages (plain text, DOCX, HTML). */
  page: number | null;
  text: string;
}

export interface TextChunk {
  index: number;
  text: string;
  /** Offsets into the document's full text (pages joined with PAGE_SEPARATOR); end is exclusive. */
  start: number;
  end: number;
  /** Page the chunk starts on (null when unknown). */
  page: number | null;
  /** Page the chunk ends on (null when unknown). */
  pageEnd: number | null;
}

export interface ChunkOptions {
  /** Target chunk length in characters (a chunk never exceeds it). */
  size: number;
  /** Characters repeated from the end of one chunk at the start of the next (at most size/4). */
  overlap: number;
}

/** Pages are joined with a paragraph break, so a page end is also a preferred split point. */
export const PAGE_SEPARATOR = '\n\n';

export interface JoinedText {
  text: string;
  /** Start offset of each page in `text`, in page order. */
  pageStarts: Array<{ offset: number; page: number | null }>;
}

export function joinPages(pages: readonly TextPage[]): JoinedText {
  let text = '';
  const pageStarts: JoinedText['pageStarts'] = [];
  for (const p of pages) {
    if (text.length > 0) text += PAGE_SEPARATOR;
    pageStarts.push({ offset: text.length, page: p.page });
    text += p.text;
  }
  return { text, pageStarts };
}

function pageAt(pageStarts: JoinedText['pageStarts'], offset: number): number | null {
  let found: number | null = null;
  for (const s of pageStarts) {
    if (s.offset > offset) break;
    found = s.page;
  }
  return found;
}

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const isSpace = (ch: string): boolean => /\s/.test(ch);

/** Best end for a chunk starting at `start`: paragraph break, then sentence end, then word end, else hard cut. */
function chooseEnd(text: string, start: number, hardEnd: number): number {
  // Never cut so early that chunks become tiny: look in the back half of the window only.
  const minEnd = start + Math.floor((hardEnd - start) / 2);
  const window = text.slice(start, hardEnd);

  const para = window.lastIndexOf('\n\n');
  if (para >= 0 && start + para > minEnd) return start + para;

  let sentence = -1;
  for (const seg of sentenceSegmenter.segment(window)) {
    if (seg.index > 0 && start + seg.index > minEnd) sentence = start + seg.index;
  }
  if (sentence > 0) return sentence;

  for (let i = hardEnd; i > minEnd; i--) {
    if (isSpace(text[i - 1] ?? '')) return i;
  }
  return hardEnd;
}

/** Where the next chunk starts so that it repeats about `overlap` characters, on a sentence or word start. */
function chooseNextStart(text: string, start: number, end: number, overlap: number): number {
  if (overlap <= 0) return end;
  const from = Math.max(start + 1, end - overlap);
  if (from >= end) return end;
  const window = text.slice(from, end);
  for (const seg of sentenceSegmenter.segment(window)) {
    // A sentence starting inside the overlap window (not at its very start, which may be mid-sentence).
    if (seg.index > 0 && from + seg.index < end) return from + seg.index;
  }
  for (let i = from; i < end; i++) {
    if (isSpace(text[i - 1] ?? '') && !isSpace(text[i] ?? '')) return i;
  }
  return from;
}

/** Chunks a document's pages. Whitespace-only input gives no chunks. */
export function chunkPages(pages: readonly TextPage[], options: ChunkOptions): TextChunk[] {
  const size = Math.max(1, Math.floor(options.size));
  // Chunks are longer than size/2 (see chooseEnd), so capping overlap at size/4 guarantees progress.
  const overlap = Math.max(0, Math.min(Math.floor(options.overlap), Math.floor(size / 4)));
  const { text, pageStarts } = joinPages(pages);
  const chunks: TextChunk[] = [];
  const n = text.length;

  let start = 0;
  while (start < n) {
    while (start < n && isSpace(text[start] ?? '')) start++;
    if (start >= n) break;
    const hardEnd = Math.min(start + size, n);
    const end = hardEnd === n ? n : chooseEnd(text, start, hardEnd);

    let trimmedEnd = end;
    while (trimmedEnd > start && isSpace(text[trimmedEnd - 1] ?? '')) trimmedEnd--;
    if (trimmedEnd > start) {
      chunks.push({
        index: chunks.length,
        text: text.slice(start, trimmedEnd),
        start,
        end: trimmedEnd,
        page: pageAt(pageStarts, start),
        pageEnd: pageAt(pageStarts, trimmedEnd - 1),
      });
    }
    if (end >= n) break;
    const next = chooseNextStart(text, start, end, overlap);
    // Always move forward, whatever the boundaries say.
    start = next > start ? next : end;
  }
  return chunks;
}

/** Convenience for text without pages. */
export const chunkText = (text: string, options: ChunkOptions): TextChunk[] => chunkPages([{ page: null, text }], options);
