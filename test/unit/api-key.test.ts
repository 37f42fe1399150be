import { describe, expect, it } from 'vitest';
import { API_KEY_PREFIX, constantTimeEqual, displayPrefix, generateApiKey, hashApiKey, isWellFormedApiKey, newApiKeyId } from '../../src/shared/core/api-key';

describe('api keys', () => {
  it('generates distinct, well-formed keys with the recognisable prefix', () => {
    const keys = new Set(Array.from({ length: 200 }, generateApiKey));
    expect(keys.size).toBe(200);
    for (const k of keys) {
      expect(k.startsWith(API_KEY_PREFIX)).toBe(true);
      expect(k).toHaveLength(API_KEY_PREFIX.length + 43);
      expect(isWellFormedApiKey(k)).toBe(true);
    }
  });

  it('rejects malformed, wrong-prefix, empty and padded keys', () => {
    const good = generateApiKey();
    for (const bad of [
      '',
      'eva_sk_',
      good.slice(0, -1),
      good + 'A',
      good.replace('eva_sk_', 'eva_pk_'),
      good.replace('eva_sk_', 'sk_live_'),
      good.slice(0, -1) + '=',
      good.slice(0, -1) + '+',
      ` ${good}`,
      good.toUpperCase(),
    ]) {
      expect(isWellFormedApiKey(bad), bad).toBe(false);
    }
  });

  it('hashes with HMAC-SHA256 keyed by the salt (hex, deterministic, salt-dependent)', () => {
    const k = generateApiKey();
    const h = hashApiKey(k, 'salt-a');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(k, 'salt-a')).toBe(h);
    expect(hashApiKey(k, 'salt-b')).not.toBe(h);
    expect(h).not.toContain(k.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + 8));
  });

  it('shows only the prefix and 4 characters for display', () => {
    const k = generateApiKey();
    expect(displayPrefix(k)).toBe(k.slice(0, 11));
    expect(newApiKeyId()).toMatch(/^key_[0-9a-f]{24}$/);
  });

  it('compares in constant time, including different lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
