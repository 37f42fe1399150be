import { beforeAll, describe, expect, it } from 'vitest';
import { listSpaceItems } from '../../src/shared/documents/document-store';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';
import { documentsHost } from '../helpers/host-presets';
import { blobsOf, uploadRaw } from '../helpers/document-uploads';

const MB = 1024 * 1024;
// Azurite keeps blobs in memory and refuses writes past its limit (with a 409 of its own).
const h = useTestHost({ ...documentsHost(), blobMemoryLimitBytes: 2 * MB });
let t: TenantWithKey;

beforeAll(async () => {
  t = await createTenantWithKey();
});

describe('documents: Blob Storage refusing a write', () => {
  it('answers 503 DEPENDENCY_UNAVAILABLE, not a conflict, and stores nothing of the upload', async () => {
    const space = (await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name: 'Full store' } })).body.data;
    const big = Buffer.alloc(3 * MB, 'A document larger than the whole store.\n');
    const r = await uploadRaw(h.api, t.apiKey, space.id, big, 'big.txt', 'text/plain');
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(JSON.stringify(r.body)).not.toMatch(/Azurite|extent|MemoryExtentStore/i);

    await h.settle();
    expect((await call(`${h.api}/v1/spaces/${space.id}`, t.apiKey)).body.data.document_count).toBe(0);
    expect((await call(`${h.api}/v1/spaces/${space.id}/documents`, t.apiKey)).body.data).toEqual([]);
    expect(await listSpaceItems(t.tenantId, space.id, 100)).toEqual([]); // no record, no hash claim
    expect(await blobsOf(t.tenantId)).toEqual([]);
  });
});
