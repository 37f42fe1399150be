import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/core/errors';
import { readMultipartFile } from '../../src/shared/http/multipart';

const BOUNDARY = '----evaboundary1234';
const CT = `multipart/form-data; boundary=${BOUNDARY}`;

function form(parts: Array<{ name: string; filename?: string; type?: string; body: string | Buffer }>, close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"`;
    head += '\r\n';
    if (p.type) head += `Content-Type: ${p.type}\r\n`;
    chunks.push(Buffer.from(head + '\r\n'), Buffer.from(p.body), Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

/** Feeds the body in small pieces, as a network would. */
const drip = (buf: Buffer, size = 1000): Readable =>
  Readable.from(Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size)));

describe('readMultipartFile', () => {
  it('yields the file part as a stream, ignoring other fields', async () => {
    const content = 'hello '.repeat(5000);
    const body = form([
      { name: 'note', body: 'ignored' },
      { name: 'file', filename: 'greeting.txt', type: 'text/plain', body: content },
    ]);
    const f = await readMultipartFile(drip(body), { contentType: CT, maxBytes: 1_000_000 });
    expect(f.filename).toBe('greeting.txt');
    expect(f.mimeType).toBe('text/plain');
    expect(await text(f.stream)).toBe(content);
  });

  it('keeps binary bytes intact', async () => {
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 256));
    const f = await readMultipartFile(drip(form([{ name: 'file', filename: 'b.bin', type: 'application/pdf', body: bytes }])), {
      contentType: CT,
      maxBytes: 1_000_000,
    });
    const chunks: Buffer[] = [];
    for await (const c of f.stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });

  it('allows exactly maxBytes and fails the stream with PAYLOAD_TOO_LARGE beyond it', async () => {
    const ok = await readMultipartFile(drip(form([{ name: 'file', filename: 'a', body: 'x'.repeat(100) }])), { contentType: CT, maxBytes: 100 });
    expect(await text(ok.stream)).toHaveLength(100);

    const big = await readMultipartFile(drip(form([{ name: 'file', filename: 'a', body: 'x'.repeat(5000) }]), 100), {
      contentType: CT,
      maxBytes: 100,
    });
    const err = await text(big.stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rejects a body with no file part, a non-multipart type and a malformed body with VALIDATION_ERROR', async () => {
    const codes = await Promise.all([
      readMultipartFile(drip(form([{ name: 'other', body: 'x' }])), { contentType: CT, maxBytes: 100 }).catch((e: AppError) => e.code),
      readMultipartFile(drip(form([{ name: 'file', body: 'not a file (no filename)' }])), { contentType: CT, maxBytes: 100 }).catch((e: AppError) => e.code),
      readMultipartFile(drip(Buffer.from('{}')), { contentType: 'application/json', maxBytes: 100 }).catch((e: AppError) => e.code),
      readMultipartFile(drip(Buffer.from('garbage')), { contentType: 'multipart/form-data', maxBytes: 100 }).catch((e: AppError) => e.code),
    ]);
    expect(codes).toEqual(['VALIDATION_ERROR', 'VALIDATION_ERROR', 'VALIDATION_ERROR', 'VALIDATION_ERROR']);
  });

  it('fails the file stream when the body is cut short', async () => {
    const body = form([{ name: 'file', filename: 'a.txt', body: 'x'.repeat(3000) }], false);
    const f = await readMultipartFile(drip(body.subarray(0, body.length - 500)), { contentType: CT, maxBytes: 10_000 });
    const err = await text(f.stream).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('VALIDATION_ERROR');
  });
});
