/**
 * Server-sent events (text/event-stream) from an endpoint: a raw reply whose body is a stream the
 * handler writes named events to. HTTP streaming must be switched on for the Functions host
 * (app.setup({ enableHttpStream: true }), host 4.28+); the local host always streams.
 */
import { ReadableStream, type ReadableStreamDefaultController } from 'node:stream/web';
import { app, type HttpResponseInit } from '@azure/functions';

let enabled = false;
/** Switches on Functions HTTP streaming (once per process, before the host finishes loading). */
export function enableHttpStreaming(): void {
  if (enabled) return;
  enabled = true;
  app.setup({ enableHttpStream: true });
}

export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

export interface SseWriter {
  /** Sends one event; false once the client has gone (later sends are dropped). */
  send(event: string, data: unknown): boolean;
  close(): void;
}

/**
 * A 200 text/event-stream reply, and the writer `run` gets to fill it. `run` starts at once and
 * goes on if the client disconnects (its work is recorded anyway); the stream closes when it ends.
 */
export function sseResponse(run: (w: SseWriter) => Promise<void>, headers: Record<string, string> = {}): HttpResponseInit {
  const encoder = new TextEncoder();
  let open = true;
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const writer: SseWriter = {
    send(event, data) {
      if (!open || !controller) return false;
      try {
        controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        return true;
      } catch {
        open = false;
        return false;
      }
    },
    close() {
      if (!open) return;
      open = false;
      try {
        controller?.close();
      } catch {
        /* already closed by a cancel */
      }
    },
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      // Not awaited: start() must return for the reply (and the first events) to go out.
      void run(writer).finally(() => writer.close());
    },
    cancel() {
      open = false;
    },
  });
  return {
    status: 200,
    headers: { 'Content-Type': SSE_CONTENT_TYPE, 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no', ...headers },
    body,
  };
}
