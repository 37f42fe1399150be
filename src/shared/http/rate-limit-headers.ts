import type { RateLimitResult } from '../ports';

/** X-RateLimit-* on every rate-limited response; Retry-After is added by the 429 itself. */
export function rateLimitHeaders(r: RateLimitResult): Record<string, string> {
  if (!Number.isFinite(r.limit)) return {};
  return {
    'X-RateLimit-Limit': String(r.limit),
    'X-RateLimit-Remaining': String(Math.max(0, r.remaining)),
    'X-RateLimit-Reset': String(r.resetAt),
  };
}
