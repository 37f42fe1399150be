import { describe, expect, it } from 'vitest';
import { ANONYMOUS, type Principal } from '../../src/shared/core/principal';
import { policyFor, rateLimitKey, type RateLimitSettings } from '../../src/shared/core/rate-limit-policy';

const defaults: RateLimitSettings = { RATE_LIMIT_DEFAULT: '50/hour', RATE_LIMIT_AUTHENTICATED: '100/hour', RATE_LIMIT_TIER_LIMITS: {} };
const key = (tier?: Principal['tier']): Principal => ({
  kind: 'api_key',
  tenantId: 'acme',
  subject: 'key_1',
  keyId: 'key_1',
  scopes: [],
  ...(tier ? { tier } : {}),
});
const HOUR = 3_600_000;

describe('policyFor', () => {
  it('applies the default tier limits', () => {
    expect(policyFor(ANONYMOUS, defaults)).toEqual({ limit: 50, windowMs: HOUR });
    expect(policyFor(key('free'), defaults)).toEqual({ limit: 100, windowMs: HOUR });
    expect(policyFor(key('basic'), defaults)).toEqual({ limit: 1000, windowMs: HOUR });
    expect(policyFor(key('pro'), defaults)).toEqual({ limit: 10000, windowMs: HOUR });
    expect(policyFor(key('enterprise'), defaults).limit).toBe(Infinity);
  });

  it('uses RATE_LIMIT_AUTHENTICATED without a tier and RATE_LIMIT_DEFAULT for anonymous', () => {
    const s = { ...defaults, RATE_LIMIT_DEFAULT: '5/minute', RATE_LIMIT_AUTHENTICATED: '7/second' };
    expect(policyFor(ANONYMOUS, s)).toEqual({ limit: 5, windowMs: 60_000 });
    expect(policyFor(key(), s)).toEqual({ limit: 7, windowMs: 1_000 });
  });

  it('lets RATE_LIMIT_TIER_LIMITS override any tier', () => {
    const s = { ...defaults, RATE_LIMIT_TIER_LIMITS: { free: '20/minute', enterprise: '1000000/day', anonymous: '3/second' } };
    expect(policyFor(key('free'), s)).toEqual({ limit: 20, windowMs: 60_000 });
    expect(policyFor(key('enterprise'), s)).toEqual({ limit: 1_000_000, windowMs: 86_400_000 });
    expect(policyFor(ANONYMOUS, s)).toEqual({ limit: 3, windowMs: 1_000 });
    expect(policyFor(key('basic'), s)).toEqual({ limit: 1000, windowMs: HOUR });
  });
});

describe('rateLimitKey', () => {
  it('charges a key and the tokens minted from it to one counter, per tenant', () => {
    const jwt: Principal = { kind: 'jwt', tenantId: 'acme', subject: 'key_1', keyId: 'key_1', scopes: [] };
    expect(rateLimitKey(key('pro'))).toBe(rateLimitKey(jwt));
    expect(rateLimitKey({ ...jwt, tenantId: 'other' })).not.toBe(rateLimitKey(jwt));
    expect(rateLimitKey(ANONYMOUS, '10.0.0.1')).not.toBe(rateLimitKey(ANONYMOUS, '10.0.0.2'));
  });
});
