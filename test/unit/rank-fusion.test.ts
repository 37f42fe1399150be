import { describe, expect, it } from 'vitest';
import { RRF_K, reciprocalRankFusion } from '../../src/shared/core/rank-fusion';

describe('reciprocal rank fusion', () => {
  it('scores 1 / (k + rank) with ranks from 1 and k = 60 by default', () => {
    expect(RRF_K).toBe(60);
    expect(reciprocalRankFusion([['a', 'b', 'c']])).toEqual([
      { id: 'a', score: 1 / 61 },
      { id: 'b', score: 1 / 62 },
      { id: 'c', score: 1 / 63 },
    ]);
    expect(reciprocalRankFusion([['a']], 0)).toEqual([{ id: 'a', score: 1 }]);
  });

  it('sums over rankings: an item both rankings found beats one that only tops one', () => {
    const fused = reciprocalRankFusion([
      ['lex-only', 'both', 'x'],
      ['vec-only', 'both', 'y'],
    ]);
    expect(fused[0]).toEqual({ id: 'both', score: 2 / 62 });
    expect(fused.map((f) => f.id)).toEqual(['both', 'lex-only', 'vec-only', 'x', 'y']);
  });

  it('breaks equal scores by best rank, then by first appearance (deterministic)', () => {
    // With k = 0: x at ranks 2 and 6 scores 1/2 + 1/6, y at ranks 3 and 3 scores 1/3 + 1/3, the same.
    const fused = reciprocalRankFusion(
      [
        ['a', 'b', 'y', 'c', 'd', 'x'],
        ['e', 'x', 'y', 'f', 'g', 'h'],
      ],
      0,
    );
    const x = fused.find((f) => f.id === 'x')!;
    const y = fused.find((f) => f.id === 'y')!;
    expect(x.score).toBe(y.score);
    expect(fused.indexOf(x)).toBeLessThan(fused.indexOf(y)); // y was seen first, but x reached rank 2 and y only 3
    // Same scores, same best rank: the earlier ranking's item first, either way round.
    expect(reciprocalRankFusion([['p'], ['q']]).map((f) => f.id)).toEqual(['p', 'q']);
    expect(reciprocalRankFusion([['q'], ['p']]).map((f) => f.id)).toEqual(['q', 'p']);
  });

  it('counts an id repeated within one ranking once, at its first place', () => {
    expect(reciprocalRankFusion([['a', 'a', 'b']])).toEqual([
      { id: 'a', score: 1 / 61 },
      { id: 'b', score: 1 / 63 },
    ]);
  });

  it('handles empty input and refuses a negative or non-finite k', () => {
    expect(reciprocalRankFusion([])).toEqual([]);
    expect(reciprocalRankFusion([[], []])).toEqual([]);
    expect(() => reciprocalRankFusion([['a']], -1)).toThrow(RangeError);
    expect(() => reciprocalRankFusion([['a']], Number.NaN)).toThrow(RangeError);
  });

  it('a larger k flattens the difference between ranks', () => {
    const gap = (k: number) => {
      const [first, second] = reciprocalRankFusion([['a', 'b']], k);
      return first!.score / second!.score;
    };
    expect(gap(1)).toBeGreaterThan(gap(60));
    expect(gap(60)).toBeGreaterThan(gap(1000));
  });
});
