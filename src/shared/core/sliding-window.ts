/**
 * Sliding-window-log rate limiting, shared by the Redis script and the in-process fallback so
 * both answer alike. A request is admitted when fewer than `limit` admitted requests lie in the
 * last `windowMs`; unlike a fixed window, no instant ever sees more than `limit` in any window,
 * so there is no 2x burst at a window boundary. Memory per counter is at most `limit` entries.
 */
import type { RateLimitPolicy, RateLimitResult } from '../ports';

/** What one check observed, after pruning and (if admitted) recording the request. */
export interface WindowObservation {
  allowed: boolean;
  /** Admitted requests now in the window (including this one if admitted). */
  count: number;
  /** Timestamp (ms) of the oldest admitted request in the window; undefined when empty. */
  oldestMs?: number;
  /** Timestamp (ms) of the newest admitted request in the window; undefined when empty. */
  newestMs?: number;
}

export function toRateLimitResult(o: WindowObservation, policy: RateLimitPolicy, nowMs: number): RateLimitResult {
  const remaining = Math.max(0, policy.limit - o.count);
  // Full allowance returns when the newest entry leaves the window.
  const resetAt = Math.ceil(((o.newestMs ?? nowMs) + (o.count > 0 ? policy.windowMs : 0)) / 1000);
  // One slot frees when the oldest entry leaves the window.
  const retryAfter = o.allowed ? 0 : Math.max(1, Math.ceil(((o.oldestMs ?? nowMs) + policy.windowMs - nowMs) / 1000));
  return { allowed: o.allowed, limit: policy.limit, remaining, resetAt, retryAfter };
}

/** The answer for an unlimited policy (nothing is counted). */
export function unlimitedResult(nowMs: number): RateLimitResult {
  return { allowed: true, limit: Infinity, remaining: Infinity, resetAt: Math.ceil(nowMs / 1000), retryAfter: 0 };
}
