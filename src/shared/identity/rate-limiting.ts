/**
 * The process's rate limiter: Redis (with the in-process fallback) when REDIS_HOST is set,
 * otherwise in-process only (and it says so once). Built lazily, once per process.
 */
import { getConfig } from '../config';
import { MemoryRateLimiter } from '../adapters/memory-rate-limiter';
import { getRedis } from '../adapters/redis';
import { RedisRateLimiter } from '../adapters/redis-rate-limiter';
import type { RateLimiter } from '../ports';
import { getLogger, registerReset } from '../services';

let limiter: RateLimiter | undefined;

export function getRateLimiter(): RateLimiter {
  if (limiter) return limiter;
  const c = getConfig();
  const redis = getRedis();
  if (redis) {
    limiter = new RedisRateLimiter({ redis, timeoutMs: c.REDIS_TIMEOUT_MS, log: getLogger() });
  } else {
    getLogger().info('rate limits are counted in-process (REDIS_HOST is not set)');
    limiter = new MemoryRateLimiter();
  }
  return limiter;
}

registerReset(() => {
  limiter = undefined;
});
