/**
 * Starts the embedded Cosmos emulator and the local host on a free port with the identity
 * functions, for HTTP tests. Settings given here are put into process.env first.
 */
import { resetConfig } from '../../src/shared/config';
import { resetServices } from '../../src/shared/services';
import { startEmulators } from '../../local/emulators';
import { startLocalHost, type LocalHost } from '../../local/host';

export const IDENTITY_FUNCTIONS = [
  'api-keys-list',
  'api-keys-create',
  'api-keys-get',
  'api-keys-delete',
  'api-keys-rotate',
  'auth-token',
  'auth-refresh',
  'auth-whoami',
  'admin-tenants-create',
  'admin-tenants-list',
  'admin-tenants-update',
  'keys-rotate',
  'health',
  'health-detailed',
].map((n) => `src/functions/${n}.ts`);

export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdef-0123456789';
export const TEST_ADMIN_KEY = 'test-platform-admin-key-0123456789abcdef';

export interface IdentityHost {
  host: LocalHost;
  api: string;
  stop(): Promise<void>;
}

export async function startIdentityHost(env: Record<string, string> = {}): Promise<IdentityHost> {
  const settings: Record<string, string> = {
    JWT_SECRET_KEY: TEST_JWT_SECRET,
    PLATFORM_ADMIN_API_KEY: TEST_ADMIN_KEY,
    REDIS_HOST: '127.0.0.1',
    RATE_LIMIT_DEFAULT: '100000/hour',
    ...env,
  };
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(settings)) {
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  resetConfig();
  await resetServices();
  const emulators = await startEmulators({ blob: false });
  await resetServices();
  const host = await startLocalHost({ port: 0, functionFiles: IDENTITY_FUNCTIONS });
  return {
    host,
    api: `${host.url}/api`,
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

/** Sets a setting for the rest of the test (the pipeline reads config per request). */
export function setSetting(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  resetConfig();
}

export interface Json {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & {
    data?: Record<string, unknown> & Record<string, unknown>;
    error?: { code: string; message: string; details: Array<{ field: string; issue: string }>; retry_after?: number };
  };
}

export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Json> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Json['body']) : {} };
}
