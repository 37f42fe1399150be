/** A document whose processing message could not be sent (bus outage) is re-queued by documents-requeue. */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { listDocumentChunks } from '../../src/shared/documents/chunk-store';
import { chunkId } from '../../src/shared/documents/document-records';
import { readDocument } from '../../src/shared/documents/document-store';
import { getQueueSender } from '../../src/shared/events/queue-sender';
import { QUEUES, type QueueName } from '../../src/shared/ports';
import { call } from '../helpers/api-call';
import { loremText } from '../helpers/document-fixtures';
import { uploadRaw } from '../helpers/document-uploads';
import { DOCUMENT_FUNCTIONS, documentsHost } from '../helpers/host-presets';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { useTestHost } from '../helpers/test-host';

const base = documentsHost({ CHUNK_SIZE: '200', CHUNK_OVERLAP: '30', DOCUMENT_REQUEUE_AFTER_SECONDS: '0' });
const h = useTestHost({ ...base, functions: [...DOCUMENT_FUNCTIONS, 'src/functions/documents-requeue.ts'] });
let a: TenantWithKey;
let b: TenantWithKey;

beforeAll(async () => {
  a = await createTenantWithKey();
  b = await createTenantWithKey();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Makes the next `count` sends to the document-processing queue fail, as in a bus outage; returns the processing sends seen. */
function failProcessingSends(count: number): QueueName[] {
  const sender = getQueueSender();
  const real = sender.send.bind(sender);
  const seen: QueueName[] = [];
  let left = count;
  vi.spyOn(sender, 'send').mockImplementation(async (queue, body, options) => {
    if (queue === QUEUES.documentProcessing) {
      seen.push(queue);
      if (left > 0) {
        left--;
        throw new Error('service bus unavailable');
      }
    }
    return real(queue, body, options);
  });
  return seen;
}

async function newSpace(t: TenantWithKey, name: string): Promise<string> {
  const s = await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name } });
  expect(s.status).toBe(201);
  return s.body.data.id as string;
}

describe('documents: re-queueing processing the bus missed', () => {
  it('leaves a document `uploaded` when the send fails, and the timer gets it processed with one set of chunks, across tenants', async () => {
    const spaceA = await newSpace(a, 'Requeue A');
    const spaceB = await newSpace(b, 'Requeue B');
    // Processed normally first: the sweep must not touch it.
    const done = await uploadRaw(h.api, a.apiKey, spaceA, Buffer.from(`done ${loremText(800)}`), 'done.txt', 'text/plain');
    expect(done.status).toBe(201);
    await h.settle();
    const doneBefore = await readDocument(a.tenantId, spaceA, done.body.data.id);
    expect(doneBefore?.status).toBe('processed');

    const sends = failProcessingSends(2);
    const upA = await uploadRaw(h.api, a.apiKey, spaceA, Buffer.from(loremText(2500)), 'a.txt', 'text/plain');
    const upB = await uploadRaw(h.api, b.apiKey, spaceB, Buffer.from(`b ${loremText(1500)}`), 'b.txt', 'text/plain');
    // The upload itself succeeded.
    expect([upA.status, upB.status]).toEqual([201, 201]);
    expect(sends).toHaveLength(2);
    await h.settle();
    const idA: string = upA.body.data.id;
    const idB: string = upB.body.data.id;
    for (const [t, s, id] of [
      [a, spaceA, idA],
      [b, spaceB, idB],
    ] as const) {
      const got = await call(`${h.api}/v1/spaces/${s}/documents/${id}`, t.apiKey);
      expect(got.body.data.status).toBe('uploaded');
      expect(await listDocumentChunks(t.tenantId, s, id)).toEqual([]);
    }

    await h.host.fireTimer('documents-requeue');
    await h.settle();

    for (const [t, s, id] of [
      [a, spaceA, idA],
      [b, spaceB, idB],
    ] as const) {
      const got = await call(`${h.api}/v1/spaces/${s}/documents/${id}`, t.apiKey);
      expect(got.status).toBe(200);
      expect(got.body.data).toMatchObject({ status: 'processed', failure_reason: null });
      expect(got.body.data).not.toHaveProperty('requeue_attempts');
      const count: number = got.body.data.chunk_count;
      expect(count).toBeGreaterThan(1);
      const chunks = await listDocumentChunks(t.tenantId, s, id);
      expect(chunks.map((c) => c.id).sort()).toEqual(Array.from({ length: count }, (_, i) => chunkId(id, i)));
    }
    // Only the two stuck documents were sent again (2 failed + 2 re-sent); the processed one untouched.
    expect(sends).toHaveLength(4);
    expect((await readDocument(a.tenantId, spaceA, done.body.data.id))?._etag).toBe(doneBefore?._etag);

    // Nothing is stuck any more: a second run sends nothing.
    await h.host.fireTimer('documents-requeue');
    await h.settle();
    expect(sends).toHaveLength(4);
  });
});
