import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { DOCX } from '../../src/shared/documents/content-type';
import { deepHtml, deepJson, docxBomb } from '../../local/hostile-documents';
import { call } from '../helpers/api-call';
import { blobsOf, uploadRaw } from '../helpers/document-uploads';
import { documentsHost } from '../helpers/host-presets';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { useTestHost } from '../helpers/test-host';

const MB = 1024 * 1024;
const h = useTestHost(documentsHost({ EXTRACT_MAX_INFLATED_BYTES: String(4 * MB), BODY_TIMEOUT_MS: '3000' }));
let t: TenantWithKey;

beforeAll(async () => {
  t = await createTenantWithKey();
});

describe('hostile documents through the API: accepted at upload, then `failed` with a reason; the host carries on', () => {
  it('a DOCX zip bomb, HTML and JSON nested 100,000 deep', async () => {
    const space = (await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name: 'Hostile' } })).body.data;
    const files: Array<[Buffer, string, string, string]> = [
      [docxBomb(16 * MB), 'bomb.docx', DOCX, 'extraction_too_large'],
      [deepHtml(100_000), 'deep.html', 'text/html', 'too_deeply_nested'],
      [deepJson(100_000), 'deep.json', 'application/json', 'too_deeply_nested'],
    ];
    const ids: string[] = [];
    for (const [bytes, name, type] of files) {
      const up = await uploadRaw(h.api, t.apiKey, space.id, bytes, name, type);
      expect(up.status).toBe(201);
      ids.push(up.body.data.id);
    }
    const good = await uploadRaw(h.api, t.apiKey, space.id, Buffer.from('An ordinary document after the hostile ones.'), 'ok.txt', 'text/plain');
    await h.settle();
    for (const [i, id] of ids.entries()) {
      const d = (await call(`${h.api}/v1/spaces/${space.id}/documents/${id}`, t.apiKey)).body.data;
      expect(d).toMatchObject({ status: 'failed', failure_reason: files[i]![3], chunk_count: 0 });
    }
    const ok = (await call(`${h.api}/v1/spaces/${space.id}/documents/${good.body.data.id}`, t.apiKey)).body.data;
    expect(ok).toMatchObject({ status: 'processed', chunk_count: 1 });
  });
});

describe('an upload whose body stops arriving', () => {
  it('is cut with a 408 envelope after BODY_TIMEOUT_MS, and nothing is stored', async () => {
    const u = await createTenantWithKey();
    const space = (await call(`${h.api}/v1/spaces`, u.apiKey, { method: 'POST', body: { name: 'Stalled' } })).body.data;
    const url = new URL(`${h.api}/v1/spaces/${space.id}/documents?filename=stalled.txt`);
    const received = await new Promise<string>((resolve) => {
      const s = connect(Number(url.port), '127.0.0.1');
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('error', () => undefined);
      s.on('close', () => resolve(got));
      s.write(
        `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${u.apiKey}\r\nContent-Type: text/plain\r\n` +
          `Content-Length: 100000\r\n\r\n${'Only the start of the promised text. '.repeat(100)}`,
      );
    });
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(received).toContain('"code":"REQUEST_TIMEOUT"');
    expect(await blobsOf(u.tenantId)).toEqual([]);
    expect((await call(`${h.api}/v1/spaces/${space.id}/documents`, u.apiKey)).body.data).toEqual([]);
  });
});
