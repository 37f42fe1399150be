/**
 * Citations of a generated answer. The model cites sources as [n] (also [n, m] or [^n]); the
 * answer the client sees cites exactly the sources it uses, renumbered 1, 2, … in order of first
 * appearance, and a marker naming no source (an [7] with five sources) is dropped with the space
 * before it. Works on a stream: text goes in as it arrives and comes out rewritten, holding back
 * only a partial "[..." or trailing spaces, so streamed deltas already carry the final numbers.
 */
import { foldTerm } from './text-search';

const MARKER_BODY = /^\^?\s*\d{1,3}(?:\s*[,;]\s*\^?\s*\d{1,3})*\s*$/;
const MAX_MARKER = 24;

export class CitationRewriter {
  /** Original source numbers, in the order the answer first cites them (new number = index + 1). */
  readonly cited: number[] = [];
  private readonly renumber = new Map<number, number>();
  private held = '';
  private bracket: string | null = null;
  private length = 0;
  private full = false;

  constructor(
    private readonly sourceCount: number,
    private readonly maxChars = Infinity,
  ) {}

  /** Rewrites the next piece of the answer; returns what may be shown now. */
  push(text: string): string {
    let out = '';
    for (const c of text) {
      if (this.full) break;
      out += this.step(c);
    }
    return this.limit(out);
  }

  /** Flushes what was held back (a trailing partial marker stays literal text; trailing spaces go). */
  end(): string {
    const rest = this.bracket !== null ? `${this.held}[${this.bracket}` : '';
    this.bracket = null;
    this.held = '';
    return this.limit(rest);
  }

  /** True when the answer reached maxChars and the rest was cut. */
  get truncated(): boolean {
    return this.full;
  }

  private step(c: string): string {
    if (this.bracket !== null) {
      if (c === ']') return this.closeMarker();
      if (/[\d\s,;^]/.test(c) && this.bracket.length < MAX_MARKER) {
        this.bracket += c;
        return '';
      }
      const literal = `${this.held}[${this.bracket}`;
      this.held = '';
      this.bracket = null;
      return literal + this.step(c);
    }
    if (c === '[') {
      this.bracket = '';
      return '';
    }
    if (/\s/.test(c)) {
      this.held += c;
      return '';
    }
    const out = this.held + c;
    this.held = '';
    return out;
  }

  private closeMarker(): string {
    const body = this.bracket ?? '';
    this.bracket = null;
    if (!MARKER_BODY.test(body)) {
      const literal = `${this.held}[${body}]`;
      this.held = '';
      return literal;
    }
    const valid = (body.match(/\d+/g) ?? []).map(Number).filter((k) => k >= 1 && k <= this.sourceCount);
    if (valid.length === 0) {
      this.held = ''; // the space before a dropped marker goes with it
      return '';
    }
    const markers = [...new Set(valid)].map((k) => {
      let n = this.renumber.get(k);
      if (n === undefined) {
        this.cited.push(k);
        n = this.cited.length;
        this.renumber.set(k, n);
      }
      return `[${n}]`;
    });
    const out = this.held + markers.join('');
    this.held = '';
    return out;
  }

  private limit(out: string): string {
    if (this.length + out.length <= this.maxChars) {
      this.length += out.length;
      return out;
    }
    this.full = true;
    const room = Math.max(0, this.maxChars - this.length - 1);
    this.length = this.maxChars;
    return `${out.slice(0, room)}…`;
  }
}

/** Rewrites a whole answer at once; returns the text and the cited source numbers in order. */
export function rewriteCitations(text: string, sourceCount: number, maxChars = Infinity): { answer: string; cited: number[] } {
  const r = new CitationRewriter(sourceCount, maxChars);
  const answer = (r.push(text) + r.end()).trim();
  return { answer, cited: r.cited };
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const sentences = (text: string): string[] => [...segmenter.segment(text)].map((s) => s.segment.replace(/\s+/g, ' ').trim()).filter((s) => s.length > 0);
const terms = (text: string): Set<string> => new Set((text.match(/[\p{L}\p{N}]+/gu) ?? []).map(foldTerm).filter((t): t is string => t !== null));

const EXCERPT_CHARS = 400;

/**
 * The sentence of a source that best supports what the answer says with its marker [n]: the one
 * sharing the most terms with the answer's sentences that cite [n] (the source's start if none does).
 */
export function supportingExcerpt(sourceText: string, answer: string, n: number): string {
  // "Fact. [1]" segments as "Fact." and "[1]": a segment of markers only belongs to the sentence before.
  const parts: string[] = [];
  for (const s of sentences(answer)) {
    if (/^(\[\d+\]\s*)+$/.test(s) && parts.length > 0) parts[parts.length - 1] += ` ${s}`;
    else parts.push(s);
  }
  const citing = parts.filter((s) => s.includes(`[${n}]`));
  const wanted = terms(citing.join(' '));
  let best = '';
  let bestScore = 0;
  for (const s of sentences(sourceText)) {
    if (s.length < 12) continue;
    let score = 0;
    for (const t of terms(s)) if (wanted.has(t)) score++;
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  const text = best || sourceText.replace(/\s+/g, ' ').trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS - 1)}…` : text;
}
