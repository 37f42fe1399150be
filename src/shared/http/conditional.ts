/**
 * If-Match, the one rule every update and delete follows (RFC 9110 §13.1.1, with two leniencies
 * recorded in docs/decisions.md):
 *
 * - no header: no condition (the write goes ahead);
 * - `*`: any current version matches (the record exists, which the caller has just read);
 * - a comma-separated list of entity tags, each quoted (`"x"`), weak (`W/"x"`) or bare (`x`):
 *   matches when one of them is the record's ETag. Quotes and `W/` are ignored on both sides:
 *   Cosmos quotes its ETags and the emulator does not, and a proxy that compresses a response
 *   weakens its ETag, so a client echoing what it was given must never get a false 412;
 * - an empty header (or one that is only commas and spaces) lists no tag, so nothing matches:
 *   412. A client that meant to send a version and sent none is told so, rather than writing
 *   over a change it never saw.
 */
import { preconditionFailed } from '../core/errors';

/** A parsed If-Match header: `any` for `*`, otherwise the opaque tags listed (maybe none). */
export type IfMatch = { any: true } | { any: false; tags: string[] };

/** An ETag's opaque part: without `W/` and without the surrounding quotes. */
export function opaqueTag(etag: string): string {
  const t = etag.trim().replace(/^W\//, '');
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** Parses the header; undefined when there is none (no condition). */
export function parseIfMatch(header: string | null | undefined): IfMatch | undefined {
  if (header === null || header === undefined) return undefined;
  const tags: string[] = [];
  // A quoted tag may itself hold a comma, so the list is split outside quotes only.
  let i = 0;
  while (i < header.length) {
    const ch = header[i];
    if (ch === ',' || ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    let end = i;
    if (header.startsWith('W/"', i) || ch === '"') {
      const open = header.indexOf('"', i);
      const close = header.indexOf('"', open + 1);
      end = close === -1 ? header.length : close + 1;
    } else {
      while (end < header.length && header[end] !== ',') end++;
    }
    const item = header.slice(i, end).trim();
    if (item === '*') return { any: true };
    tags.push(opaqueTag(item));
    i = end;
  }
  return { any: false, tags };
}

/** True when the condition holds for a record whose ETag is `etag` (undefined: it has none). */
export function ifMatchHolds(condition: IfMatch, etag: string | undefined): boolean {
  if (condition.any) return true;
  if (etag === undefined || etag === '') return false;
  return condition.tags.includes(opaqueTag(etag));
}

/**
 * Checks a client's If-Match header against the record just read. Throws PRECONDITION_FAILED when
 * it does not hold; returns the record's ETag when the client gave a version (so the store can make
 * the write conditional on it and a concurrent change is a 412 too), undefined when it gave none.
 */
export function checkIfMatch(header: string | null | undefined, etag: string | undefined): string | undefined {
  const condition = parseIfMatch(header);
  if (!condition) return undefined;
  if (!ifMatchHolds(condition, etag)) throw preconditionFailed();
  return condition.any ? undefined : etag;
}
