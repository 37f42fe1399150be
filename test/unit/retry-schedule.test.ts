import { describe, expect, it } from 'vitest';
import { nextRetry, parseRetryAfter, totalAttempts } from '../../src/shared/core/retry-schedule';

const schedule = [5, 300, 1800, 7200, 18000, 36000, 36000];

describe('retry schedule', () => {
  it('gives 1 + schedule length attempts, then exhaustion', () => {
    expect(totalAttempts(schedule)).toBe(8);
    expect(nextRetry({ attempt: 7, schedule, random: () => 0.5 }).exhausted).toBe(false);
    expect(nextRetry({ attempt: 8, schedule, random: () => 0.5 })).toEqual({ exhausted: true, delayMs: 0 });
    expect(nextRetry({ attempt: 1, schedule: [] }).exhausted).toBe(true);
  });

  it('uses the schedule entry of the attempt, with jitter within ±20 %', () => {
    expect(nextRetry({ attempt: 1, schedule, random: () => 0.5 }).delayMs).toBe(5_000);
    expect(nextRetry({ attempt: 2, schedule, random: () => 0.5 }).delayMs).toBe(300_000);
    expect(nextRetry({ attempt: 1, schedule, random: () => 0 }).delayMs).toBe(4_000);
    expect(nextRetry({ attempt: 1, schedule, random: () => 0.999999 }).delayMs).toBeLessThanOrEqual(6_000);
    for (let i = 0; i < 200; i++) {
      const d = nextRetry({ attempt: 3, schedule }).delayMs;
      expect(d).toBeGreaterThanOrEqual(1_440_000);
      expect(d).toBeLessThanOrEqual(2_160_000);
    }
  });

  it('honours a longer Retry-After, capped at the longest schedule interval', () => {
    expect(nextRetry({ attempt: 1, schedule, retryAfterSeconds: 60, random: () => 0.5 }).delayMs).toBe(60_000);
    expect(nextRetry({ attempt: 1, schedule, retryAfterSeconds: 1_000_000, random: () => 0.5 }).delayMs).toBe(36_000_000);
    // a shorter Retry-After does not make the retry earlier than the schedule
    expect(nextRetry({ attempt: 2, schedule, retryAfterSeconds: 1, random: () => 0.5 }).delayMs).toBe(300_000);
    expect(nextRetry({ attempt: 1, schedule: [1, 1, 1], retryAfterSeconds: 3600, random: () => 0.5 }).delayMs).toBe(1_000);
  });

  it('rejects a nonsensical attempt number', () => {
    expect(() => nextRetry({ attempt: 0, schedule })).toThrow(RangeError);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = new Date('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});
