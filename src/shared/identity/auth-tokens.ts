/**
 * Token exchange: an API key buys an access token (JWT) and an opaque refresh token. Refresh
 * tokens are single use; each use returns a new pair in the same family, and presenting a used
 * token again revokes the whole family (someone else holds a copy).
 */
import { getConfig } from '../config';
import { hashSecret } from '../core/api-key';
import { AppError, forbidden, unauthenticated } from '../core/errors';
import type { Principal } from '../core/principal';
import { isWellFormedRefreshToken, issueAccessToken, newRefreshToken, newTokenFamilyId, verifyAccessToken, type TokenSettings } from '../core/tokens';
import { getLogger } from '../services';
import { readApiKeyByHash } from './api-key-store';
import { getKeyByIdCached, getTenantCached } from './caches';
import { apiKeyStatus } from './records';
import { insertRefreshToken, markRefreshTokenUsed, readRefreshToken, revokeRefreshFamily } from './refresh-token-store';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export function tokenSettings(): TokenSettings {
  const c = getConfig();
  return {
    secret: c.JWT_SECRET_KEY,
    ...(c.JWT_PREVIOUS_SECRET_KEY ? { previousSecret: c.JWT_PREVIOUS_SECRET_KEY } : {}),
    issuer: c.JWT_ISSUER,
    audience: c.JWT_AUDIENCE,
    expiresInMinutes: c.JWT_EXPIRATION_MINUTES,
  };
}

async function issuePair(p: { keyId: string; tenantId: string; keyHash: string; principal: Principal }, familyId: string, now: Date): Promise<TokenPair> {
  const access = await issueAccessToken(
    tokenSettings(),
    { sub: p.keyId, tenantId: p.tenantId, scopes: p.principal.scopes, ...(p.principal.tier ? { tier: p.principal.tier } : {}) },
    now,
  );
  const refresh = newRefreshToken();
  const c = getConfig();
  await insertRefreshToken({
    id: hashSecret(refresh, c.API_KEY_SALT),
    familyId,
    tenantId: p.tenantId,
    keyId: p.keyId,
    keyHash: p.keyHash,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + c.REFRESH_TOKEN_TTL_DAYS * 86_400_000).toISOString(),
    usedAt: null,
    revokedAt: null,
  });
  return { access_token: access.token, refresh_token: refresh, token_type: 'Bearer', expires_in: access.expiresIn };
}

/** POST /auth/token: only an API key may mint tokens (a token cannot extend itself this way). */
export async function exchangeApiKey(principal: Principal, presentedKey: string, now: Date = new Date()): Promise<TokenPair> {
  if (principal.kind !== 'api_key' || !principal.keyId) throw forbidden('Tokens are issued for an API key (X-API-Key).');
  const keyHash = hashSecret(presentedKey, getConfig().API_KEY_SALT);
  return issuePair({ keyId: principal.keyId, tenantId: principal.tenantId, keyHash, principal }, newTokenFamilyId(), now);
}

const invalidRefresh = () => unauthenticated('The refresh token is not valid.');

/** POST /auth/refresh: a new pair for a live, unused refresh token whose key and tenant are still good. */
export async function refreshTokens(refreshToken: string, now: Date = new Date()): Promise<TokenPair> {
  if (!isWellFormedRefreshToken(refreshToken)) throw invalidRefresh();
  const record = await readRefreshToken(hashSecret(refreshToken, getConfig().API_KEY_SALT));
  if (!record || record.revokedAt || Date.parse(record.expiresAt) <= now.getTime()) throw invalidRefresh();
  const revokeFamily = async (reason: string) => {
    const n = await revokeRefreshFamily(record.familyId, now.toISOString());
    getLogger().warn('refresh token family revoked', { reason, family_id: record.familyId, tenant_id: record.tenantId, tokens: n });
  };
  if (record.usedAt) {
    await revokeFamily('reuse');
    throw invalidRefresh();
  }
  // Checked before the token is used up: a tenant disabled for a while gets its sessions back.
  const tenant = await getTenantCached(record.tenantId);
  if (!tenant || tenant.disabled) throw unauthenticated('The tenant is disabled.');
  try {
    await markRefreshTokenUsed(record, now.toISOString());
  } catch (e) {
    // Someone used it between our read and write: that is a reuse too.
    if (e instanceof AppError && e.code === 'PRECONDITION_FAILED') {
      await revokeFamily('concurrent reuse');
      throw invalidRefresh();
    }
    throw e;
  }
  const key = await readApiKeyByHash(record.keyHash);
  if (!key || apiKeyStatus(key, now) !== 'active') {
    await revokeFamily('key no longer active');
    throw unauthenticated('The API key behind this refresh token is no longer valid.');
  }
  const principal: Principal = {
    kind: 'api_key',
    tenantId: key.tenantId,
    subject: key.keyId,
    keyId: key.keyId,
    scopes: key.scopes,
    tier: tenant.tier,
  };
  return issuePair({ keyId: key.keyId, tenantId: key.tenantId, keyHash: key.id, principal }, record.familyId, now);
}

/**
 * A bearer token's principal. The tenant and the key it was minted from are re-read (cached
 * briefly, API_KEY_CACHE_SECONDS) so a disabled tenant's or a revoked key's tokens stop working as
 * soon as its keys do, and the tier is the tenant's current one.
 */
export async function authenticateBearer(token: string, now: Date = new Date()): Promise<Principal> {
  const v = await verifyAccessToken(tokenSettings(), token, now);
  const [key, tenant] = await Promise.all([getKeyByIdCached(v.tenantId, v.sub), getTenantCached(v.tenantId)]);
  if (!key || apiKeyStatus(key, now) !== 'active') throw unauthenticated('The API key behind this bearer token is no longer valid.');
  if (!tenant) throw unauthenticated('The bearer token is not valid.');
  if (tenant.disabled) throw unauthenticated('The tenant is disabled.');
  // Never more than the key holds now: a token cannot outlast a narrowing of its key.
  const scopes = v.scopes.filter((s) => key.scopes.includes(s));
  return { kind: 'jwt', tenantId: v.tenantId, subject: v.sub, keyId: v.sub, scopes, tier: tenant.tier };
}
