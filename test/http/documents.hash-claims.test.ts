import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { getContainer } from '../../src/shared/adapters/cosmos';
import { hashRecordId } from '../../src/shared/documents/document-records';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';
import { documentsHost } from '../helpers/host-presets';
import { uploadRaw } from '../helpers/document-uploads';

// The hash claim is made while Blob Storage is still answering (after every byte passed the checks).
const h = useTestHost(documentsHost());
let t: TenantWithKey;
let spaceId: string;

beforeAll(async () => {
  t = await createTenantWithKey();
  const s = await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name: 'Claims' } });
  spaceId = s.body.data.id;
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const readClaim = async (sha: string) => (await (await getContainer('documents')).item(hashRecordId(spaceId, sha), t.tenantId).read()).resource;

describe('documents: hash claims during upload', () => {
  it('same bytes uploaded four times at once make one document', async () => {
    const bytes = Buffer.from(`Uploaded four times at once ${Date.now()}.\n`.repeat(2000));
    const answers = await Promise.all([1, 2, 3, 4].map((i) => uploadRaw(h.api, t.apiKey, spaceId, bytes, `c${i}.txt`, 'text/plain')));
    const created = answers.filter((a) => a.status === 201);
    expect(created).toHaveLength(1);
    const id = created[0]!.body.data.id;
    for (const a of answers.filter((x) => x.status !== 201)) {
      expect([200, 409]).toContain(a.status);
      if (a.status === 200) expect(a.body.data.id).toBe(id);
    }
    const list = await call(`${h.api}/v1/spaces/${spaceId}/documents?limit=100`, t.apiKey);
    expect(list.body.data.filter((d: { sha256: string }) => d.sha256 === sha256(bytes))).toHaveLength(1);
    expect((await readClaim(sha256(bytes)))?.documentId).toBe(id);
  });

  it('bytes refused at their very end (invalid JSON) leave no claim, no document and no count', async () => {
    const before = (await call(`${h.api}/v1/spaces/${spaceId}`, t.apiKey)).body.data.document_count;
    const bytes = Buffer.from(`{"items": [${'1,'.repeat(50_000)}2]`); // the closing brace is missing
    const res = await uploadRaw(h.api, t.apiKey, spaceId, bytes, 'broken.json', 'application/json');
    expect(res.status).toBe(415);
    expect(res.body.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', reason: 'invalid_json' });
    expect(await readClaim(sha256(bytes))).toBeUndefined();
    expect((await call(`${h.api}/v1/spaces/${spaceId}`, t.apiKey)).body.data.document_count).toBe(before);
  });
});
