/**
 * Starts the embedded Cosmos and Blob emulators and the local host with the spaces and documents
 * functions, for HTTP tests and the bench. Settings given here are put into process.env first.
 */
import { resetConfig } from '../../src/shared/config';
import { resetServices } from '../../src/shared/services';
import { startEmulators } from '../../local/emulators';
import { startLocalHost, type LocalHost } from '../../local/host';

export const DOCUMENT_FUNCTIONS = [
  'spaces-list',
  'spaces-create',
  'spaces-get',
  'spaces-replace',
  'spaces-update',
  'spaces-delete',
  'space-cleanup',
  'documents-upload',
  'documents-list',
  'documents-get',
  'documents-content',
  'documents-delete',
  'document-process',
].map((n) => `src/functions/${n}.ts`);

export interface DocumentsHost {
  host: LocalHost;
  api: string;
  /** Waits until document processing and space cleanup have nothing left to do. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startDocumentsHost(env: Record<string, string> = {}): Promise<DocumentsHost> {
  const settings: Record<string, string> = {
    JWT_SECRET_KEY: 'test-jwt-secret-0123456789abcdef-0123456789',
    RATE_LIMIT_ENABLED: 'false',
    ...env,
  };
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(settings)) {
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  for (const k of ['COSMOS_DB_ENDPOINT', 'COSMOS_DB_KEY', 'BLOB_STORAGE_CONNECTION_STRING']) {
    if (!saved.has(k)) saved.set(k, process.env[k]);
    delete process.env[k];
  }
  resetConfig();
  await resetServices();
  const emulators = await startEmulators();
  await resetServices();
  const host = await startLocalHost({ port: 0, functionFiles: DOCUMENT_FUNCTIONS, retryDelayMs: 20 });
  return {
    host,
    api: `${host.url}/api`,
    settle: () => host.broker.waitForIdle(20_000, { queues: ['document-processing', 'space-cleanup'] }),
    stop: async () => {
      await host.stop();
      await resetServices();
      await emulators.stop();
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      resetConfig();
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

/** A JSON API call with an API key. */
export async function call(
  url: string,
  key: string | undefined,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  if (key) headers['x-api-key'] = key;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Uploads bytes as multipart/form-data (field "file"). */
export async function uploadMultipart(
  api: string,
  key: string,
  spaceId: string,
  bytes: Uint8Array,
  filename: string,
  type: string,
): Promise<Reply> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), filename);
  const res = await fetch(`${api}/v1/spaces/${spaceId}/documents`, { method: 'POST', headers: { 'x-api-key': key }, body: form });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/** Uploads bytes as the raw body with Content-Type and ?filename=. */
export async function uploadRaw(
  api: string,
  key: string,
  spaceId: string,
  bytes: Uint8Array,
  filename: string | undefined,
  type: string,
): Promise<Reply> {
  const q = filename === undefined ? '' : `?filename=${encodeURIComponent(filename)}`;
  const res = await fetch(`${api}/v1/spaces/${spaceId}/documents${q}`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': type },
    body: new Uint8Array(bytes), // a copy typed Uint8Array<ArrayBuffer>, as BodyInit wants
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}
