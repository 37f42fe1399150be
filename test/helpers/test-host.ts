/**
 * One test host for HTTP tests: puts the given settings into process.env, starts the embedded
 * emulators (Cosmos, and Blob unless blob: false) and the local host on a free port with the given
 * function files; stop() closes everything and restores process.env as it was.
 */
import { afterAll, beforeAll } from 'vitest';
import { resetConfig } from '../../src/shared/config';
import { resetServices } from '../../src/shared/services';
import { eventDispatchesInFlight, whenEventsDispatched } from '../../src/shared/events/publisher';
import { startEmulators } from '../../local/emulators';
import { startLocalHost, type LocalHost } from '../../local/host';
import type { WebPubSubStandIn } from '../../local/web-pubsub/server';

export interface TestHostOptions {
  /** Settings put into process.env before anything starts. */
  env?: Record<string, string>;
  /** Function files, relative to the project root (default: every function). */
  functions?: readonly string[];
  /** Start the Blob emulator too (default true). */
  blob?: boolean;
  /** The Blob emulator's in-memory limit (default 512 MiB). */
  blobMemoryLimitBytes?: number;
  /** Delay before an abandoned message is redelivered (default: the local host's). */
  retryDelayMs?: number;
  /** The queues settle() waits for (default: every queue). */
  settleQueues?: readonly string[];
}

export interface TestHost {
  host: LocalHost;
  /** `${host.url}/api` */
  api: string;
  /** The Web PubSub stand-in the host's functions push through. */
  webPubSub?: WebPubSubStandIn;
  /** Waits until the settleQueues have nothing left to do. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/** Puts `values` into process.env, remembering in `saved` what each name held first. */
function putEnv(values: Record<string, string | undefined>, saved: Map<string, string | undefined>): void {
  for (const [k, v] of Object.entries(values)) {
    if (!saved.has(k)) saved.set(k, process.env[k]);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

export async function startTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  const blob = options.blob ?? true;
  const saved = new Map<string, string | undefined>();
  putEnv(options.env ?? {}, saved);
  // The emulators are used only where no account is configured: clear the accounts so they start.
  const accounts = [
    'COSMOS_DB_ENDPOINT',
    'COSMOS_DB_KEY',
    'SERVICE_BUS_CONNECTION_STRING',
    'WEB_PUBSUB_CONNECTION_STRING',
    ...(blob ? ['BLOB_STORAGE_CONNECTION_STRING'] : []),
  ];
  putEnv(Object.fromEntries(accounts.map((k) => [k, undefined])), saved);
  resetConfig();
  await resetServices();
  const emulators = await startEmulators({ blob, blobMemoryLimitBytes: options.blobMemoryLimitBytes });
  await resetServices();
  const host = await startLocalHost({ port: 0, functionFiles: options.functions, retryDelayMs: options.retryDelayMs, serviceBus: emulators.serviceBus });
  return {
    host,
    api: `${host.url}/api`,
    webPubSub: emulators.webPubSub,
    settle: async () => {
      // A consumer may publish while the queues drain: repeat until both are quiet. The stand-in is
      // in-process: a message is pending there until its receiver's settlement has arrived.
      do {
        await whenEventsDispatched();
        await host.broker.waitForIdle(20_000, { queues: options.settleQueues });
      } while (eventDispatchesInFlight() > 0);
    },
    stop: async () => {
      await host.stop();
      host.broker.clear();
      await resetServices();
      await emulators.stop();
      putEnv(Object.fromEntries(saved), new Map());
      resetConfig();
    },
  };
}

/**
 * A test host for the whole file: started in beforeAll, stopped in afterAll. The returned object is
 * filled in when beforeAll has run, so use it inside hooks and tests, not at module level. Hooks
 * registered after this call run after the host has started (and, for afterAll, before it stops).
 */
export function useTestHost(options: TestHostOptions = {}): TestHost {
  const h = {} as TestHost;
  beforeAll(async () => {
    Object.assign(h, await startTestHost(options));
  });
  afterAll(async () => {
    await h.stop?.();
  });
  return h;
}

/** Runs `fn` with the given settings (undefined = unset) and fresh services, then puts them back. */
export async function withSettings(values: Record<string, string | undefined>, fn: () => Promise<void>): Promise<void> {
  const saved = new Map<string, string | undefined>();
  putEnv(values, saved);
  resetConfig();
  await resetServices();
  try {
    await fn();
  } finally {
    putEnv(Object.fromEntries(saved), new Map());
    resetConfig();
    await resetServices();
  }
}

/** Sets a setting for the rest of the test (the pipeline reads config per request). */
export function setSetting(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  resetConfig();
}

/** Polls until `check` returns a value (not undefined), or fails after timeoutMs. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
