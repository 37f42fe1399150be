/**
 * Starts the Cosmos emulator and the local host with the webhook functions on a free port, with
 * short retries (WEBHOOK_RETRY_SCHEDULE=1,1,1) and private targets allowed (the receiver is on
 * 127.0.0.1) unless the caller says otherwise. Events are published in-process with publishEvent,
 * exactly as a feature's handler does.
 */
import { resetConfig } from '../../src/shared/config';
import { resetServices } from '../../src/shared/services';
import { startEmulators } from '../../local/emulators';
import { startLocalHost, type LocalHost } from '../../local/host';

export const WEBHOOK_FUNCTIONS = [
  'webhooks-list',
  'webhooks-create',
  'webhooks-get',
  'webhooks-update',
  'webhooks-delete',
  'webhooks-logs',
  'webhooks-test',
  'webhooks-rotate-secret',
  'webhooks-replay',
  'events-fanout',
  'webhook-deliver',
  'outbox-relay',
].map((n) => `src/functions/${n}.ts`);

export interface WebhooksHost {
  host: LocalHost;
  api: string;
  stop(): Promise<void>;
}

export async function startWebhooksHost(env: Record<string, string> = {}, extraFunctions: string[] = []): Promise<WebhooksHost> {
  const settings: Record<string, string> = {
    REDIS_HOST: '127.0.0.1',
    RATE_LIMIT_DEFAULT: '100000/hour',
    RATE_LIMIT_TIER_LIMITS: '{"pro":"1000000/hour"}',
    WEBHOOK_RETRY_SCHEDULE: '1,1,1',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    ...env,
  };
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(settings)) {
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  resetConfig();
  await resetServices();
  const emulators = await startEmulators({ blob: extraFunctions.length > 0 });
  await resetServices();
  const host = await startLocalHost({ port: 0, functionFiles: [...WEBHOOK_FUNCTIONS, ...extraFunctions], retryDelayMs: 50 });
  return {
    host,
    api: `${host.url}/api`,
    stop: async () => {
      await host.stop();
      host.broker.clear();
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
