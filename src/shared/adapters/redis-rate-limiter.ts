/**
 * Sliding-window-log rate limiter in Redis: one Lua script per request (one round trip,
 * atomic, so concurrent requests can never over-admit). The script is loaded with SCRIPT LOAD
 * and run with EVALSHA; after a SCRIPT FLUSH or failover (NOSCRIPT) it is sent once with EVAL,
 * which also re-caches it. Each call is bounded by a timeout; on a Redis error or timeout the
 * in-process limiter answers and the outage is logged at most once a minute.
 */
import { inSpan } from '../telemetry/trace';
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import type { RateLimiter, RateLimitPolicy, RateLimitResult } from '../ports';
import { toRateLimitResult, unlimitedResult } from '../core/sliding-window';
import { MemoryRateLimiter } from './memory-rate-limiter';
import { whenReady } from './redis';

/**
 * KEYS[1] counter (sorted set: score = admission time in ms, member unique per request)
 * ARGV: limit, windowMs, nowMs, member, weight (members added: member, member:2 … member:weight)
 * Returns {allowed (1|0), count, oldestMs, newestMs} (oldest/newest -1 when empty).
 */
export const SLIDING_WINDOW_SCRIPT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local weight = tonumber(ARGV[5] or '1')
local allowed = 0
if count + weight <= limit then
  redis.call('ZADD', key, now, ARGV[4])
  for i = 2, weight do redis.call('ZADD', key, now, ARGV[4] .. ':' .. i) end
  redis.call('PEXPIRE', key, window)
  count = count + weight
  allowed = 1
end
local oldest = -1
local newest = -1
if count > 0 then
  oldest = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2])
  newest = tonumber(redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2])
end
return {allowed, count, oldest, newest}
`;

export const SLIDING_WINDOW_SHA = createHash('sha1').update(SLIDING_WINDOW_SCRIPT).digest('hex');

export interface RedisRateLimiterOptions {
  redis: Redis;
  /** Bound on one check, ms (REDIS_TIMEOUT_MS); past it the fallback answers. */
  timeoutMs: number;
  fallback?: RateLimiter;
  keyPrefix?: string;
  now?: () => number;
  log?: Logger;
  /** At most one outage log line per this many ms. */
  outageLogIntervalMs?: number;
}

type Outcome = 'redis' | 'fallback';

class RedisTimeout extends Error {}

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly timeoutMs: number;
  private readonly fallback: RateLimiter;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly log?: Logger;
  private readonly logIntervalMs: number;
  /** Unique member ids without a random call per request. */
  private readonly memberPrefix = randomBytes(6).toString('hex');
  private seq = 0;
  private lastOutageLogAt = -Infinity;
  private suppressed = 0;
  private inOutage = false;
  /** Which path answered the last check (observability and tests). */
  lastOutcome: Outcome = 'redis';

  constructor(o: RedisRateLimiterOptions) {
    this.redis = o.redis;
    this.timeoutMs = o.timeoutMs;
    this.fallback = o.fallback ?? new MemoryRateLimiter(o.now ? { now: o.now } : {});
    this.prefix = o.keyPrefix ?? 'rl:';
    this.now = o.now ?? Date.now;
    this.log = o.log;
    this.logIntervalMs = o.outageLogIntervalMs ?? 60_000;
    // Pre-load the script; if this fails, the first EVALSHA's NOSCRIPT path loads it.
    void whenReady(this.redis, 5_000).then((ok) => {
      if (ok) this.redis.script('LOAD', SLIDING_WINDOW_SCRIPT).catch(() => undefined);
    });
  }

  async check(key: string, policy: RateLimitPolicy, weight = 1): Promise<RateLimitResult> {
    const now = this.now();
    if (!Number.isFinite(policy.limit)) return unlimitedResult(now);
    try {
      // A CLIENT span: a Redis dependency in Application Insights (no-op cost without telemetry).
      const result = await inSpan(
        { name: 'redis EVALSHA sliding-window', kind: 'client', attributes: { 'db.system': 'redis', 'db.operation': 'EVALSHA' } },
        async (span) => {
          try {
            return await this.withTimeout(this.checkInRedis(key, policy, now, weight));
          } catch (e) {
            span.fail(e);
            throw e;
          }
        },
      );
      this.lastOutcome = 'redis';
      if (this.inOutage) {
        this.inOutage = false;
        this.log?.info('rate limiter: Redis is back; counting in Redis again', { fallback_requests: this.suppressed });
        this.suppressed = 0;
      }
      return result;
    } catch (e) {
      this.noteOutage(e instanceof RedisTimeout ? 'TIMEOUT' : 'UNAVAILABLE');
      this.lastOutcome = 'fallback';
      return this.fallback.check(key, policy, weight);
    }
  }

  private async checkInRedis(key: string, policy: RateLimitPolicy, now: number, weight: number): Promise<RateLimitResult> {
    // Before the first connection completes, wait (bounded); during an outage, fail at once.
    if (this.redis.status !== 'ready' && !(await whenReady(this.redis, this.timeoutMs))) {
      throw new Error('redis not ready');
    }
    const member = `${now}:${this.memberPrefix}:${(this.seq = (this.seq + 1) % 1e9)}`;
    const args = [String(policy.limit), String(policy.windowMs), String(now), member, String(Math.max(1, Math.floor(weight)))];
    const k = this.prefix + key;
    let reply: unknown;
    try {
      reply = await this.redis.evalsha(SLIDING_WINDOW_SHA, 1, k, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      reply = await this.redis.eval(SLIDING_WINDOW_SCRIPT, 1, k, ...args);
    }
    if (!Array.isArray(reply) || reply.length !== 4) throw new Error('unexpected script reply');
    // Four numbers: the length was checked above.
    const [allowed, count, oldest, newest] = reply.map(Number) as [number, number, number, number];
    return toRateLimitResult(
      {
        allowed: allowed === 1,
        count,
        ...(oldest >= 0 ? { oldestMs: oldest } : {}),
        ...(newest >= 0 ? { newestMs: newest } : {}),
      },
      policy,
      now,
    );
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      // setImmediate: when the event loop is busy, a reply already read from the socket is
      // handled (poll phase) before the timeout is declared, so overload alone does not fall back.
      timer = setTimeout(() => setImmediate(() => reject(new RedisTimeout())), this.timeoutMs);
    });
    // A late Redis failure after the timeout won (or before) must not surface as unhandled.
    p.catch(() => undefined);
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  private noteOutage(reason: 'TIMEOUT' | 'UNAVAILABLE'): void {
    this.inOutage = true;
    this.suppressed++;
    const t = Date.now();
    if (t - this.lastOutageLogAt < this.logIntervalMs) return;
    this.lastOutageLogAt = t;
    this.log?.warn('rate limiter: Redis unavailable; limiting in-process until it is back', {
      reason,
      fallback_requests: this.suppressed,
    });
    this.suppressed = 0;
  }
}
