import { beforeAll, describe, expect, it } from 'vitest';
import { whenEventsDispatched } from '../../src/shared/events/publisher';
import { download } from '../../src/shared/adapters/blob';
import { listDocumentChunks } from '../../src/shared/documents/chunk-store';
import { readDocument } from '../../src/shared/documents/document-store';
import { call } from '../helpers/api-call';
import { uploadRaw } from '../helpers/document-uploads';
import { loremText } from '../helpers/document-fixtures';
import { freePort as closedPort } from '../helpers/free-port';
import { documentsHost } from '../helpers/host-presets';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { useTestHost, withSettings } from '../helpers/test-host';

// A DELETE that fails part-way (Blob Storage down) must leave the document findable, so the
// client's retry finishes the job: record, chunks, blob and hash claim gone, count and event once.
const h = useTestHost(documentsHost({ CHUNK_SIZE: '200', CHUNK_OVERLAP: '30' }));
let t: TenantWithKey;
let other: TenantWithKey;

beforeAll(async () => {
  t = await createTenantWithKey();
  other = await createTenantWithKey();
});

const deletedEvents = (documentId: string) =>
  h.host.broker
    .peek('events')
    .map((m) => m.body as { event_type: string; data: { document?: { id?: string } } })
    .filter((e) => e.event_type === 'document.deleted' && e.data.document?.id === documentId);

describe('documents: a DELETE interrupted by a Blob Storage outage is completed by the retry', () => {
  it('answers 503 without detail, keeps the record, and the retried DELETE finishes (204) exactly once', async () => {
    const space = await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name: 'Delete outage' } });
    expect(space.status).toBe(201);
    const spaceId: string = space.body.data.id;
    const bytes = Buffer.from(loremText(3000));
    const doomed = await uploadRaw(h.api, t.apiKey, spaceId, bytes, 'doomed.txt', 'text/plain');
    const kept = await uploadRaw(h.api, t.apiKey, spaceId, Buffer.from(`kept ${loremText(500)}`), 'kept.txt', 'text/plain');
    expect([doomed.status, kept.status]).toEqual([201, 201]);
    await h.settle();
    const docId: string = doomed.body.data.id;
    const docUrl = `${h.api}/v1/spaces/${spaceId}/documents/${docId}`;
    const countOf = async () => (await call(`${h.api}/v1/spaces/${spaceId}`, t.apiKey)).body.data.document_count as number;
    expect(await countOf()).toBe(2);
    expect((await listDocumentChunks(t.tenantId, spaceId, docId)).length).toBeGreaterThan(1);

    // Blob Storage unreachable for this one request (authentication and Cosmos still work).
    const port = await closedPort();
    const unreachable = process.env.BLOB_STORAGE_CONNECTION_STRING!.replace(/BlobEndpoint=[^;]+/, `BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1`);
    await withSettings({ BLOB_STORAGE_CONNECTION_STRING: unreachable }, async () => {
      const failed = await call(docUrl, t.apiKey, { method: 'DELETE' });
      expect(failed.status).toBe(503);
      expect(failed.body.error.code).toBe('DEPENDENCY_UNAVAILABLE');
      expect(failed.body.meta.request_id).toBe(failed.headers.get('x-request-id'));
      const text = JSON.stringify(failed.body);
      expect(text).not.toMatch(/ECONNREFUSED|Error:|at .*\.ts|AccountKey|127\.0\.0\.1|devstoreaccount1/);
      expect(text).not.toContain(String(port));
    });

    // The interrupted delete left the document findable: no 404, no count change, no event.
    const still = await call(docUrl, t.apiKey);
    expect(still.status).toBe(200);
    expect(await countOf()).toBe(2);
    await whenEventsDispatched(); // events reach the queue in the background, over AMQP
    expect(deletedEvents(docId)).toEqual([]);

    // Other tenants still get 404 and change nothing; a stale If-Match is still 412.
    expect((await call(docUrl, other.apiKey, { method: 'DELETE' })).status).toBe(404);
    const stale = await call(docUrl, t.apiKey, { method: 'DELETE', headers: { 'If-Match': '"not-the-etag"' } });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('PRECONDITION_FAILED');
    expect((await readDocument(t.tenantId, spaceId, docId))?.id).toBe(docId);

    // Blob is back: the retry (with the current ETag) completes the job.
    const etag = still.headers.get('etag');
    expect(etag).toBeTruthy();
    const retried = await call(docUrl, t.apiKey, { method: 'DELETE', headers: { 'If-Match': etag! } });
    expect(retried.status).toBe(204);

    expect(await readDocument(t.tenantId, spaceId, docId)).toBeUndefined();
    expect(await listDocumentChunks(t.tenantId, spaceId, docId)).toEqual([]);
    await expect(download(`${t.tenantId}/${spaceId}/${docId}`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await countOf()).toBe(1);
    await whenEventsDispatched();
    expect(deletedEvents(docId)).toHaveLength(1);
    expect((await call(docUrl, t.apiKey, { method: 'DELETE' })).status).toBe(404);
    expect(await countOf()).toBe(1);
    expect(deletedEvents(docId)).toHaveLength(1);
    // The other document is untouched.
    expect((await call(`${h.api}/v1/spaces/${spaceId}/documents/${kept.body.data.id}`, t.apiKey)).status).toBe(200);

    // The hash claim went too: the same bytes upload as a new document (201), not the deleted one.
    const again = await uploadRaw(h.api, t.apiKey, spaceId, bytes, 'doomed-again.txt', 'text/plain');
    expect(again.status).toBe(201);
    expect(again.body.data.id).not.toBe(docId);
    await h.settle();
  });
});
