import { beforeAll, describe, expect, it } from 'vitest';
import { listDocumentChunks } from '../../src/shared/documents/chunk-store';
import { createKeyFor, createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';
import { documentsHost } from '../helpers/host-presets';
import { blobsOf, uploadMultipart, uploadRaw } from '../helpers/document-uploads';
import { fakePdf, pngBytes } from '../helpers/document-fixtures';

const h = useTestHost(documentsHost());
let a: TenantWithKey;
let b: TenantWithKey;

beforeAll(async () => {
  a = await createTenantWithKey();
  b = await createTenantWithKey();
});

describe("documents: another tenant's space or document is a 404 on every route, and nothing changes", () => {
  it('tenant B cannot upload into, list, read, download or delete tenant A’s documents', async () => {
    const space = (await call(`${h.api}/v1/spaces`, a.apiKey, { method: 'POST', body: { name: 'A docs' } })).body.data;
    const up = await uploadRaw(h.api, a.apiKey, space.id, Buffer.from('Confidential text of tenant A.\n'), 'a.txt', 'text/plain');
    expect(up.status).toBe(201);
    await h.settle();
    const doc = (await call(`${h.api}/v1/spaces/${space.id}/documents/${up.body.data.id}`, a.apiKey)).body.data;
    const chunksBefore = await listDocumentChunks(a.tenantId, space.id, doc.id);
    const base = `${h.api}/v1/spaces/${space.id}/documents`;

    const attempts = [
      await uploadRaw(h.api, b.apiKey, space.id, Buffer.from('intruder'), 'b.txt', 'text/plain'),
      await uploadMultipart(h.api, b.apiKey, space.id, Buffer.from('intruder'), 'b.txt', 'text/plain'),
      await call(base, b.apiKey),
      await call(`${base}/${doc.id}`, b.apiKey),
      await call(`${base}/${doc.id}/content`, b.apiKey),
      await call(`${base}/${doc.id}/content?redirect=true`, b.apiKey),
      await call(`${base}/${doc.id}`, b.apiKey, { method: 'DELETE' }),
    ];
    for (const r of attempts) {
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('NOT_FOUND');
      expect(JSON.stringify(r.body)).not.toContain('Confidential');
    }

    // B's own space id with A's document id is not a way in either.
    const bSpace = (await call(`${h.api}/v1/spaces`, b.apiKey, { method: 'POST', body: { name: 'B docs' } })).body.data;
    expect((await call(`${h.api}/v1/spaces/${bSpace.id}/documents/${doc.id}`, b.apiKey)).status).toBe(404);
    expect((await call(`${h.api}/v1/spaces/${bSpace.id}/documents/${doc.id}`, b.apiKey, { method: 'DELETE' })).status).toBe(404);
    // Nor is A's own other space: a document belongs to exactly one space.
    const aOther = (await call(`${h.api}/v1/spaces`, a.apiKey, { method: 'POST', body: { name: 'A other' } })).body.data;
    expect((await call(`${h.api}/v1/spaces/${aOther.id}/documents/${doc.id}`, a.apiKey)).status).toBe(404);

    await h.settle();
    const after = await call(`${base}/${doc.id}`, a.apiKey);
    expect(after.body.data).toEqual(doc);
    expect(await listDocumentChunks(a.tenantId, space.id, doc.id)).toEqual(chunksBefore);
    const listA = await call(base, a.apiKey);
    expect(listA.body.data.map((d: { id: string }) => d.id)).toEqual([doc.id]);
    expect((await call(`${h.api}/v1/spaces/${space.id}`, a.apiKey)).body.data.document_count).toBe(1);
    const content = await fetch(`${base}/${doc.id}/content`, { headers: { 'x-api-key': a.apiKey } });
    expect(await content.text()).toBe('Confidential text of tenant A.\n');
  });

  it('answers 404 before any other refusal for a space the caller cannot see, and leaves no blob behind', async () => {
    // The space lookup runs while the bytes begin to stream; none of that may show.
    const space = (await call(`${h.api}/v1/spaces`, a.apiKey, { method: 'POST', body: { name: 'A hidden' } })).body.data;
    const missing = 'spc_00000000000000000000000000000000';
    const big = Buffer.alloc(3 * 1024 * 1024, 'Words of a long document that never finds its space.\n');
    const attempts = [
      await uploadRaw(h.api, b.apiKey, space.id, big, 'big.txt', 'text/plain'),
      await uploadRaw(h.api, b.apiKey, missing, big, 'big.txt', 'text/plain'),
      await uploadRaw(h.api, b.apiKey, space.id, Buffer.from('no name'), undefined, 'text/plain'),
      await uploadRaw(h.api, b.apiKey, space.id, pngBytes(), 'x.png', 'image/png'),
      await uploadRaw(h.api, b.apiKey, space.id, fakePdf(), 'x.pdf', 'application/pdf'),
      await uploadRaw(h.api, b.apiKey, space.id, Buffer.alloc(0), 'empty.txt', 'text/plain'),
      await uploadMultipart(h.api, b.apiKey, missing, big, 'big.txt', 'text/plain'),
    ];
    expect(attempts.map((r) => [r.status, r.body.error?.code])).toEqual(attempts.map(() => [404, 'NOT_FOUND']));
    expect(await blobsOf(b.tenantId)).toEqual([]);
    expect(await blobsOf(a.tenantId)).not.toContainEqual(expect.stringContaining(space.id));
    expect((await call(`${h.api}/v1/spaces/${space.id}`, a.apiKey)).body.data.document_count).toBe(0);
  });

  it('needs documents:read to read and documents:write to upload or delete', async () => {
    const space = (await call(`${h.api}/v1/spaces`, a.apiKey, { method: 'POST', body: { name: 'Scoped' } })).body.data;
    const reader = await createKeyFor(a.tenantId, ['documents:read']);
    const spacesOnly = await createKeyFor(a.tenantId, ['spaces:read', 'spaces:write']);
    expect((await uploadRaw(h.api, reader.apiKey, space.id, Buffer.from('x'), 'x.txt', 'text/plain')).status).toBe(403);
    expect((await uploadRaw(h.api, spacesOnly.apiKey, space.id, Buffer.from('x'), 'x.txt', 'text/plain')).status).toBe(403);
    expect((await call(`${h.api}/v1/spaces/${space.id}/documents`, spacesOnly.apiKey)).status).toBe(403);
    expect((await call(`${h.api}/v1/spaces/${space.id}/documents`, reader.apiKey)).status).toBe(200);
    expect((await call(`${h.api}/v1/spaces/${space.id}/documents`, undefined)).status).toBe(401);
    expect((await call(`${h.api}/v1/spaces/${space.id}`, a.apiKey)).body.data.document_count).toBe(0);
  });
});
