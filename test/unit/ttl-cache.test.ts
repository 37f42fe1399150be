import { describe, expect, it } from 'vitest';
import { cachedLoad, TtlCache } from '../../src/shared/core/ttl-cache';

describe('TtlCache', () => {
  it('answers within the time-to-live, forgets after it, and stays bounded by dropping the oldest', () => {
    let now = 1_000;
    const c = new TtlCache<string>(100, 2, () => now);
    c.set('a', 'A');
    expect(c.get('a')).toEqual({ value: 'A' });
    now += 100;
    expect(c.get('a')).toBeUndefined();
    c.set('a', 'A');
    c.set('b', 'B');
    c.set('c', 'C');
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([undefined, { value: 'B' }, { value: 'C' }]);
  });
});

describe('cachedLoad', () => {
  it('shares one load between concurrent callers and reuses it until it expires', async () => {
    let now = 0;
    const c = new TtlCache<Promise<number>>(50, 10, () => now);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await Promise.all([cachedLoad(c, 'k', load), cachedLoad(c, 'k', load)])).toEqual([1, 1]);
    now = 49;
    expect(await cachedLoad(c, 'k', load)).toBe(1);
    now = 50;
    expect(await cachedLoad(c, 'k', load)).toBe(2);
  });

  it('does not keep a load that failed: the next caller loads again', async () => {
    const c = new TtlCache<Promise<string>>(60_000);
    await expect(cachedLoad(c, 'k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cachedLoad(c, 'k', () => Promise.resolve('up'))).toBe('up');
  });
});
