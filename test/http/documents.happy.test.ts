import { beforeAll, describe, expect, it } from 'vitest';
import { listDocumentChunks } from '../../src/shared/documents/chunk-store';
import { DOCX, PDF } from '../../src/shared/documents/content-type';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';
import { documentsHost } from '../helpers/host-presets';
import { uploadMultipart, uploadRaw } from '../helpers/document-uploads';
import { loremText, makeDocx, makeTwoPagePdf } from '../helpers/document-fixtures';

const h = useTestHost(documentsHost({ CHUNK_SIZE: '300', CHUNK_OVERLAP: '40' }));
let t: TenantWithKey;
let spaceId: string;

beforeAll(async () => {
  t = await createTenantWithKey();
  const s = await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name: 'Docs' } });
  spaceId = s.body.data.id;
});

const docUrl = (id: string) => `${h.api}/v1/spaces/${spaceId}/documents/${id}`;

describe('documents: happy paths', () => {
  it('uploads a PDF (multipart), processes it into page-aware chunks, downloads and deletes it', async () => {
    const pdf = await makeTwoPagePdf();
    const up = await uploadMultipart(h.api, t.apiKey, spaceId, pdf, 'report.pdf', PDF);
    expect(up.status).toBe(201);
    const doc = up.body.data;
    expect(doc).toMatchObject({ space_id: spaceId, filename: 'report.pdf', content_type: PDF, size_bytes: pdf.length, status: 'uploaded' });
    expect(doc.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(up.headers.get('location')).toBe(`/api/v1/spaces/${spaceId}/documents/${doc.id}`);

    await h.settle();
    const got = await call(docUrl(doc.id), t.apiKey);
    expect(got.status).toBe(200);
    expect(got.body.data).toMatchObject({ status: 'processed', page_count: 2, failure_reason: null });
    expect(got.body.data.chunk_count).toBeGreaterThan(0);
    const chunks = await listDocumentChunks(t.tenantId, spaceId, doc.id);
    expect(chunks).toHaveLength(got.body.data.chunk_count);
    expect(chunks.find((c) => c.text.includes('Alpha page one'))?.page).toBe(1);
    expect(chunks.find((c) => c.text.includes('Beta page two'))?.pageEnd).toBe(2);
    expect(chunks.every((c) => c.tenantId === t.tenantId && c.spaceId === spaceId)).toBe(true);

    const space = await call(`${h.api}/v1/spaces/${spaceId}`, t.apiKey);
    expect(space.body.data.document_count).toBe(1);

    const content = await fetch(`${docUrl(doc.id)}/content`, { headers: { 'x-api-key': t.apiKey } });
    expect(content.status).toBe(200);
    expect(content.headers.get('content-type')).toBe(PDF);
    expect(content.headers.get('content-disposition')).toBe('attachment; filename="report.pdf"');
    expect(content.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await content.arrayBuffer()).equals(pdf)).toBe(true);

    const redirect = await call(`${docUrl(doc.id)}/content?redirect=true`, t.apiKey);
    expect(redirect.status).toBe(302);
    const sasUrl = redirect.headers.get('location')!;
    expect(sasUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*sp=r/);
    const viaSas = await fetch(sasUrl);
    expect(Buffer.from(await viaSas.arrayBuffer()).equals(pdf)).toBe(true);

    const del = await call(docUrl(doc.id), t.apiKey, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await call(docUrl(doc.id), t.apiKey)).status).toBe(404);
    expect((await call(`${docUrl(doc.id)}/content`, t.apiKey)).status).toBe(404);
    expect(await listDocumentChunks(t.tenantId, spaceId, doc.id)).toEqual([]);
    expect((await call(`${h.api}/v1/spaces/${spaceId}`, t.apiKey)).body.data.document_count).toBe(0);
    // Gone from Blob Storage too: the SAS URL now finds nothing.
    expect((await fetch(sasUrl)).status).toBe(404);
  });

  it('accepts a raw body with ?filename=, and every allowed type reaches processed', async () => {
    const cases: Array<[string, string, Uint8Array]> = [
      ['notes.txt', 'text/plain; charset=utf-8', Buffer.from(loremText(2000))],
      ['readme.md', 'text/markdown', Buffer.from('# Title\n\nSome *markdown* text.\n')],
      ['page.html', 'text/html', Buffer.from('<html><body><h1>Hi</h1><p>Paragraph text.</p></body></html>')],
      ['data.csv', 'text/csv', Buffer.from('name,value\nalpha,1\nbeta,2\n')],
      ['data.json', 'application/json', Buffer.from('{"items":[{"name":"alpha"},{"name":"beta"}]}')],
      ['letter.docx', DOCX, await makeDocx(['Dear reader,', 'This is a Word document.'])],
    ];
    const ids: string[] = [];
    for (const [name, type, bytes] of cases) {
      const up = await uploadRaw(h.api, t.apiKey, spaceId, bytes, name, type);
      expect(up.status, name).toBe(201);
      expect(up.body.data.filename).toBe(name);
      ids.push(up.body.data.id);
    }
    await h.settle();
    for (const id of ids) {
      const d = await call(docUrl(id), t.apiKey);
      expect(d.body.data.status, d.body.data.filename).toBe('processed');
      expect(d.body.data.chunk_count).toBeGreaterThan(0);
    }
    const txtChunks = await listDocumentChunks(t.tenantId, spaceId, ids[0]!);
    expect(txtChunks.length).toBeGreaterThan(5);
    expect(txtChunks.every((c) => c.text.length <= 300 && c.page === null)).toBe(true);

    const list = await call(`${h.api}/v1/spaces/${spaceId}/documents?limit=4`, t.apiKey);
    expect(list.status).toBe(200);
    expect(list.body.data.map((d: { id: string }) => d.id)).toEqual([...ids].reverse().slice(0, 4));
    expect(list.body.pagination.has_next).toBe(true);
    const next = await call(`${h.api}/v1/spaces/${spaceId}/documents?limit=4&cursor=${encodeURIComponent(list.body.pagination.cursor)}`, t.apiKey);
    expect(next.body.data.map((d: { id: string }) => d.id)).toEqual([...ids].reverse().slice(4));
    const processed = await call(`${h.api}/v1/spaces/${spaceId}/documents?status=failed`, t.apiKey);
    expect(processed.body.data).toEqual([]);
  });

  it('returns the existing document when the same bytes are uploaded to the space again', async () => {
    const bytes = Buffer.from('Exactly the same content, uploaded twice.\n');
    const first = await uploadRaw(h.api, t.apiKey, spaceId, bytes, 'one.txt', 'text/plain');
    expect(first.status).toBe(201);
    const before = (await call(`${h.api}/v1/spaces/${spaceId}`, t.apiKey)).body.data.document_count;
    const second = await uploadMultipart(h.api, t.apiKey, spaceId, bytes, 'two.txt', 'text/plain');
    expect(second.status).toBe(200);
    expect(second.body.data.id).toBe(first.body.data.id);
    expect(second.body.data.filename).toBe('one.txt');
    expect((await call(`${h.api}/v1/spaces/${spaceId}`, t.apiKey)).body.data.document_count).toBe(before);

    // Another space is another collection: the same bytes make a new document there.
    const other = await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name: 'Other docs' } });
    const third = await uploadRaw(h.api, t.apiKey, other.body.data.id, bytes, 'three.txt', 'text/plain');
    expect(third.status).toBe(201);
    expect(third.body.data.id).not.toBe(first.body.data.id);
  });
});
