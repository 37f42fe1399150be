/**
 * Reads the `file` part of a multipart/form-data body as a stream (busboy), without
 * buffering it: the caller pipes it on (to Blob) while it arrives.
 */
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { AppError, isAppError, validationError } from '../core/errors';

export interface MultipartFile {
  /** The file name the client sent (untrusted: display only). */
  filename: string;
  /** The part's declared Content-Type (untrusted: checked against the bytes later). */
  mimeType: string;
  /**
   * The part's bytes. It fails with PAYLOAD_TOO_LARGE once more than maxBytes arrive, and with
   * VALIDATION_ERROR when the body is cut short.
   */
  stream: Readable;
}

export interface MultipartOptions {
  contentType: string;
  maxBytes: number;
  /** The form field holding the file. */
  field?: string;
}

export const tooLarge = (maxBytes: number): AppError =>
  new AppError('PAYLOAD_TOO_LARGE', `The file is larger than the limit of ${maxBytes} bytes.`, {
    extra: { max_bytes: maxBytes },
  });

/**
 * Resolves as soon as the file part starts. Rejects with VALIDATION_ERROR for a body that is not
 * multipart, is malformed, or has no file part. Other parts are read and ignored.
 */
export function readMultipartFile(body: Readable, options: MultipartOptions): Promise<MultipartFile> {
  const field = options.field ?? 'file';
  return new Promise<MultipartFile>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': options.contentType },
        // fileSize + 1 so that "exactly maxBytes" is allowed and one byte more is detected.
        limits: { files: 1, fileSize: options.maxBytes + 1, fields: 20, fieldSize: 64 * 1024, parts: 25 },
      });
    } catch {
      reject(validationError([{ field: 'body', issue: 'must be multipart/form-data with a boundary' }]));
      return;
    }

    let found = false;
    let failed = false;
    let out: Readable | undefined;
    let reading = false;
    let pendingError: Error | undefined;
    // busboy reports one problem on several emitters; only the first counts. An error that comes
    // before the consumer starts reading is held until it does (else it would go unheard).
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      if (!out) reject(e);
      else if (reading) out.destroy(e);
      else pendingError = e;
      body.unpipe(parser);
      body.resume();
    };

    parser.on('file', (name, file, info) => {
      if (name !== field || found) {
        file.resume();
        return;
      }
      found = true;
      let size = 0;
      // Pull-based: the part flows only while the consumer reads (back-pressure to the socket).
      out = new Readable({
        read() {
          reading = true;
          if (pendingError) this.destroy(pendingError);
          else file.resume();
        },
        destroy(err, cb) {
          file.resume(); // drain what is left so busboy can finish
          cb(err);
        },
      });
      const sink = out;
      file.on('data', (chunk: Buffer) => {
        if (failed) return;
        size += chunk.length;
        if (size > options.maxBytes) {
          fail(tooLarge(options.maxBytes));
          return;
        }
        if (!sink.push(chunk)) file.pause();
      });
      file.pause();
      file.on('end', () => {
        if (!failed) sink.push(null);
      });
      file.on('error', () => fail(validationError([{ field, issue: 'the file part could not be read' }])));
      resolve({ filename: info.filename ?? '', mimeType: info.mimeType ?? '', stream: sink });
    });
    parser.on('error', () => fail(validationError([{ field: 'body', issue: 'is not a well-formed multipart body' }])));
    parser.on('partsLimit', () => fail(validationError([{ field: 'body', issue: 'has too many parts' }])));
    parser.on('close', () => {
      if (!found) reject(validationError([{ field, issue: `a multipart part named "${field}" with a file is required` }]));
    });
    // A body past its deadline keeps its own error (408); any other read failure is the client's body.
    body.on('error', (e) => fail(isAppError(e) ? e : validationError([{ field: 'body', issue: 'the request body could not be read' }])));
    body.pipe(parser);
  });
}
