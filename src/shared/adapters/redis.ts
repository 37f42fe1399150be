/**
 * The Redis client (ioredis), built lazily once per process from the REDIS_* settings.
 * Tuned to fail fast rather than queue: short connect and command timeouts, no offline queue
 * (a request never waits for a reconnect) and capped exponential backoff between reconnects,
 * so an outage is a trickle of attempts, not a storm.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { getConfig } from '../config';
import type { HealthCheck, HealthCheckResult } from '../ports';
import { onServicesReset, registerReset } from '../services';

export interface RedisSettings {
  host: string;
  port: number;
  password?: string;
  tls?: boolean;
  db?: number;
  /** Bound on one command, in ms (the rate limiter races its own, tighter, timeout too). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

const MAX_BACKOFF_MS = 5_000;

export function createRedisClient(s: RedisSettings): Redis {
  const options: RedisOptions = {
    host: s.host,
    port: s.port,
    db: s.db ?? 0,
    lazyConnect: true,
    connectTimeout: s.connectTimeoutMs ?? 2_000,
    commandTimeout: s.commandTimeoutMs ?? 1_000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResubscribe: false,
    retryStrategy: (times: number) => Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(times, 6)) + Math.floor(Math.random() * 100),
    ...(s.password !== undefined ? { password: s.password } : {}),
    ...(s.tls ? { tls: { servername: s.host } } : {}),
  };
  const client = new Redis(options);
  // Without a listener ioredis prints every connection error; the rate limiter reports outages itself.
  client.on('error', () => undefined);
  client.connect().catch(() => undefined);
  return client;
}

let shared: Redis | undefined;
let built = false;

/** The process's Redis client, or undefined when REDIS_HOST is unset (in-process limiting). */
export function getRedis(): Redis | undefined {
  if (built) return shared;
  built = true;
  const c = getConfig();
  if (!c.REDIS_HOST) return undefined;
  const client = createRedisClient({
    host: c.REDIS_HOST,
    port: c.REDIS_PORT,
    password: c.REDIS_PASSWORD,
    tls: c.REDIS_SSL,
    db: c.REDIS_DB,
    commandTimeoutMs: Math.max(1_000, c.REDIS_TIMEOUT_MS * 4),
  });
  shared = client;
  onServicesReset(() => {
    client.disconnect();
  });
  return client;
}

registerReset(() => {
  shared = undefined;
  built = false;
});

/** Resolves when the client is ready, or false after timeoutMs / when it is not connecting. */
export function whenReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  if (client.status !== 'wait' && client.status !== 'connecting' && client.status !== 'connect') {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.once('ready', onReady);
  });
}

/** A bounded PING for /api/health/detailed. */
export function redisHealthCheck(getClient: () => Redis | undefined = getRedis): HealthCheck {
  return {
    name: 'redis',
    async check(signal: AbortSignal): Promise<HealthCheckResult> {
      const client = getClient();
      if (!client) return { status: 'not_configured', reason: 'NOT_CONFIGURED' };
      const started = Date.now();
      if (client.status !== 'ready') return { status: 'unhealthy', reason: 'UNREACHABLE' };
      try {
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => reject(new Error('aborted'));
          signal.addEventListener('abort', onAbort, { once: true });
          client
            .ping()
            .then(
              () => resolve(),
              (e: unknown) => reject(e instanceof Error ? e : new Error('ping failed')),
            )
            .finally(() => signal.removeEventListener('abort', onAbort));
        });
        return { status: 'healthy', latency_ms: Date.now() - started };
      } catch {
        return { status: 'unhealthy', reason: signal.aborted ? 'TIMEOUT' : 'UNREACHABLE', latency_ms: Date.now() - started };
      }
    },
  };
}
