/**
 * W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/): version 00,
 * 32-hex trace id, 16-hex parent (span) id, 2-hex flags. Pure; the telemetry module carries it from
 * the HTTP request into the outbox event, each queue message and the webhook request.
 */
import { randomBytes } from 'node:crypto';

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

export const newTraceId = (): string => randomBytes(16).toString('hex');
export const newSpanId = (): string => randomBytes(8).toString('hex');

/** A child of `parent` (same trace, new span id), or the root of a new sampled trace. */
export function childOf(parent: TraceParent | undefined): TraceParent {
  return parent ? { traceId: parent.traceId, spanId: newSpanId(), flags: parent.flags } : { traceId: newTraceId(), spanId: newSpanId(), flags: 1 };
}
