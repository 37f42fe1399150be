import type { RateLimitPolicy } from '../ports';

const UNIT_MS: Record<'second' | 'minute' | 'hour' | 'day', number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/**
 * Parses a rate such as `100/minute`, `1000/hour`, `5/second` or `unlimited`.
 * Returns undefined when the text is not a rate, so config can report it.
 */
export function parseRate(text: string): RateLimitPolicy | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'unlimited') return { limit: Infinity, windowMs: UNIT_MS.hour };
  const m = /^(\d{1,9})\s*\/\s*(second|minute|hour|day)s?$/.exec(t);
  if (!m) return undefined;
  const limit = Number(m[1]);
  if (limit < 1) return undefined;
  return { limit, windowMs: UNIT_MS[m[2] as keyof typeof UNIT_MS] }; // the regex admits only these units
}
