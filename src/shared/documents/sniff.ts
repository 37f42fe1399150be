/**
 * Checks a document's bytes against the type its uploader declared, while the bytes stream
 * through (nothing is buffered beyond the first HEAD_BYTES):
 * - PDF: the %PDF- signature; DOCX: an OOXML zip with a word/ part (both via file-type);
 * - text types: valid UTF-8, no NUL bytes, and not a known binary format;
 * - JSON: additionally, the whole body parses (streaming parser, nothing kept in memory).
 */
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { JSONParser } from '@streamparser/json';
import { fileTypeFromBuffer } from 'file-type';
import { DOCX, PDF, isKnownType, isTextType } from './content-type';

/** Enough for file-type to read a DOCX's [Content_Types].xml and first entries. */
export const HEAD_BYTES = 64 * 1024;

export type SniffFailureReason = 'empty' | 'unsupported_type' | 'type_mismatch' | 'invalid_text' | 'invalid_json';

/** Why bytes were refused; the stream fails with it, so callers map `reason` to 400/415. */
export class ContentRejectedError extends Error {
  constructor(
    readonly reason: SniffFailureReason,
    message: string,
    readonly detected?: string,
  ) {
    super(message);
    this.name = 'ContentRejectedError';
  }
}

export const isContentRejected = (e: unknown): e is ContentRejectedError => e instanceof ContentRejectedError;

/** file-type calls these text-like formats by their own names; they are fine inside text documents. */
const TEXTUAL_DETECTIONS = new Set(['application/xml', 'text/xml', 'image/svg+xml', 'text/calendar', 'text/vtt']);

async function checkHead(declared: string, head: Uint8Array): Promise<void> {
  const detected = await fileTypeFromBuffer(head).catch(() => undefined);
  if (declared === PDF) {
    if (detected?.mime !== PDF) throw new ContentRejectedError('type_mismatch', 'The file is not a PDF.', detected?.mime);
    return;
  }
  if (declared === DOCX) {
    if (detected?.mime !== DOCX) throw new ContentRejectedError('type_mismatch', 'The file is not a Word (DOCX) document.', detected?.mime);
    return;
  }
  if (detected && !TEXTUAL_DETECTIONS.has(detected.mime)) {
    throw new ContentRejectedError('type_mismatch', `The file is ${detected.mime}, not ${declared}.`, detected.mime);
  }
}

/** Bytes in a UTF-8 sequence, from its lead byte (1 for bytes that cannot lead: isUtf8 then refuses them). */
const sequenceLength = (lead: number): number => (lead >= 0xf0 && lead < 0xf8 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1);

/** Where the last complete UTF-8 sequence of `b` ends (a sequence split across chunks is carried over). */
function completeEnd(b: Uint8Array, from: number): number {
  for (let i = b.length - 1; i >= Math.max(from, b.length - 4); i--) {
    const byte = b[i]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    return i + sequenceLength(byte) <= b.length ? b.length : i;
  }
  return b.length;
}

/**
 * Streaming UTF-8 check with node:buffer's native isUtf8: no strings are made, so memory stays flat
 * however large the file (TextDecoder would allocate the decoded text). Hand-written only for the
 * few bytes of a character split between two chunks.
 */
class Utf8Stream {
  private carry: Buffer = Buffer.alloc(0);

  write(chunk: Buffer, final: boolean): boolean {
    let start = 0;
    if (this.carry.length > 0) {
      const need = sequenceLength(this.carry[0]!) - this.carry.length;
      if (chunk.length < need && !final) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return true;
      }
      if (!isUtf8(Buffer.concat([this.carry, chunk.subarray(0, need)]))) return false;
      start = Math.min(need, chunk.length);
      this.carry = Buffer.alloc(0);
    }
    const end = final ? chunk.length : completeEnd(chunk, start);
    if (!isUtf8(chunk.subarray(start, end))) return false;
    this.carry = Buffer.from(chunk.subarray(end));
    return true;
  }
}

/** Streaming UTF-8 / NUL / JSON validation for text types. */
class TextValidator {
  private readonly utf8 = new Utf8Stream();
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly json: JSONParser | undefined;
  private jsonError: Error | undefined;
  private sawContent = false;

  constructor(declared: string) {
    if (declared === 'application/json') {
      // paths + keepStack:false: values are emitted and dropped, so memory stays flat.
      this.json = new JSONParser({ paths: ['$.*'], keepStack: false });
      this.json.onValue = () => undefined;
      this.json.onError = (e) => {
        this.jsonError ??= e;
      };
    }
  }

  write(chunk: Buffer, final = false): void {
    if (chunk.includes(0)) throw new ContentRejectedError('invalid_text', 'The file contains NUL bytes; it is not text.');
    if (!this.json) {
      if (!this.utf8.write(chunk, final)) throw new ContentRejectedError('invalid_text', 'The file is not valid UTF-8 text.');
      return;
    }
    // JSON needs the text itself for the parser.
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: !final });
    } catch {
      throw new ContentRejectedError('invalid_text', 'The file is not valid UTF-8 text.');
    }
    if (!this.sawContent && /\S/.test(text)) this.sawContent = true;
    try {
      if (text.length > 0 && !this.json.isEnded) this.json.write(text);
      else if (this.json.isEnded && /\S/.test(text)) throw new Error('trailing content');
    } catch (e) {
      this.jsonError ??= e instanceof Error ? e : new Error('invalid');
    }
    if (this.jsonError) throw new ContentRejectedError('invalid_json', 'The file is not valid JSON.');
  }

  end(): void {
    this.write(Buffer.alloc(0), true);
    if (!this.json) return;
    try {
      if (!this.json.isEnded) this.json.end();
    } catch (e) {
      this.jsonError ??= e instanceof Error ? e : new Error('invalid');
    }
    if (this.jsonError || !this.sawContent) throw new ContentRejectedError('invalid_json', 'The file is not valid JSON.');
  }
}

/**
 * A pass-through stream that fails with ContentRejectedError when the bytes do not match
 * `declaredType` (already normalised). It holds back only the first HEAD_BYTES until the
 * signature check has passed, so a mislabelled file is refused before most of it is stored.
 */
export function createContentInspector(declaredType: string): Transform {
  const text = isTextType(declaredType) ? new TextValidator(declaredType) : undefined;
  let held: Buffer[] = [];
  let heldBytes = 0;
  let headChecked = false;
  let total = 0;

  const releaseHead = async (stream: Transform): Promise<void> => {
    const head = Buffer.concat(held, heldBytes);
    await checkHead(declaredType, head.subarray(0, HEAD_BYTES));
    headChecked = true;
    if (head.length > 0) stream.push(head);
    held = [];
    heldBytes = 0;
  };

  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        if (!isKnownType(declaredType)) throw new ContentRejectedError('unsupported_type', `Unsupported type ${declaredType}.`);
        total += chunk.length;
        text?.write(chunk);
      } catch (e) {
        done(e as Error);
        return;
      }
      if (headChecked) {
        done(null, chunk);
        return;
      }
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes < HEAD_BYTES) {
        done();
        return;
      }
      releaseHead(this).then(
        () => done(),
        (e: Error) => done(e),
      );
    },
    flush(done: TransformCallback) {
      try {
        if (!isKnownType(declaredType)) throw new ContentRejectedError('unsupported_type', `Unsupported type ${declaredType}.`);
        if (total === 0) throw new ContentRejectedError('empty', 'The file is empty.');
        text?.end();
      } catch (e) {
        done(e as Error);
        return;
      }
      if (headChecked) {
        done();
        return;
      }
      releaseHead(this).then(
        () => done(),
        (e: Error) => done(e),
      );
    },
  });
}

export type InspectResult = { ok: true } | { ok: false; reason: SniffFailureReason; message: string; detected?: string };

/** The same checks over bytes already in memory (processing, tests). */
export async function inspectBytes(declaredType: string, bytes: Uint8Array): Promise<InspectResult> {
  const inspector = createContentInspector(declaredType);
  inspector.resume(); // discard the pass-through output
  return new Promise<InspectResult>((resolve) => {
    inspector.once('error', (e) => {
      if (isContentRejected(e)) resolve({ ok: false, reason: e.reason, message: e.message, detected: e.detected });
      else resolve({ ok: false, reason: 'type_mismatch', message: 'The file could not be inspected.' });
    });
    inspector.once('end', () => resolve({ ok: true }));
    inspector.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
}
