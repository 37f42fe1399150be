import type { HttpRequest } from '@azure/functions';
import { AppError } from '../core/errors';

const tooLarge = (max: number): AppError =>
  new AppError('PAYLOAD_TOO_LARGE', `The request body exceeds ${max} bytes.`, {
    extra: { max_bytes: max },
  });

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
  const reader = request.body.getReader();
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
  const type = value.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}
