/** Document uploads for the HTTP tests: multipart/form-data and raw bodies, and the blobs they leave. */
import { getBlobContainer } from '../../src/shared/adapters/blob';
import type { Reply } from './api-call';
import { assertContract } from './contract';

/** The reply as JSON, checked against openapi.json first. */
async function checkedReply(url: string, res: Response): Promise<Reply> {
  const text = await res.text();
  assertContract('POST', url, { status: res.status, headers: res.headers, text });
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as Reply['body'] };
}

/** Uploads bytes as multipart/form-data (field "file"). */
export async function uploadMultipart(api: string, key: string, spaceId: string, bytes: Uint8Array, filename: string, type: string): Promise<Reply> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), filename);
  const url = `${api}/v1/spaces/${spaceId}/documents`;
  return checkedReply(url, await fetch(url, { method: 'POST', headers: { 'x-api-key': key }, body: form }));
}

/** Uploads bytes as the raw body with Content-Type and ?filename=. */
export async function uploadRaw(api: string, key: string, spaceId: string, bytes: Uint8Array, filename: string | undefined, type: string): Promise<Reply> {
  const q = filename === undefined ? '' : `?filename=${encodeURIComponent(filename)}`;
  const url = `${api}/v1/spaces/${spaceId}/documents${q}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': type },
    body: new Uint8Array(bytes), // a copy typed Uint8Array<ArrayBuffer>, as BodyInit wants
  });
  return checkedReply(url, res);
}

/** Every blob stored under a tenant's prefix (what uploads left behind). */
export async function blobsOf(tenantId: string): Promise<string[]> {
  const names: string[] = [];
  for await (const b of (await getBlobContainer()).listBlobsFlat({ prefix: `${tenantId}/` })) names.push(b.name);
  return names;
}
