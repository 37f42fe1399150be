import { beforeAll, describe, expect, it } from 'vitest';
import { download } from '../../src/shared/adapters/blob';
import { listDocumentChunks } from '../../src/shared/documents/chunk-store';
import { DOCX, PDF } from '../../src/shared/documents/content-type';
import { listSpaceItems, patchDocument, readDocument } from '../../src/shared/documents/document-store';
import { processDocument } from '../../src/shared/documents/processing';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';
import { documentsHost } from '../helpers/host-presets';
import { uploadMultipart, uploadRaw } from '../helpers/document-uploads';
import { brokenPdf, fakePdf, loremText, makeDocx, makeTwoPagePdf, pngBytes } from '../helpers/document-fixtures';

const MAX = 100_000;
const h = useTestHost(documentsHost({ DOCUMENT_MAX_BYTES: String(MAX), CHUNK_SIZE: '200', CHUNK_OVERLAP: '30' }));
let t: TenantWithKey;

beforeAll(async () => {
  t = await createTenantWithKey();
});

async function newSpace(name: string): Promise<string> {
  const r = await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name } });
  expect(r.status).toBe(201);
  return r.body.data.id;
}

/** The space's stored state, to show a refused upload left nothing behind. */
async function snapshot(spaceId: string) {
  const space = await call(`${h.api}/v1/spaces/${spaceId}`, t.apiKey);
  const docs = await call(`${h.api}/v1/spaces/${spaceId}/documents`, t.apiKey);
  return {
    count: space.body.data.document_count,
    ids: docs.body.data.map((d: { id: string }) => d.id),
    items: (await listSpaceItems(t.tenantId, spaceId, 1000)).length,
  };
}

describe('documents: refused uploads are 4xx and store nothing', () => {
  it('refuses oversized files with 413 (declared length, multipart and chunked raw bodies)', async () => {
    const spaceId = await newSpace('Size limits');
    const before = await snapshot(spaceId);
    const big = Buffer.from(loremText(MAX + 1));
    const exact = await uploadRaw(h.api, t.apiKey, spaceId, Buffer.from(loremText(MAX)), 'exact.txt', 'text/plain');
    expect(exact.status).toBe(201);
    await call(`${h.api}/v1/spaces/${spaceId}/documents/${exact.body.data.id}`, t.apiKey, { method: 'DELETE' });

    const raw = await uploadRaw(h.api, t.apiKey, spaceId, big, 'big.txt', 'text/plain');
    expect(raw.status).toBe(413);
    expect(raw.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const multi = await uploadMultipart(h.api, t.apiKey, spaceId, big, 'big.txt', 'text/plain');
    expect(multi.status).toBe(413);
    // No Content-Length: the limit is enforced while streaming.
    const chunked = await fetch(`${h.api}/v1/spaces/${spaceId}/documents?filename=big.txt`, {
      method: 'POST',
      headers: { 'x-api-key': t.apiKey, 'content-type': 'text/plain' },
      body: new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < big.length; i += 10_000) c.enqueue(big.subarray(i, i + 10_000));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    await h.settle();
    expect(await snapshot(spaceId)).toEqual(before);
  });

  it('refuses types not on the list and bytes that do not match the declared type with 415', async () => {
    const spaceId = await newSpace('Type checks');
    const before = await snapshot(spaceId);
    const cases: Array<[string, string, Uint8Array]> = [
      ['image.png', 'image/png', pngBytes()],
      ['image.txt', 'text/plain', pngBytes()],
      ['fake.pdf', PDF, fakePdf()],
      ['letter.pdf', PDF, await makeDocx(['not a pdf'])],
      ['report.docx', DOCX, await makeTwoPagePdf()],
      ['data.json', 'application/json', Buffer.from('{"unterminated": ')],
      ['latin.txt', 'text/plain; charset=iso-8859-1', Buffer.from([0x63, 0x61, 0x66, 0xe9])],
      ['bad-utf8.md', 'text/markdown', Buffer.from([0x61, 0xc3, 0x28])],
      ['report.pdf', 'application/octet-stream', fakePdf()],
      ['program.exe', 'application/octet-stream', Buffer.from('MZ binary')],
    ];
    for (const [name, type, bytes] of cases) {
      for (const upload of [uploadRaw, uploadMultipart]) {
        const r = await upload(h.api, t.apiKey, spaceId, bytes, name, type);
        expect(r.status, `${upload.name} ${name}`).toBe(415);
        expect(r.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      }
    }
    await h.settle();
    expect(await snapshot(spaceId)).toEqual(before);
  });

  it('refuses empty files, a raw body without a file name and a form without a file with 400', async () => {
    const spaceId = await newSpace('Empty');
    const before = await snapshot(spaceId);
    const empty = await uploadRaw(h.api, t.apiKey, spaceId, Buffer.alloc(0), 'empty.txt', 'text/plain');
    expect(empty.status).toBe(400);
    expect((await uploadMultipart(h.api, t.apiKey, spaceId, Buffer.alloc(0), 'empty.pdf', PDF)).status).toBe(400);
    const noName = await uploadRaw(h.api, t.apiKey, spaceId, Buffer.from('text'), undefined, 'text/plain');
    expect(noName.status).toBe(400);
    expect(noName.body.error.details[0]?.field).toBe('filename');
    const form = new FormData();
    form.append('note', 'no file here');
    const noFile = await fetch(`${h.api}/v1/spaces/${spaceId}/documents`, { method: 'POST', headers: { 'x-api-key': t.apiKey }, body: form });
    expect(noFile.status).toBe(400);
    const badForm = await fetch(`${h.api}/v1/spaces/${spaceId}/documents`, {
      method: 'POST',
      headers: { 'x-api-key': t.apiKey, 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nunterminated',
    });
    expect(badForm.status).toBe(400);
    await h.settle();
    expect(await snapshot(spaceId)).toEqual(before);
  });

  it('keeps only the last segment of a path-traversal file name; storage paths use ids only', async () => {
    const spaceId = await newSpace('Traversal');
    const r = await uploadRaw(h.api, t.apiKey, spaceId, Buffer.from('traversal attempt'), '../../x', 'text/plain');
    expect(r.status).toBe(201);
    expect(r.body.data.filename).toBe('x');
    const m = await uploadMultipart(h.api, t.apiKey, spaceId, Buffer.from('another'), '..\\..\\evil.txt', 'text/plain');
    expect(m.body.data.filename).toBe('evil.txt');
    const stored = await readDocument(t.tenantId, spaceId, r.body.data.id);
    expect(stored!.blobPath).toBe(`${t.tenantId}/${spaceId}/${r.body.data.id}`);
    const content = await fetch(`${h.api}/v1/spaces/${spaceId}/documents/${r.body.data.id}/content`, { headers: { 'x-api-key': t.apiKey } });
    expect(content.headers.get('content-disposition')).toBe('attachment; filename="x"');
  });

  it('answers 400 to malformed ids, limits and cursors on document routes', async () => {
    const spaceId = await newSpace('Bad ids');
    for (const path of [`nope/documents`, `${spaceId}/documents/nope`, `${spaceId}/documents/doc_123/content`]) {
      expect((await call(`${h.api}/v1/spaces/${path}`, t.apiKey)).status, path).toBe(400);
    }
    expect((await call(`${h.api}/v1/spaces/${spaceId}/documents/doc_${'0'.repeat(32)}`, t.apiKey)).status).toBe(404);
    expect((await call(`${h.api}/v1/spaces/spc_${'0'.repeat(32)}/documents`, t.apiKey)).status).toBe(404);
    for (const q of ['limit=0', 'limit=101', 'status=done', 'cursor=tampered']) {
      expect((await call(`${h.api}/v1/spaces/${spaceId}/documents?${q}`, t.apiKey)).status, q).toBe(400);
    }
  });

  it('answers 412 to a stale If-Match on delete and keeps the document', async () => {
    const spaceId = await newSpace('Stale delete');
    const up = await uploadRaw(h.api, t.apiKey, spaceId, Buffer.from('version one'), 'v.txt', 'text/plain');
    const staleEtag = up.headers.get('etag')!;
    await h.settle(); // processing changes the record, so the upload's ETag is now stale
    const url = `${h.api}/v1/spaces/${spaceId}/documents/${up.body.data.id}`;
    const del = await call(url, t.apiKey, { method: 'DELETE', headers: { 'if-match': staleEtag } });
    expect(del.status).toBe(412);
    const current = await call(url, t.apiKey);
    expect(current.status).toBe(200);
    expect((await call(url, t.apiKey, { method: 'DELETE', headers: { 'if-match': current.headers.get('etag')! } })).status).toBe(204);
  });
});

describe('documents: processing failures and races', () => {
  it('marks a PDF that passes the signature check but cannot be parsed as failed; the upload succeeded', async () => {
    const spaceId = await newSpace('Broken files');
    const up = await uploadRaw(h.api, t.apiKey, spaceId, brokenPdf(), 'broken.pdf', PDF);
    expect(up.status).toBe(201);
    await h.settle();
    const d = await call(`${h.api}/v1/spaces/${spaceId}/documents/${up.body.data.id}`, t.apiKey);
    expect(d.body.data).toMatchObject({ status: 'failed', failure_reason: 'unparseable_pdf', chunk_count: 0 });
    expect(d.body.data.failure_message).toBeTruthy();
    expect(await listDocumentChunks(t.tenantId, spaceId, up.body.data.id)).toEqual([]);
    const failed = await call(`${h.api}/v1/spaces/${spaceId}/documents?status=failed`, t.apiKey);
    expect(failed.body.data.map((x: { id: string }) => x.id)).toEqual([up.body.data.id]);
  });

  it('processing the same document twice leaves one set of chunks', async () => {
    const spaceId = await newSpace('Redelivery');
    const up = await uploadRaw(h.api, t.apiKey, spaceId, Buffer.from(loremText(3000)), 'long.txt', 'text/plain');
    await h.settle();
    const first = await listDocumentChunks(t.tenantId, spaceId, up.body.data.id);
    expect(first.length).toBeGreaterThan(10);
    // A redelivered message for a document still marked in flight.
    const stored = (await readDocument(t.tenantId, spaceId, up.body.data.id))!;
    await patchDocument(stored, { status: 'processing' });
    const msg = { tenant_id: t.tenantId, space_id: spaceId, document_id: up.body.data.id };
    expect(await processDocument(msg)).toBe('processed');
    expect(await processDocument(msg)).toBe('skipped');
    const second = await listDocumentChunks(t.tenantId, spaceId, up.body.data.id);
    expect(second.map((c) => [c.id, c.text])).toEqual(first.map((c) => [c.id, c.text]));
  });

  it('a document deleted while processing ends cleanly: no record, blob or chunks remain', async () => {
    const spaceId = await newSpace('Deleted mid-way');
    // Deleted before a (redelivered) message is handled.
    const up = await uploadRaw(h.api, t.apiKey, spaceId, Buffer.from(loremText(2000)), 'a.txt', 'text/plain');
    await h.settle();
    const stored = (await readDocument(t.tenantId, spaceId, up.body.data.id))!;
    await patchDocument(stored, { status: 'processing' });
    expect((await call(`${h.api}/v1/spaces/${spaceId}/documents/${stored.id}`, t.apiKey, { method: 'DELETE' })).status).toBe(204);
    expect(await processDocument({ tenant_id: t.tenantId, space_id: spaceId, document_id: stored.id })).toBe('gone');
    expect(await listDocumentChunks(t.tenantId, spaceId, stored.id)).toEqual([]);

    // Deleted right after upload, racing the processor, for several documents.
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await uploadRaw(h.api, t.apiKey, spaceId, Buffer.from(`${i} ${loremText(20_000)}`), `race-${i}.txt`, 'text/plain');
      expect(r.status).toBe(201);
      const del = await call(`${h.api}/v1/spaces/${spaceId}/documents/${r.body.data.id}`, t.apiKey, { method: 'DELETE' });
      expect(del.status).toBe(204);
      ids.push(r.body.data.id);
    }
    await h.settle();
    for (const id of ids) {
      expect(await readDocument(t.tenantId, spaceId, id)).toBeUndefined();
      expect(await listDocumentChunks(t.tenantId, spaceId, id)).toEqual([]);
      await expect(download(`${t.tenantId}/${spaceId}/${id}`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    expect((await call(`${h.api}/v1/spaces/${spaceId}`, t.apiKey)).body.data.document_count).toBe(0);
    expect(h.host.broker.deadLetters('document-processing')).toEqual([]);
  });

  it('deleting a space removes its documents, blobs and chunks, and nothing of it can be read', async () => {
    const spaceId = await newSpace('Doomed');
    const ids: string[] = [];
    for (const [name, bytes] of [
      ['one.txt', Buffer.from(loremText(1500))],
      ['two.pdf', await makeTwoPagePdf()],
    ] as const) {
      const r = await uploadMultipart(h.api, t.apiKey, spaceId, bytes, name, name.endsWith('.pdf') ? PDF : 'text/plain');
      ids.push(r.body.data.id);
    }
    await h.settle();
    expect((await listDocumentChunks(t.tenantId, spaceId, ids[0]!)).length).toBeGreaterThan(0);

    expect((await call(`${h.api}/v1/spaces/${spaceId}`, t.apiKey, { method: 'DELETE' })).status).toBe(204);
    // At once: the space and everything under it is 404.
    expect((await call(`${h.api}/v1/spaces/${spaceId}`, t.apiKey)).status).toBe(404);
    expect((await call(`${h.api}/v1/spaces/${spaceId}/documents`, t.apiKey)).status).toBe(404);
    expect((await call(`${h.api}/v1/spaces/${spaceId}/documents/${ids[0]}/content`, t.apiKey)).status).toBe(404);
    expect((await uploadRaw(h.api, t.apiKey, spaceId, Buffer.from('late'), 'late.txt', 'text/plain')).status).toBe(404);

    await h.settle();
    expect(await listSpaceItems(t.tenantId, spaceId, 1000)).toEqual([]);
    for (const id of ids) {
      expect(await listDocumentChunks(t.tenantId, spaceId, id)).toEqual([]);
      await expect(download(`${t.tenantId}/${spaceId}/${id}`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('emits the envelope for every space and document event', async () => {
    const events = () =>
      h.host.broker
        .peek('events')
        .map(
          (m) =>
            m.body as { event_type: string; event_id: string; tenant_id: string; space_id: string | null; timestamp: string; data: Record<string, unknown> },
        );
    const tenant = await createTenantWithKey();
    const s = await call(`${h.api}/v1/spaces`, tenant.apiKey, { method: 'POST', body: { name: 'Eventful' } });
    const spaceId = s.body.data.id;
    await call(`${h.api}/v1/spaces/${spaceId}`, tenant.apiKey, { method: 'PATCH', body: { description: 'x' } });
    const good = await uploadRaw(h.api, tenant.apiKey, spaceId, Buffer.from('good text'), 'g.txt', 'text/plain');
    await uploadRaw(h.api, tenant.apiKey, spaceId, brokenPdf(), 'b.pdf', PDF);
    await h.settle();
    await call(`${h.api}/v1/spaces/${spaceId}/documents/${good.body.data.id}`, tenant.apiKey, { method: 'DELETE' });
    await call(`${h.api}/v1/spaces/${spaceId}`, tenant.apiKey, { method: 'DELETE' });
    await h.settle();
    const mine = events().filter((e) => e.tenant_id === tenant.tenantId);
    const types = mine.map((e) => e.event_type);
    for (const type of ['space.created', 'space.updated', 'document.added', 'document.processed', 'document.failed', 'document.deleted', 'space.deleted']) {
      expect(types, type).toContain(type);
    }
    for (const e of mine) {
      expect(e.event_id).toMatch(/^evt_/);
      expect(e.space_id).toBe(spaceId);
      expect(Number.isNaN(Date.parse(e.timestamp))).toBe(false);
    }
    const failed = mine.find((e) => e.event_type === 'document.failed')!;
    expect(failed.data).toMatchObject({ document: { filename: 'b.pdf', status: 'failed', failure_reason: 'unparseable_pdf' } });
  });
});
