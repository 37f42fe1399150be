import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { DOCX, PDF } from '../../src/shared/documents/content-type';
import { createContentInspector, HEAD_BYTES, inspectBytes, isContentRejected } from '../../src/shared/documents/sniff';
import { brokenPdf, fakePdf, makeDocx, makePlainZip, makeTwoPagePdf, pngBytes } from '../helpers/document-fixtures';

describe('inspectBytes', () => {
  it('accepts real PDF and DOCX files for their declared types', async () => {
    expect(await inspectBytes(PDF, await makeTwoPagePdf())).toEqual({ ok: true });
    expect(await inspectBytes(DOCX, await makeDocx(['Hello']))).toEqual({ ok: true });
    // The signature check only: a truncated or broken PDF body is caught by extraction.
    expect(await inspectBytes(PDF, brokenPdf())).toEqual({ ok: true });
  });

  it('refuses a "PDF" that is not one, and a zip that is not a Word document', async () => {
    expect(await inspectBytes(PDF, fakePdf())).toMatchObject({ ok: false, reason: 'type_mismatch' });
    expect(await inspectBytes(PDF, await makeDocx(['x']))).toMatchObject({ ok: false, reason: 'type_mismatch', detected: DOCX });
    expect(await inspectBytes(DOCX, await makePlainZip())).toMatchObject({ ok: false, reason: 'type_mismatch' });
    expect(await inspectBytes(DOCX, await makeTwoPagePdf())).toMatchObject({ ok: false, reason: 'type_mismatch', detected: PDF });
  });

  it('accepts UTF-8 text types, including a BOM and non-ASCII', async () => {
    const text = Buffer.from('\ufeffHéllo wörld — ünïcode ✓\n', 'utf8');
    for (const t of ['text/plain', 'text/markdown', 'text/csv', 'text/html']) {
      expect(await inspectBytes(t, text)).toEqual({ ok: true });
    }
    expect(await inspectBytes('text/html', Buffer.from('<?xml version="1.0"?><html><body>x</body></html>'))).toEqual({ ok: true });
  });

  it('refuses binary data labelled as text', async () => {
    expect(await inspectBytes('text/plain', pngBytes())).toMatchObject({ ok: false });
    expect(await inspectBytes('text/plain', Buffer.from('abc\0def'))).toMatchObject({ ok: false, reason: 'invalid_text' });
    expect(await inspectBytes('text/plain', Buffer.from([0x61, 0xff, 0xfe, 0x62]))).toMatchObject({ ok: false, reason: 'invalid_text' });
    expect(await inspectBytes('text/markdown', await makeTwoPagePdf())).toMatchObject({ ok: false });
  });

  it('refuses a truncated UTF-8 sequence at the very end', async () => {
    expect(await inspectBytes('text/plain', Buffer.from([0x61, 0xe2, 0x82]))).toMatchObject({ ok: false, reason: 'invalid_text' });
  });

  it('requires JSON to parse, as a whole', async () => {
    expect(await inspectBytes('application/json', Buffer.from(' {"a": [1, 2, {"b": null}]}\n'))).toEqual({ ok: true });
    expect(await inspectBytes('application/json', Buffer.from('42'))).toEqual({ ok: true });
    for (const bad of ['{"a": ', 'a,b,c\n1,2,3', '{} {}', '   ', '"unterminated']) {
      expect(await inspectBytes('application/json', Buffer.from(bad))).toMatchObject({ ok: false, reason: 'invalid_json' });
    }
  });

  it('refuses empty files and unknown types', async () => {
    expect(await inspectBytes('text/plain', Buffer.alloc(0))).toMatchObject({ ok: false, reason: 'empty' });
    expect(await inspectBytes('image/png', pngBytes())).toMatchObject({ ok: false, reason: 'unsupported_type' });
  });
});

describe('createContentInspector (streaming)', () => {
  it('passes every byte through unchanged, in order, for a file larger than the head', async () => {
    const big = Buffer.alloc(HEAD_BYTES * 3 + 17, 'abcdefghij\n');
    const parts: Buffer[] = [];
    await pipeline(
      Readable.from(Array.from({ length: 20 }, (_, i) => big.subarray((i * big.length) / 20, ((i + 1) * big.length) / 20))),
      createContentInspector('text/plain'),
      async (source: AsyncIterable<Buffer>) => {
        for await (const c of source) parts.push(c);
      },
    );
    expect(Buffer.concat(parts).equals(big)).toBe(true);
  });

  it('fails the stream with a typed reason, before passing on the head of a mislabelled file', async () => {
    const bytes = Buffer.concat([pngBytes(), Buffer.alloc(HEAD_BYTES * 2, 7)]);
    let passed = 0;
    const err = await pipeline(
      Readable.from([bytes.subarray(0, HEAD_BYTES), bytes.subarray(HEAD_BYTES)]),
      createContentInspector(PDF),
      async (source: AsyncIterable<Buffer>) => {
        for await (const c of source) passed += c.length;
      },
    ).catch((e: unknown) => e);
    expect(isContentRejected(err)).toBe(true);
    expect(passed).toBe(0);
  });

  it('accepts multi-byte characters split across chunks at every position, and refuses broken ones', async () => {
    const run = async (bytes: Buffer, size: number) =>
      pipeline(
        Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size))),
        createContentInspector('text/plain'),
        async (s: AsyncIterable<Buffer>) => {
          for await (const _ of s) void _;
        },
      ).then(
        () => 'ok',
        (e: unknown) => (isContentRejected(e) ? e.reason : 'other'),
      );
    const good = Buffer.from('héllo ✓ 😀 — done ü', 'utf8');
    for (const size of [1, 2, 3, 5, 7]) expect(await run(good, size), `size ${size}`).toBe('ok');
    const truncatedEmoji = Buffer.concat([Buffer.from('ab'), Buffer.from('😀', 'utf8').subarray(0, 3), Buffer.from('cd')]);
    for (const size of [1, 2, 4]) expect(await run(truncatedEmoji, size), `size ${size}`).toBe('invalid_text');
    expect(await run(Buffer.concat([Buffer.from('ab'), Buffer.from('😀', 'utf8').subarray(0, 2)]), 1)).toBe('invalid_text');
    expect(await run(Buffer.from([0x61, 0x80, 0x62]), 1)).toBe('invalid_text');
  });

  it('finds a NUL far beyond the head', async () => {
    const bytes = Buffer.alloc(HEAD_BYTES * 4, 'a');
    bytes[HEAD_BYTES * 3] = 0;
    const err = await pipeline(Readable.from([bytes]), createContentInspector('text/csv'), async (s: AsyncIterable<Buffer>) => {
      for await (const _ of s) void _;
    }).catch((e: unknown) => e);
    expect(isContentRejected(err) && err.reason).toBe('invalid_text');
  });
});
