import { describe, expect, it } from 'vitest';
import { percentile } from '../../scripts/bench-lib';

describe("the benches' one percentile (nearest rank)", () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it('of 100 samples, pN is the N-th value; p100 the maximum, p0 the minimum', () => {
    expect([0, 1, 50, 90, 99, 100].map((p) => percentile(hundred, p))).toEqual([1, 1, 50, 90, 99, 100]);
  });

  it('rounds the rank up on small samples, and has no value for none', () => {
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30], 99)).toBe(30);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});
