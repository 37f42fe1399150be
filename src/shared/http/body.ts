import type { HttpRequest } from '@azure/functions';
import { AppError } from '../core/errors';

const tooLarge = (max: number): AppError =>
  new AppError('PAYLOAD_TOO_LARGE', `The request body exceeds ${max} bytes.`, {
    extra: { max_bytes: max },
  });

const bodyTimeout = (ms: number): AppError =>
  new AppError('REQUEST_TIMEOUT', `The request body did not arrive within ${ms} ms.`, { extra: { timeout_ms: ms } });

/**
 * Bounds how long the request body may take to arrive in full, from now: `request.body` is replaced
 * (on this instance) by a stream that fails with REQUEST_TIMEOUT at the deadline and cancels the
 * source, so a Content-Length larger than what is sent, or a slow drip, ends in a 408 whichever
 * way the handler reads the body. release() stops the clock once the response is decided.
 */
export function bodyDeadline(request: HttpRequest, ms: number): { release: () => void } {
  const source = request.body;
  if (!source) return { release: () => undefined };
  const reader = (source as ReadableStream<Uint8Array>).getReader();
  let timer: NodeJS.Timeout | undefined;
  const release = (): void => clearTimeout(timer);
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        timer = setTimeout(() => {
          const e = bodyTimeout(ms);
          controller.error(e);
          reader.cancel(e).catch(() => undefined);
        }, ms);
        timer.unref();
      },
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            release();
            controller.close();
          } else controller.enqueue(value);
        } catch (e) {
          release();
          controller.error(e);
        }
      },
      cancel(reason) {
        release();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  Object.defineProperty(request, 'body', { value: body, configurable: true });
  return { release };
}

/** Refuses early on a declared Content-Length above the limit. */
export function checkDeclaredLength(request: HttpRequest, max: number): void {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > max) throw tooLarge(max);
}

/**
 * Reads the body as text, stopping as soon as it passes `max` bytes, so a client that lies
 * about (or omits) Content-Length still cannot make the process buffer more than the limit.
 */
export async function readLimitedText(request: HttpRequest, max: number): Promise<string> {
  checkDeclaredLength(request, max);
  if (!request.body) return '';
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(max);
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Parses a JSON body; malformed JSON is a 400 that says where, never a 500. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const where = e instanceof SyntaxError ? e.message : 'invalid JSON';
    throw new AppError('VALIDATION_ERROR', 'The request body is not valid JSON.', {
      details: [{ field: 'body', issue: where }],
    });
  }
}

export function isJsonContentType(value: string | null): boolean {
  if (!value) return false;
  const type = (value.split(';')[0] ?? '').trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}
