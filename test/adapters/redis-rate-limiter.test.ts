/** Against real Redis at 127.0.0.1:6379, plus a private redis-server child for the outage cases. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, whenReady } from '../../src/shared/adapters/redis';
import { RedisRateLimiter, SLIDING_WINDOW_SHA } from '../../src/shared/adapters/redis-rate-limiter';
import { createLogger, type LogLevel } from '../../src/shared/logger';
import { freePort } from '../helpers/free-port';

let redis: Redis;
const prefix = () => `test:rl:${randomUUID()}:`;

beforeAll(async () => {
  redis = createRedisClient({ host: '127.0.0.1', port: 6379 });
  expect(await whenReady(redis, 5_000)).toBe(true);
});
afterAll(() => redis.disconnect());

function capturingLogger() {
  const lines: Array<{ level: LogLevel; line: string }> = [];
  const log = createLogger({ level: 'info', format: 'json', sink: (line, level) => lines.push({ level, line }) });
  return { log, lines };
}

describe('RedisRateLimiter against real Redis', () => {
  it('lets exactly 20 of 50 parallel requests through a limit of 20', async () => {
    const rl = new RedisRateLimiter({ redis, timeoutMs: 2_000, keyPrefix: prefix() });
    const policy = { limit: 20, windowMs: 3_600_000 };
    const results = await Promise.all(Array.from({ length: 50 }, () => rl.check('k', policy)));
    expect(rl.lastOutcome).toBe('redis');
    expect(results.filter((r) => r.allowed)).toHaveLength(20);
    const refused = results.filter((r) => !r.allowed);
    expect(refused).toHaveLength(30);
    for (const r of refused) {
      expect(r.remaining).toBe(0);
      expect(r.retryAfter).toBeGreaterThan(0);
      expect(r.retryAfter).toBeLessThanOrEqual(3600);
    }
    // Every remaining value 0..19 was handed out exactly once to the admitted requests.
    expect(
      results
        .filter((r) => r.allowed)
        .map((r) => r.remaining)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('does not let twice the limit through at a fixed-window boundary', async () => {
    let now = 1_700_000_059_900; // 100 ms before a minute boundary
    const rl = new RedisRateLimiter({ redis, timeoutMs: 2_000, keyPrefix: prefix(), now: () => now });
    const policy = { limit: 10, windowMs: 60_000 };
    const first = await Promise.all(Array.from({ length: 10 }, () => rl.check('k', policy)));
    expect(first.every((r) => r.allowed)).toBe(true);
    now += 200; // just past the boundary: a fixed window would start a fresh count here
    const second = await Promise.all(Array.from({ length: 10 }, () => rl.check('k', policy)));
    expect(second.filter((r) => r.allowed)).toHaveLength(0);
    expect(second[0]?.retryAfter).toBe(60);
    now = 1_700_000_059_900 + 60_000; // the first batch has left the window
    const third = await Promise.all(Array.from({ length: 12 }, () => rl.check('k', policy)));
    expect(third.filter((r) => r.allowed)).toHaveLength(10);
    expect(rl.lastOutcome).toBe('redis');
  });

  it('recovers from NOSCRIPT (SCRIPT FLUSH) by EVAL, which re-caches the script', async () => {
    const rl = new RedisRateLimiter({ redis, timeoutMs: 2_000, keyPrefix: prefix() });
    const policy = { limit: 2, windowMs: 60_000 };
    expect((await rl.check('k', policy)).allowed).toBe(true);
    await redis.script('FLUSH');
    expect(await redis.script('EXISTS', SLIDING_WINDOW_SHA)).toEqual([0]);
    const r = await rl.check('k', policy);
    expect(rl.lastOutcome).toBe('redis');
    expect(r).toMatchObject({ allowed: true, remaining: 0 });
    expect(await redis.script('EXISTS', SLIDING_WINDOW_SHA)).toEqual([1]);
    expect((await rl.check('k', policy)).allowed).toBe(false);
  });

  it('stores no more entries than the limit and expires the counter', async () => {
    const p = prefix();
    const rl = new RedisRateLimiter({ redis, timeoutMs: 2_000, keyPrefix: p });
    await Promise.all(Array.from({ length: 30 }, () => rl.check('k', { limit: 5, windowMs: 10_000 })));
    expect(await redis.zcard(`${p}k`)).toBe(5);
    const ttl = await redis.pttl(`${p}k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });
});

describe('RedisRateLimiter when Redis fails', () => {
  let child: ChildProcess | undefined;
  let client: Redis | undefined;

  async function startRedis(extra: string[] = []): Promise<{ port: number; proc: ChildProcess }> {
    const port = await freePort();
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], {
      stdio: 'ignore',
    });
    child = proc;
    return { port, proc };
  }

  afterEach(() => {
    client?.disconnect();
    client = undefined;
    child?.kill('SIGKILL');
    child = undefined;
  });

  it('keeps answering from the in-process fallback when Redis is killed mid-test, logging once', async () => {
    const { port, proc } = await startRedis();
    client = createRedisClient({ host: '127.0.0.1', port });
    expect(await whenReady(client, 5_000)).toBe(true);
    const { log, lines } = capturingLogger();
    const rl = new RedisRateLimiter({ redis: client, timeoutMs: 200, keyPrefix: prefix(), log });
    const policy = { limit: 5, windowMs: 60_000 };
    for (let i = 0; i < 3; i++) expect((await rl.check('k', policy)).allowed).toBe(true);
    expect(rl.lastOutcome).toBe('redis');

    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;

    const after = [];
    for (let i = 0; i < 8; i++) after.push(await rl.check('k', policy));
    expect(rl.lastOutcome).toBe('fallback');
    // The fallback limits too (it counts on its own from the outage on).
    expect(after.map((r) => r.allowed)).toEqual([true, true, true, true, true, false, false, false]);
    expect(after[7]?.retryAfter).toBeGreaterThan(0);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.line).toContain('Redis unavailable');
  });

  it('falls back when Redis is slower than the timeout (DEBUG SLEEP)', async () => {
    const { port } = await startRedis(['--enable-debug-command', 'yes']);
    client = createRedisClient({ host: '127.0.0.1', port });
    expect(await whenReady(client, 5_000)).toBe(true);
    const { log, lines } = capturingLogger();
    const rl = new RedisRateLimiter({ redis: client, timeoutMs: 50, keyPrefix: prefix(), log });
    const policy = { limit: 5, windowMs: 60_000 };
    await rl.check('k', policy);
    // Sent on the same connection, the sleep is certainly ahead of the limiter's script.
    const sleeping = client.call('DEBUG', 'SLEEP', '0.5').catch(() => undefined);
    const r = await rl.check('k', policy);
    expect(r.allowed).toBe(true);
    expect(rl.lastOutcome).toBe('fallback');
    expect(lines.some((l) => l.level === 'warn' && l.line.includes('TIMEOUT'))).toBe(true);
    await sleeping;
  });

  it('answers from the fallback when Redis was never reachable', async () => {
    const port = await freePort();
    client = createRedisClient({ host: '127.0.0.1', port, connectTimeoutMs: 200 });
    const rl = new RedisRateLimiter({ redis: client, timeoutMs: 100, keyPrefix: prefix() });
    const results = await Promise.all(Array.from({ length: 4 }, () => rl.check('k', { limit: 3, windowMs: 60_000 })));
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
    expect(rl.lastOutcome).toBe('fallback');
  });
});
