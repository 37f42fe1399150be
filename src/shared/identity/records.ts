/** What identity stores in Cosmos (camelCase documents) and how it is shown through the API (snake_case). */
import { createHash } from 'node:crypto';
import type { Scope, Tier } from '../core/principal';
import type { ApiKeyDto, TenantDto } from './schemas';

export interface TenantRecord {
  id: string;
  name: string;
  tier: Tier;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  _etag?: string;
}

export interface ApiKeyRecord {
  /** HMAC-SHA256 of the key: the document id and partition key, so auth is one point read. */
  id: string;
  /** Public id used in URLs and as the JWT `sub`. */
  keyId: string;
  tenantId: string;
  name: string;
  description: string | null;
  scopes: Scope[];
  /** First characters of the key, for display. */
  prefix: string;
  createdAt: string;
  /** Key id of the creator, 'platform_admin', 'bootstrap', 'cli' or 'rotation'. */
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  rotatedFromKeyId: string | null;
  rotatedToKeyId: string | null;
  expiryWarnedAt: string | null;
  /** A successor key minted by the rotation timer, sealed until the tenant reads it once. */
  sealedKey: string | null;
  _etag?: string;
}

export interface RefreshTokenRecord {
  /** HMAC-SHA256 of the refresh token (document id and partition key). */
  id: string;
  familyId: string;
  tenantId: string;
  keyId: string;
  /** The API key's record id, to re-check it (revoked, expired) on every refresh. */
  keyHash: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  revokedAt: string | null;
  _etag?: string;
}

export type ApiKeyStatus = 'active' | 'expired' | 'revoked';

export function apiKeyStatus(k: ApiKeyRecord, now: Date = new Date()): ApiKeyStatus {
  if (k.revokedAt) return 'revoked';
  if (k.expiresAt && Date.parse(k.expiresAt) <= now.getTime()) return 'expired';
  return 'active';
}

export function apiKeyView(k: ApiKeyRecord, now: Date = new Date()): ApiKeyDto {
  return {
    id: k.keyId,
    tenant_id: k.tenantId,
    name: k.name,
    description: k.description,
    scopes: k.scopes,
    prefix: k.prefix,
    status: apiKeyStatus(k, now),
    created_at: k.createdAt,
    expires_at: k.expiresAt,
    revoked_at: k.revokedAt,
    last_used_at: k.lastUsedAt,
    rotated_from: k.rotatedFromKeyId,
    rotated_to: k.rotatedToKeyId,
  };
}

export function tenantView(t: TenantRecord): TenantDto {
  return { id: t.id, name: t.name, tier: t.tier, disabled: t.disabled, created_at: t.createdAt, updated_at: t.updatedAt };
}

/**
 * A key's ETag, over what a client can change or see change (not last_used_at, which moves with
 * every use and would make If-Match fail for no reason).
 */
export function apiKeyEtag(k: ApiKeyRecord): string {
  const basis = JSON.stringify([k.name, k.description, k.scopes, k.expiresAt, k.revokedAt, k.rotatedToKeyId]);
  return `"${createHash('sha256').update(basis).digest('base64url').slice(0, 27)}"`;
}
