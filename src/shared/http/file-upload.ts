/**
 * The file of an upload request: a multipart/form-data body's `file` part, or the raw body with
 * Content-Type and ?filename=. Request parsing lives here so the documents domain never sees an
 * HttpRequest; it gets the bytes as a stream and what the client declared about them.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { HttpRequest } from '@azure/functions';
import { validationError } from '../core/errors';
import { charsetOf, normaliseContentType, resolveDeclaredType } from '../documents/content-type';
import { readMultipartFile } from './multipart';

export interface IncomingFile {
  stream: Readable;
  /** Exact size when known up front (a raw body with Content-Length), else undefined. */
  length: number | undefined;
  filename: string;
  declaredType: string;
  charset: string | undefined;
}

export async function readIncomingFile(request: HttpRequest, queryFilename: string | undefined, maxBytes: number): Promise<IncomingFile> {
  if (!request.body) throw validationError([{ field: 'body', issue: 'a file is required' }], 'The request has no body.');
  const body = Readable.fromWeb(request.body as WebReadableStream<Uint8Array>);
  const header = request.headers.get('content-type') ?? '';
  if (normaliseContentType(header) === 'multipart/form-data') {
    const file = await readMultipartFile(body, { contentType: header, maxBytes });
    const filename = queryFilename ?? file.filename;
    return {
      stream: file.stream,
      length: undefined,
      filename,
      declaredType: resolveDeclaredType(file.mimeType, filename),
      charset: charsetOf(file.mimeType),
    };
  }
  if (!queryFilename) {
    body.destroy();
    throw validationError([{ field: 'filename', issue: 'is required when the body is the raw file (or use multipart/form-data)' }]);
  }
  const declaredLength = request.headers.get('content-length');
  const length = declaredLength !== null && /^\d{1,15}$/.test(declaredLength) ? Number(declaredLength) : undefined;
  return { stream: body, length, filename: queryFilename, declaredType: resolveDeclaredType(header, queryFilename), charset: charsetOf(header) };
}
