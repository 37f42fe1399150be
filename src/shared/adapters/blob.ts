/**
 * Blob Storage: one BlobServiceClient per process from BLOB_STORAGE_CONNECTION_STRING (or
 * BLOB_STORAGE_ACCOUNT_URL with the identity: src/shared/core/azure-auth.ts), the
 * BLOB_STORAGE_CONTAINER created if missing (once per process), and the few operations document
 * handling needs: streamed upload with bounded buffers, streamed download, delete, delete by prefix,
 * and short-lived read-only SAS URLs. Errors surface as AppError.
 */
import { Readable, Transform, pipeline, type TransformCallback } from 'node:stream';
import {
  BlobSASPermissions,
  BlobServiceClient,
  type BlockBlobClient,
  type ContainerClient,
  type StoragePipelineOptions,
  type UserDelegationKey,
} from '@azure/storage-blob';
import { getConfig } from '../config';
import { blobAuth, type AzureAuth } from '../core/azure-auth';
import { getAzureCredential } from './azure-credential';
import { AppError, dependencyUnavailable } from '../core/errors';
import { registerReset } from '../services';
import { mapAzureError } from './azure-errors';

const SERVICE = 'Blob Storage';

/** Upload buffer size and count: memory per upload is at most BUFFER_BYTES * (CONCURRENCY + 1), whatever the blob's size. */
const BUFFER_BYTES = 4 * 1024 * 1024;
const CONCURRENCY = 2;

let service: BlobServiceClient | undefined;
let containerReady: Promise<ContainerClient> | undefined;

/**
 * Pipeline options for clients built from config: each try bounded by AZURE_TIMEOUT, and short
 * retries (the SDK default backs off for up to minutes, too long for an API request to wait).
 */
export function blobPipelineOptions(maxTries = 3): StoragePipelineOptions {
  return {
    retryOptions: {
      maxTries,
      tryTimeoutInMs: getConfig().AZURE_TIMEOUT * 1000,
      retryDelayInMs: 300,
      maxRetryDelayInMs: 3000,
    },
  };
}

/** Builds a client from a connection string; SDK parsing errors never reach callers. */
export function blobServiceClientFrom(connectionString: string, maxTries?: number): BlobServiceClient {
  try {
    return BlobServiceClient.fromConnectionString(connectionString, blobPipelineOptions(maxTries));
  } catch (err) {
    throw new AppError('DEPENDENCY_UNAVAILABLE', 'A dependency (Blob Storage) is misconfigured.', { cause: err });
  }
}

/** Builds a client from the selected auth (connection string, or account URL + the identity). */
export function blobServiceClientFor(auth: AzureAuth, maxTries?: number): BlobServiceClient {
  if (auth.kind === 'connection-string') return blobServiceClientFrom(auth.connectionString, maxTries);
  if (auth.kind === 'identity') return new BlobServiceClient(auth.endpoint, getAzureCredential(), blobPipelineOptions(maxTries));
  throw new AppError('DEPENDENCY_UNAVAILABLE', 'A dependency (Blob Storage) is not configured.');
}

/** The process's BlobServiceClient. Throws DEPENDENCY_UNAVAILABLE when neither a connection string nor an account URL is set. */
export function getBlobServiceClient(): BlobServiceClient {
  service ??= blobServiceClientFor(blobAuth(getConfig()));
  return service;
}

// With the identity there is no account key: download URLs are user delegation SAS, signed with a
// key the service issues to the identity (role Storage Blob Data Contributor). One key serves many
// URLs; a fresh one is asked for when less than 15 minutes of it remain.
let delegationKey: { key: UserDelegationKey; expiresOn: number } | undefined;
async function userDelegationKey(until: Date): Promise<UserDelegationKey> {
  if (delegationKey && delegationKey.expiresOn - 15 * 60_000 > until.getTime()) return delegationKey.key;
  const startsOn = new Date(Date.now() - 60_000);
  const expiresOn = new Date(Date.now() + 2 * 3600_000);
  const key = await getBlobServiceClient().getUserDelegationKey(startsOn, expiresOn);
  delegationKey = { key, expiresOn: expiresOn.getTime() };
  return key;
}

/** The documents container, created if missing (once per process; retried after a failure). */
export function getBlobContainer(): Promise<ContainerClient> {
  containerReady ??= (async () => {
    const container = getBlobServiceClient().getContainerClient(getConfig().BLOB_STORAGE_CONTAINER);
    await container.createIfNotExists();
    return container;
  })().catch((err: unknown) => {
    containerReady = undefined;
    throw mapBlobError(err);
  });
  return containerReady;
}

export function mapBlobError(err: unknown, what = 'Blob'): AppError {
  return mapAzureError(err, SERVICE, what);
}

/** Blob names: non-empty, at most 1024 chars, no empty / "." / ".." segments, no backslashes or control characters. */
function checkPath(path: string): string {
  const ok =
    path.length > 0 &&
    path.length <= 1024 &&
    ![...path].some((ch) => ch === '\\' || ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) &&
    path.split('/').every((s) => s.length > 0 && s !== '.' && s !== '..');
  if (!ok) throw new AppError('INTERNAL', 'An internal error occurred.', { cause: new Error(`invalid blob path`) });
  return path;
}

/** Counts bytes flowing through, so an upload reports its size without buffering it. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

export interface UploadResult {
  etag: string;
  bytes: number;
}

/**
 * Streams `source` into the blob at `path` (overwriting it) with bounded buffers: memory does not
 * grow with the blob's size. Metadata keys must be C# identifiers and values ASCII (Azure's rule).
 */
export async function uploadStream(
  path: string,
  source: Readable,
  contentType: string,
  metadata: Record<string, string> = {},
  options: { abortSignal?: AbortSignal } = {},
): Promise<UploadResult> {
  return pipedUpload(path, source, (blob, counter) =>
    blob.uploadStream(counter, BUFFER_BYTES, CONCURRENCY, {
      blobHTTPHeaders: { blobContentType: contentType },
      metadata,
      abortSignal: options.abortSignal,
    }),
  );
}

/**
 * Pipes `source` through a byte counter into `send` (one of the SDK's upload calls) and maps its
 * failure. pipeline() forwards a source error to the counter, which makes the upload reject.
 */
async function pipedUpload(
  path: string,
  source: Readable,
  send: (blob: BlockBlobClient, counter: ByteCounter) => Promise<{ etag?: string }>,
): Promise<UploadResult> {
  const blob = (await getBlobContainer()).getBlockBlobClient(checkPath(path));
  const counter = new ByteCounter();
  pipeline(source, counter, () => undefined);
  try {
    const res = await send(blob, counter);
    return { etag: res.etag ?? '', bytes: counter.bytes };
  } catch (err) {
    source.destroy();
    const mapped = mapBlobError(err, 'Document content');
    // An upload writes a fresh path without preconditions, so a 409 is never the caller's conflict:
    // it is the store refusing the write (a lease, or Azurite's in-memory store being full).
    if (mapped.code === 'CONFLICT') throw dependencyUnavailable(SERVICE, err);
    throw mapped;
  }
}

/** Largest blob sent as one Put Blob (Azurite 3.35 and older API versions accept up to 256 MiB). */
const SINGLE_PUT_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Streams exactly `length` bytes from `source` into the blob in ONE Put Blob request: nothing is
 * buffered and there are no staged blocks to commit, so it is much quicker than uploadStream when
 * the size is known up front (an upload with Content-Length). Larger blobs fall back to uploadStream.
 * A stream cannot be replayed, so a failed try is not retried (the factory refuses a second call).
 */
export async function uploadStreamOfLength(
  path: string,
  source: Readable,
  length: number,
  contentType: string,
  metadata: Record<string, string> = {},
  options: { abortSignal?: AbortSignal } = {},
): Promise<UploadResult> {
  if (length > SINGLE_PUT_MAX_BYTES) return uploadStream(path, source, contentType, metadata, options);
  return pipedUpload(path, source, (blob, counter) => {
    let used = false;
    const body = (): Readable => {
      if (used) throw new Error('upload body is not replayable');
      used = true;
      return counter;
    };
    return blob.upload(body, length, {
      blobHTTPHeaders: { blobContentType: contentType },
      metadata,
      abortSignal: options.abortSignal,
    });
  });
}

export interface DownloadResult {
  stream: Readable;
  contentType: string | undefined;
  contentLength: number | undefined;
  etag: string | undefined;
  metadata: Record<string, string>;
}

/** Streams a blob's content. A missing blob is NOT_FOUND. */
export async function download(path: string, options: { abortSignal?: AbortSignal } = {}): Promise<DownloadResult> {
  const blob = (await getBlobContainer()).getBlobClient(checkPath(path));
  try {
    const res = await blob.download(0, undefined, { abortSignal: options.abortSignal });
    const body = res.readableStreamBody;
    if (!body) throw new Error('download returned no stream');
    const stream = body instanceof Readable ? body : Readable.from(body);
    return {
      stream,
      contentType: res.contentType,
      contentLength: res.contentLength,
      etag: res.etag,
      metadata: res.metadata ?? {},
    };
  } catch (err) {
    throw mapBlobError(err, 'Document content');
  }
}

/** Deletes a blob (and its snapshots); true if it existed. */
export async function deleteIfExists(path: string): Promise<boolean> {
  const blob = (await getBlobContainer()).getBlobClient(checkPath(path));
  try {
    const res = await blob.deleteIfExists({ deleteSnapshots: 'include' });
    return res.succeeded;
  } catch (err) {
    throw mapBlobError(err);
  }
}

/** Deletes every blob whose name starts with `prefix` (which must end with "/"); returns how many. */
export async function deletePrefix(prefix: string): Promise<number> {
  // An empty or partial-segment prefix could delete far more than meant ("t1" would match "t10/...").
  if (!prefix.endsWith('/')) throw new AppError('INTERNAL', 'An internal error occurred.', { cause: new Error('blob prefix must end with "/"') });
  checkPath(prefix.slice(0, -1));
  const container = await getBlobContainer();
  let deleted = 0;
  try {
    for await (const page of container.listBlobsFlat({ prefix }).byPage({ maxPageSize: 200 })) {
      const names = page.segment.blobItems.map((b) => b.name);
      // Small parallel batches: quick for big prefixes without opening hundreds of sockets.
      for (let i = 0; i < names.length; i += 16) {
        const results = await Promise.all(names.slice(i, i + 16).map((n) => container.getBlobClient(n).deleteIfExists({ deleteSnapshots: 'include' })));
        deleted += results.filter((r) => r.succeeded).length;
      }
    }
  } catch (err) {
    throw mapBlobError(err);
  }
  return deleted;
}

export interface ReadUrlOptions {
  /** Seconds the URL stays valid (default 300, at most 3600). */
  expiresInSeconds?: number;
  /** Sets Content-Disposition on the response, e.g. `attachment; filename="a.pdf"`. */
  contentDisposition?: string;
}

/**
 * A short-lived, read-only SAS URL for one blob, signed with the connection string's account key,
 * or (identity) a user delegation key.
 * Starts a minute in the past to tolerate clock skew.
 */
export async function createReadSasUrl(path: string, options: ReadUrlOptions = {}): Promise<{ url: string; expiresOn: Date }> {
  const blob = (await getBlobContainer()).getBlobClient(checkPath(path));
  const seconds = Math.min(Math.max(options.expiresInSeconds ?? 300, 1), 3600);
  const now = Date.now();
  const expiresOn = new Date(now + seconds * 1000);
  try {
    const sas = {
      permissions: BlobSASPermissions.parse('r'),
      startsOn: new Date(now - 60_000),
      expiresOn,
      contentDisposition: options.contentDisposition,
    };
    const url =
      blobAuth(getConfig()).kind === 'identity'
        ? await blob.generateUserDelegationSasUrl(sas, await userDelegationKey(expiresOn))
        : await blob.generateSasUrl(sas);
    return { url, expiresOn };
  } catch (err) {
    // generateSasUrl throws when the client has no account key (e.g. a SAS connection string).
    throw new AppError('DEPENDENCY_UNAVAILABLE', 'A dependency (Blob Storage) cannot sign download URLs.', { cause: err });
  }
}

// Blob clients hold no timers or sockets that need closing; forgetting them is enough.
registerReset(() => {
  service = undefined;
  containerReady = undefined;
  delegationKey = undefined;
});
