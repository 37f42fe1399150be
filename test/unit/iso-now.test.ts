import { afterEach, describe, expect, it, vi } from 'vitest';
import { isoNow } from '../../src/shared/core/iso-now';

afterEach(() => {
  vi.useRealTimers();
});

describe('isoNow', () => {
  it('gives the current millisecond as ISO 8601, and a new string once the clock moves', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T19:00:00.123Z'));
    expect(isoNow()).toBe('2026-11-25T19:00:00.123Z');
    expect(isoNow()).toBe('2026-11-25T19:00:00.123Z');
    vi.setSystemTime(new Date('2026-11-25T19:00:00.124Z'));
    expect(isoNow()).toBe('2026-11-25T19:00:00.124Z');
  });
});
