/**
 * In-process sliding-window-log limiter: the fallback while Redis is down or slow, and the
 * limiter of the local host without REDIS_HOST. Same semantics as the Redis script, but each
 * process counts on its own, so across N instances the effective limit is up to N times higher.
 */
import type { RateLimiter, RateLimitPolicy, RateLimitResult } from '../ports';
import { toRateLimitResult, unlimitedResult } from '../core/sliding-window';

export interface MemoryRateLimiterOptions {
  now?: () => number;
  /** Counters kept at most; idle ones are evicted first (bounds memory under many callers). */
  maxKeys?: number;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, number[]>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  check(key: string, policy: RateLimitPolicy, weight = 1): Promise<RateLimitResult> {
    return Promise.resolve(this.checkSync(key, policy, weight));
  }

  checkSync(key: string, policy: RateLimitPolicy, weight = 1): RateLimitResult {
    const now = this.now();
    if (!Number.isFinite(policy.limit)) return unlimitedResult(now);
    let log = this.windows.get(key);
    if (!log) {
      this.evictIfFull(now, policy.windowMs);
      log = [];
      this.windows.set(key, log);
    }
    // Entries are kept sorted; drop those at or before now - window (as ZREMRANGEBYSCORE does).
    const cutoff = now - policy.windowMs;
    let drop = 0;
    while (drop < log.length && log[drop]! <= cutoff) drop++;
    if (drop > 0) log.splice(0, drop);
    const w = Math.max(1, Math.floor(weight));
    const allowed = log.length + w <= policy.limit;
    if (allowed) for (let i = 0; i < w; i++) insertSorted(log, now);
    return toRateLimitResult({ allowed, count: log.length, oldestMs: log[0], newestMs: log[log.length - 1] }, policy, now);
  }

  private evictIfFull(now: number, windowMs: number): void {
    if (this.windows.size < this.maxKeys) return;
    for (const [k, log] of this.windows) {
      if (log.length === 0 || log[log.length - 1]! <= now - windowMs) this.windows.delete(k);
    }
    // Still full: drop the oldest-created counters (Map keeps insertion order).
    for (const k of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) break;
      this.windows.delete(k);
    }
  }
}

function insertSorted(log: number[], t: number): void {
  let i = log.length;
  while (i > 0 && log[i - 1]! > t) i--;
  log.splice(i, 0, t);
}
