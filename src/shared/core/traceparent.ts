/**
 * W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/): version 00,
 * 32-hex trace id, 16-hex parent (span) id, 2-hex flags. Pure; the telemetry module carries it from
 * the HTTP request into the outbox event, each queue message and the webhook request.
 */
import { randomFillSync } from 'node:crypto';

export interface TraceParent {
  traceId: string;
  spanId: string;
  /** Bit 0: sampled. */
  flags: number;
}

const PATTERN = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})/;

/** Parses a header value; undefined for anything malformed, version ff, or all-zero ids (the spec says: ignore). */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  const m = PATTERN.exec(v);
  if (!m) return undefined;
  const [, version, traceId, spanId, flags] = m;
  const rest = v.slice(55); // after "vv-<32>-<16>-ff"
  // Version 00 has nothing after the flags; a later version may append fields after a dash.
  if (version === 'ff' || (version === '00' ? rest !== '' : rest !== '' && !rest.startsWith('-'))) return undefined;
  if (/^0+$/.test(traceId ?? '') || /^0+$/.test(spanId ?? '')) return undefined;
  return { traceId: traceId ?? '', spanId: spanId ?? '', flags: parseInt(flags ?? '0', 16) };
}

export function formatTraceparent(t: TraceParent): string {
  return `00-${t.traceId}-${t.spanId}-${(t.flags & 0xff).toString(16).padStart(2, '0')}`;
}

// Ids come from a pool of random bytes refilled 4 KiB at a time: one span per request made a
// randomBytes call per id show up in the HTTP benchmark (scripts/bench-http.ts).
const pool = Buffer.alloc(4096);
let offset = pool.length;
function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);

/** A child of `parent` (same trace, new span id), or the root of a new sampled trace. */
export function childOf(parent: TraceParent | undefined): TraceParent {
  return parent ? { traceId: parent.traceId, spanId: newSpanId(), flags: parent.flags } : { traceId: newTraceId(), spanId: newSpanId(), flags: 1 };
}
