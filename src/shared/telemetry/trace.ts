/**
 * One trace across HTTP -> outbox -> queues -> webhook. inSpan() runs work as a span: an
 * OpenTelemetry span when Application Insights is on (telemetry.ts enables it), and in every case
 * a W3C trace context kept in AsyncLocalStorage, so currentTraceparent() is what the outbox,
 * each queue message and the webhook request carry, and what logs name as trace_id, with or
 * without telemetry.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context as otelContext, trace, type Attributes, type Span } from '@opentelemetry/api';
import { childOf, formatTraceparent, parseTraceparent, type TraceParent } from '../core/traceparent';

export type SpanKindName = 'server' | 'consumer' | 'client' | 'producer' | 'internal';

const KINDS: Record<SpanKindName, SpanKind> = {
  server: SpanKind.SERVER,
  consumer: SpanKind.CONSUMER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  internal: SpanKind.INTERNAL,
};

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface SpanOptions {
  name: string;
  kind: SpanKindName;
  /** A remote parent (traceparent header or message property); default: the current span. */
  parent?: string | undefined;
  attributes?: SpanAttributes;
}

export interface ActiveSpan {
  readonly traceId: string;
  readonly traceparent: string;
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed (a 5xx, a failed delivery); an error is recorded as an exception. */
  fail(error?: unknown): void;
}

const store = new AsyncLocalStorage<TraceParent>();
let otelOn = false;

/** telemetry.ts turns OpenTelemetry spans on once the SDK is registered. */
export function setOpenTelemetrySpans(on: boolean): void {
  otelOn = on;
}

export function currentTrace(): TraceParent | undefined {
  return store.getStore();
}

export function currentTraceparent(): string | undefined {
  const t = store.getStore();
  return t ? formatTraceparent(t) : undefined;
}

const clean = (a: SpanAttributes | undefined): Attributes => Object.fromEntries(Object.entries(a ?? {}).filter(([, v]) => v !== undefined));

export async function inSpan<T>(o: SpanOptions, fn: (span: ActiveSpan) => Promise<T>): Promise<T> {
  const remote = parseTraceparent(o.parent);
  if (!otelOn) {
    const t = childOf(remote ?? store.getStore());
    const handle: ActiveSpan = { traceId: t.traceId, traceparent: formatTraceparent(t), setAttributes: () => undefined, fail: () => undefined };
    return store.run(t, () => fn(handle));
  }
  // The parent is ours to say: a remote one, else the span this code runs in (our own store, which
  // an SDK's span context, active around a callback it invokes, cannot displace).
  const local = store.getStore();
  const parentContext = remote
    ? trace.setSpanContext(ROOT_CONTEXT, { traceId: remote.traceId, spanId: remote.spanId, traceFlags: remote.flags, isRemote: true })
    : local
      ? trace.setSpanContext(otelContext.active(), { traceId: local.traceId, spanId: local.spanId, traceFlags: local.flags, isRemote: false })
      : otelContext.active();
  const tracer = trace.getTracer('eva-api');
  return tracer.startActiveSpan(o.name, { kind: KINDS[o.kind], attributes: clean(o.attributes) }, parentContext, async (span: Span) => {
    const sc = span.spanContext();
    const t: TraceParent = { traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags };
    let failed = false;
    const handle: ActiveSpan = {
      traceId: t.traceId,
      traceparent: formatTraceparent(t),
      setAttributes: (a) => span.setAttributes(clean(a)),
      fail: (error) => {
        failed = true;
        if (error instanceof Error) span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, ...(error instanceof Error ? { message: error.message } : {}) });
      },
    };
    try {
      return await store.run(t, () => fn(handle));
    } catch (err) {
      if (!failed) handle.fail(err);
      throw err;
    } finally {
      span.end();
    }
  });
}
