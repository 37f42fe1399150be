/**
 * API key format and hashing. A key is 32 random bytes (base64url) behind a recognisable
 * prefix, shown once; only its HMAC-SHA256 (keyed with API_KEY_SALT) is stored, and that hash
 * is the stored record's id, so a lookup is one point read.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'eva_sk_';
/** 32 bytes in unpadded base64url are 43 characters. */
const API_KEY_PATTERN = /^eva_sk_[A-Za-z0-9_-]{43}$/;
/** Characters shown in listings so people can tell keys apart (prefix + 4 of the secret part). */
const DISPLAY_CHARS = API_KEY_PREFIX.length + 4;

export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** True for a key this platform could have generated (cheap check before any lookup). */
export function isWellFormedApiKey(key: string): boolean {
  return API_KEY_PATTERN.test(key);
}

/** Hex HMAC-SHA256 of a secret token; used for API keys and refresh tokens. */
export function hashSecret(secret: string, salt: string): string {
  return createHmac('sha256', salt).update(secret, 'utf8').digest('hex');
}

export const hashApiKey = hashSecret;

/** The first characters of a key, safe to show in listings. */
export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_CHARS);
}

/** A new API key id (not secret; used in URLs and as the JWT `sub`). */
export function newApiKeyId(): string {
  return `key_${randomBytes(12).toString('hex')}`;
}

/**
 * Constant-time string comparison. Both sides are hashed first so inputs of different
 * lengths take the same time and timingSafeEqual never throws on a length mismatch.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
