/**
 * Which rate limit applies to a principal and under which counter key. Pure: the limiter
 * (Redis or in-process) only counts; src/shared/http/rate-limit-headers.ts renders the headers.
 */
import { AppError } from './errors';
import type { Principal, Tier } from './principal';
import { parseRate } from './rate';
import type { RateLimitPolicy } from '../ports';

export interface RateLimitSettings {
  RATE_LIMIT_DEFAULT: string;
  RATE_LIMIT_AUTHENTICATED: string;
  RATE_LIMIT_TIER_LIMITS: Partial<Record<Tier, string>>;
}

/** Defaults per tier; RATE_LIMIT_TIER_LIMITS overrides any of them. */
export const DEFAULT_TIER_RATES: Record<Exclude<Tier, 'anonymous'>, string> = {
  free: '100/hour',
  basic: '1000/hour',
  pro: '10000/hour',
  enterprise: 'unlimited',
};

function rate(text: string): RateLimitPolicy {
  const p = parseRate(text);
  // config.ts validates every rate, so this only guards direct callers.
  if (!p) throw new AppError('INTERNAL', 'A rate limit setting is not valid.');
  return p;
}

/**
 * anonymous -> RATE_LIMIT_DEFAULT (or its tier override); a tier -> its override or default;
 * an authenticated principal without a tier -> RATE_LIMIT_AUTHENTICATED.
 */
export function policyFor(principal: Principal, s: RateLimitSettings): RateLimitPolicy {
  if (principal.kind === 'anonymous' || principal.tier === 'anonymous') {
    return rate(s.RATE_LIMIT_TIER_LIMITS.anonymous ?? s.RATE_LIMIT_DEFAULT);
  }
  const tier = principal.tier;
  if (tier === undefined) return rate(s.RATE_LIMIT_AUTHENTICATED);
  return rate(s.RATE_LIMIT_TIER_LIMITS[tier] ?? DEFAULT_TIER_RATES[tier]);
}

export const isUnlimited = (p: RateLimitPolicy): boolean => !Number.isFinite(p.limit);

/**
 * The counter a request is charged to. Keys and tokens of one API key share a counter
 * (a JWT's sub is its API key id), so exchanging a key for tokens does not multiply the limit.
 * Anonymous callers are counted per client address.
 */
export function rateLimitKey(principal: Principal, clientAddress = 'unknown'): string {
  switch (principal.kind) {
    case 'anonymous':
      return `anon:${clientAddress}`;
    case 'platform_admin':
      return 'admin';
    default:
      // Per tenant: the tier is the tenant's, so creating more keys must not buy more requests.
      return `t:${principal.tenantId}`;
  }
}
