import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/core/errors';
import { createReadSasUrl, deleteIfExists, deletePrefix, download, getBlobContainer, getBlobServiceClient, uploadStream } from '../../src/shared/adapters/blob';
import { blobHealthCheck } from '../../src/shared/adapters/health-checks';
import { resetServices } from '../../src/shared/services';
import { startEmulators } from '../../local/emulators';
import { freePort as closedPort } from '../helpers/free-port';
import { withSettings } from '../helpers/test-host';

let emulators: Awaited<ReturnType<typeof startEmulators>>;

beforeAll(async () => {
  delete process.env.BLOB_STORAGE_CONNECTION_STRING;
  emulators = await startEmulators({ cosmos: false });
  await resetServices();
});

afterAll(async () => {
  await resetServices();
  await emulators.stop();
});

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a rejection');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(parts);
}

/** A stream of `total` pseudo-random bytes produced 64 KiB at a time (never held whole in memory). */
function generated(total: number, seed = 1): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  let x = seed;
  const stream = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(65_536, total - sent);
      const buf = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        buf[i] = x & 0xff;
      }
      sent += n;
      hash.update(buf);
      this.push(buf);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

const upload = (path: string, text: string, type = 'text/plain') => uploadStream(path, Readable.from([Buffer.from(text)]), type);

/** Runs `fn` with BLOB_STORAGE_CONNECTION_STRING replaced, then puts the emulator's back. */
const withConnectionString = (cs: string | undefined, fn: () => Promise<void>) => withSettings({ BLOB_STORAGE_CONNECTION_STRING: cs }, fn);

describe('Blob adapter', () => {
  it('creates the configured container on first use', async () => {
    const container = await getBlobContainer();
    expect(container.containerName).toBe('documents');
    expect(await getBlobServiceClient().getContainerClient('documents').exists()).toBe(true);
  });

  it('streams a multi-buffer upload and downloads the same bytes, type and metadata', async () => {
    const size = 9 * 1024 * 1024 + 123; // spans several 4 MiB upload buffers
    const source = generated(size);
    const result = await uploadStream('t1/s1/big.bin', source.stream, 'application/octet-stream', { documentid: 'doc1' });
    expect(result.bytes).toBe(size);
    expect(result.etag).toBeTruthy();

    const got = await download('t1/s1/big.bin');
    expect(got.contentType).toBe('application/octet-stream');
    expect(got.contentLength).toBe(size);
    expect(got.metadata).toEqual({ documentid: 'doc1' });
    expect(got.etag).toBe(result.etag);
    const body = await readAll(got.stream);
    expect(body.length).toBe(size);
    expect(createHash('sha256').update(body).digest('hex')).toBe(source.sha256());
  });

  it('overwrites an existing blob', async () => {
    await upload('t1/s1/over.txt', 'first');
    await upload('t1/s1/over.txt', 'second');
    expect((await readAll((await download('t1/s1/over.txt')).stream)).toString()).toBe('second');
  });

  it('a failing source stream rejects the upload and leaves no blob', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1024, 1));
        this.destroy(new Error('client went away'));
      },
    });
    const e = await rejection(uploadStream('t1/s1/broken.bin', failing, 'application/octet-stream'));
    expect(e.message).not.toContain('client went away');
    expect((await rejection(download('t1/s1/broken.bin'))).code).toBe('NOT_FOUND');
  });

  it('download of a missing blob is NOT_FOUND without SDK text', async () => {
    const e = await rejection(download('t1/nope.txt'));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toBe('Document content not found.');
  });

  it('deleteIfExists deletes once and then reports false', async () => {
    await upload('t1/s1/del.txt', 'bye');
    expect(await deleteIfExists('t1/s1/del.txt')).toBe(true);
    expect(await deleteIfExists('t1/s1/del.txt')).toBe(false);
    expect((await rejection(download('t1/s1/del.txt'))).code).toBe('NOT_FOUND');
  });

  it('deletePrefix removes exactly the blobs under the prefix', async () => {
    await upload('p1/a.txt', 'a');
    await upload('p1/sub/b.txt', 'b');
    await upload('p10/c.txt', 'c'); // shares the text "p1" but is not under "p1/"
    await upload('p2/d.txt', 'd');
    expect(await deletePrefix('p1/')).toBe(2);
    const container = await getBlobContainer();
    const left: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix: 'p' })) left.push(b.name);
    expect(left.sort()).toEqual(['p10/c.txt', 'p2/d.txt']);
    expect(await deletePrefix('p1/')).toBe(0);
  });

  it('refuses unsafe paths and prefixes without touching anything', async () => {
    await upload('safe/keep.txt', 'keep');
    for (const bad of ['', '../x', 'a//b', 'a/./b', 'a\\b', 'a\u0000b']) {
      expect((await rejection(deleteIfExists(bad))).code, JSON.stringify(bad)).toBe('INTERNAL');
    }
    for (const bad of ['', 'safe', '/']) {
      expect((await rejection(deletePrefix(bad))).code, JSON.stringify(bad)).toBe('INTERNAL');
    }
    expect((await readAll((await download('safe/keep.txt')).stream)).toString()).toBe('keep');
  });

  describe('read-only SAS URL', () => {
    it('lets a plain HTTP client read the blob from loopback', async () => {
      await upload('t1/s1/shared.md', '# hello', 'text/markdown');
      const { url, expiresOn } = await createReadSasUrl('t1/s1/shared.md', {
        expiresInSeconds: 120,
        contentDisposition: 'attachment; filename="shared.md"',
      });
      expect(new URL(url).hostname).toBe('127.0.0.1');
      expect(new URL(url).searchParams.get('sp')).toBe('r');
      expect(expiresOn.getTime()).toBeGreaterThan(Date.now());
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('# hello');
      expect(res.headers.get('content-type')).toBe('text/markdown');
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="shared.md"');
    });

    it('does not allow writing, deleting, or a tampered signature', async () => {
      await upload('t1/s1/ro.txt', 'original');
      const { url } = await createReadSasUrl('t1/s1/ro.txt');
      const put = await fetch(url, { method: 'PUT', body: 'changed', headers: { 'x-ms-blob-type': 'BlockBlob' } });
      expect(put.status).toBe(403);
      const del = await fetch(url, { method: 'DELETE' });
      expect(del.status).toBe(403);
      const u = new URL(url);
      u.searchParams.set('sig', Buffer.alloc(32, 7).toString('base64'));
      expect((await fetch(u)).status).toBe(403);
      // A URL for one blob does not read another.
      const other = new URL(url);
      other.pathname = other.pathname.replace('ro.txt', 'over.txt');
      expect((await fetch(other)).status).toBe(403);
      expect((await readAll((await download('t1/s1/ro.txt')).stream)).toString()).toBe('original');
    });
  });

  describe('health check', () => {
    it('is healthy against Azurite', async () => {
      const r = await blobHealthCheck.check(AbortSignal.timeout(5_000));
      expect(r.status).toBe('healthy');
    });

    it('is unhealthy with reason UNREACHABLE when the account is at a closed port', async () => {
      const cs = process.env.BLOB_STORAGE_CONNECTION_STRING!.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${await closedPort()}`);
      await withConnectionString(cs, async () => {
        const r = await blobHealthCheck.check(AbortSignal.timeout(5_000));
        expect(r).toMatchObject({ status: 'unhealthy', reason: 'UNREACHABLE' });
        // The adapter itself reports the outage as DEPENDENCY_UNAVAILABLE, not a 500.
        const e = await rejection(upload('t1/x.txt', 'x'));
        expect(e.code).toBe('DEPENDENCY_UNAVAILABLE');
      });
    });

    it('is AUTH_FAILED when the account key is wrong', async () => {
      const wrongKey = Buffer.alloc(64, 1).toString('base64');
      const cs = process.env.BLOB_STORAGE_CONNECTION_STRING!.replace(/AccountKey=[^;]+/, `AccountKey=${wrongKey}`);
      await withConnectionString(cs, async () => {
        const r = await blobHealthCheck.check(AbortSignal.timeout(5_000));
        expect(r).toMatchObject({ status: 'unhealthy', reason: 'AUTH_FAILED' });
      });
    });

    it('is not_configured without a connection string', async () => {
      await withConnectionString(undefined, async () => {
        expect(await blobHealthCheck.check(AbortSignal.timeout(5_000))).toEqual({
          status: 'not_configured',
          reason: 'NOT_CONFIGURED',
        });
      });
    });
  });
});
