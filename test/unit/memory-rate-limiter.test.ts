import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '../../src/shared/adapters/memory-rate-limiter';

describe('MemoryRateLimiter (sliding window log)', () => {
  it('admits exactly the limit, then refuses with Retry-After until the oldest leaves the window', async () => {
    let now = 1_000_000;
    const rl = new MemoryRateLimiter({ now: () => now });
    const policy = { limit: 3, windowMs: 60_000 };
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await rl.check('k', policy));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0, 0]);
    expect(results[4]?.retryAfter).toBe(60);
    expect(results[2]?.resetAt).toBe(Math.ceil((1_000_000 + 60_000) / 1000));
    now += 60_000;
    expect((await rl.check('k', policy)).allowed).toBe(true);
  });

  it('does not let twice the limit through across a fixed-window boundary', async () => {
    let now = 59_900;
    const rl = new MemoryRateLimiter({ now: () => now });
    const policy = { limit: 10, windowMs: 60_000 };
    let allowed = 0;
    for (let i = 0; i < 10; i++) if ((await rl.check('k', policy)).allowed) allowed++;
    now = 60_100;
    for (let i = 0; i < 10; i++) if ((await rl.check('k', policy)).allowed) allowed++;
    expect(allowed).toBe(10);
  });

  it('admits a weight all at once or not at all (a costly GraphQL operation)', async () => {
    const rl = new MemoryRateLimiter({ now: () => 1_000 });
    const policy = { limit: 10, windowMs: 60_000 };
    expect(await rl.check('k', policy, 7)).toMatchObject({ allowed: true, remaining: 3 });
    expect(await rl.check('k', policy, 4)).toMatchObject({ allowed: false, remaining: 3 });
    expect(await rl.check('k', policy, 3)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('keeps counters apart and bounds the number of counters', async () => {
    const rl = new MemoryRateLimiter({ maxKeys: 3 });
    const policy = { limit: 1, windowMs: 60_000 };
    expect((await rl.check('a', policy)).allowed).toBe(true);
    expect((await rl.check('b', policy)).allowed).toBe(true);
    expect((await rl.check('a', policy)).allowed).toBe(false);
    for (const k of ['c', 'd', 'e']) await rl.check(k, policy);
    // 'a' was evicted to keep 3 counters, so it starts afresh.
    expect((await rl.check('a', policy)).allowed).toBe(true);
  });

  it('answers unlimited policies without counting', async () => {
    const rl = new MemoryRateLimiter();
    const r = await rl.check('k', { limit: Infinity, windowMs: 1000 });
    expect(r.allowed).toBe(true);
  });
});
