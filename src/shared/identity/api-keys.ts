/**
 * API keys: create (shown once), authenticate (one cached point read), list, get, revoke, rotate.
 */
import type { Page } from '../adapters/cosmos';
import { getConfig } from '../config';
import { displayPrefix, generateApiKey, hashApiKey, newApiKeyId } from '../core/api-key';
import { AppError, notFound, unauthenticated } from '../core/errors';
import { hasScope, type Principal, type Scope } from '../core/principal';
import { seal, unseal } from '../core/secret-box';
import { getLogger } from '../services';
import { findApiKey, insertApiKey, listApiKeys as listApiKeyRecords, readApiKeyByHash, replaceApiKey, touchApiKey } from './api-key-store';
import { checkIfMatch } from '../http/conditional';
import { forgetKey, getTenantCached, keyCache } from './caches';
import { apiKeyEtag, apiKeyStatus, type ApiKeyRecord } from './records';

export interface CreatedApiKey {
  record: ApiKeyRecord;
  /** The secret, shown once. */
  key: string;
}

export interface CreateApiKeyInput {
  tenantId: string;
  name: string;
  description?: string | null;
  scopes: readonly Scope[];
  expiresAt?: string | null;
  createdBy: string;
  /** Use this exact secret (bootstrap key) instead of generating one. */
  key?: string;
  rotatedFromKeyId?: string | null;
}

const DAY_MS = 86_400_000;

/** The scopes a caller lacks to hand out `scopes` (admin:all holds every scope of its tenant). */
function ungrantable(creator: Principal, scopes: readonly Scope[]): Scope[] {
  if (creator.kind === 'platform_admin' || creator.scopes.includes('admin:all')) return [];
  return scopes.filter((s) => s === 'admin:all' || !hasScope(creator, s));
}

/** A caller may only hand out scopes it holds itself (admin:all holds every scope of its tenant). */
export function assertCanGrant(creator: Principal, scopes: readonly Scope[]): void {
  const missing = ungrantable(creator, scopes);
  if (missing.length > 0) {
    throw new AppError('FORBIDDEN', 'A key cannot grant scopes its creator lacks.', {
      details: missing.map((s) => ({ field: 'scopes', issue: `creator lacks ${s}` })),
    });
  }
}

export function newKeyRecord(input: CreateApiKeyInput, key: string, now: Date = new Date()): ApiKeyRecord {
  return {
    id: hashApiKey(key, getConfig().API_KEY_SALT),
    keyId: newApiKeyId(),
    tenantId: input.tenantId,
    name: input.name,
    description: input.description ?? null,
    scopes: [...new Set(input.scopes)],
    prefix: displayPrefix(key),
    createdAt: now.toISOString(),
    createdBy: input.createdBy,
    expiresAt: input.expiresAt ?? null,
    revokedAt: null,
    lastUsedAt: null,
    rotatedFromKeyId: input.rotatedFromKeyId ?? null,
    rotatedToKeyId: null,
    expiryWarnedAt: null,
    sealedKey: null,
  };
}

export async function createApiKey(input: CreateApiKeyInput, now: Date = new Date()): Promise<CreatedApiKey> {
  const key = input.key ?? generateApiKey();
  const record = await insertApiKey(newKeyRecord(input, key, now));
  return { record, key };
}

/** A live key record for a presented secret, or undefined; reads through the short cache. */
async function lookup(hash: string): Promise<ApiKeyRecord | undefined> {
  const cached = keyCache().get(hash);
  if (cached) return cached.value ?? undefined;
  const record = await readApiKeyByHash(hash);
  keyCache().set(hash, record ?? null);
  return record;
}

/** last_used_at: written at most once a minute per key and instance, never awaited by the request. */
const lastTouched = new Map<string, number>();
const TOUCH_INTERVAL_MS = 60_000;

function touchLater(record: ApiKeyRecord, now: number): void {
  const prev = lastTouched.get(record.id) ?? (record.lastUsedAt ? Date.parse(record.lastUsedAt) : 0);
  if (now - prev < TOUCH_INTERVAL_MS) return;
  lastTouched.set(record.id, now);
  if (lastTouched.size > 50_000) lastTouched.clear();
  setImmediate(() => {
    touchApiKey(record.id, new Date(now).toISOString()).catch((err: unknown) => {
      getLogger().debug('last_used_at update failed', { key_id: record.keyId, error: String(err) });
    });
  });
}

/** Authenticates a presented API key (already format-checked); throws UNAUTHENTICATED. */
export async function authenticateApiKey(key: string, now: Date = new Date()): Promise<Principal> {
  const record = await lookup(hashApiKey(key, getConfig().API_KEY_SALT));
  if (!record) throw unauthenticated('The API key is not valid.');
  const status = apiKeyStatus(record, now);
  if (status === 'revoked') throw unauthenticated('The API key has been revoked.');
  if (status === 'expired') throw unauthenticated('The API key has expired.');
  const tenant = await getTenantCached(record.tenantId);
  if (!tenant) throw unauthenticated('The API key is not valid.');
  if (tenant.disabled) throw unauthenticated('The tenant is disabled.');
  touchLater(record, now.getTime());
  return {
    kind: 'api_key',
    tenantId: record.tenantId,
    subject: record.keyId,
    keyId: record.keyId,
    scopes: record.scopes,
    tier: tenant.tier,
  };
}

/** The key record behind a key id, of this tenant only (another tenant's key is a 404). */
export async function getApiKey(tenantId: string, keyId: string): Promise<ApiKeyRecord> {
  const k = await findApiKey(tenantId, keyId);
  if (!k) throw notFound('API key');
  return k;
}

/**
 * Reads a key for its tenant; if the rotation timer left a sealed successor secret, it is
 * returned exactly once (erased with If-Match, so two concurrent readers cannot both get it),
 * and only to a reader that could have granted the key's scopes: otherwise a keys:manage key
 * could collect an admin:all secret. Other readers see the record and leave the secret sealed.
 */
export async function readApiKeyOnce(tenantId: string, keyId: string, reader: Principal | 'system'): Promise<{ record: ApiKeyRecord; key?: string }> {
  const record = await getApiKey(tenantId, keyId);
  if (!record.sealedKey) return { record };
  if (reader !== 'system' && ungrantable(reader, record.scopes).length > 0) return { record };
  const key = unseal(record.sealedKey, getConfig().API_KEY_SALT);
  const { _etag, ...doc } = record;
  try {
    const saved = await replaceApiKey({ ...doc, sealedKey: null }, _etag);
    return key ? { record: saved, key } : { record: saved };
  } catch (e) {
    if (e instanceof AppError && e.code === 'PRECONDITION_FAILED') return { record: await getApiKey(tenantId, keyId) };
    throw e;
  }
}

export function listApiKeys(tenantId: string, limit: number, cursor?: string): Promise<Page<ApiKeyRecord>> {
  return listApiKeyRecords(tenantId, limit, cursor);
}

/** Revokes a key of the tenant; revoking a revoked key changes nothing. */
export async function revokeApiKey(tenantId: string, keyId: string, ifMatch?: string, now: Date = new Date()): Promise<void> {
  const record = await getApiKey(tenantId, keyId);
  checkIfMatch(ifMatch, apiKeyEtag(record));
  if (record.revokedAt) return;
  const { _etag, ...doc } = record;
  await replaceApiKey({ ...doc, revokedAt: now.toISOString(), sealedKey: null }, _etag);
  forgetKey(record);
}

export interface RotatedApiKey extends CreatedApiKey {
  previous: ApiKeyRecord;
  gracePeriodDays: number;
}

/**
 * A new key with the same name, scopes and lifetime; the old one keeps working until the grace
 * period ends (0 = at once). A key can be rotated once; rotate its successor next time.
 */
export async function rotateApiKey(
  tenantId: string,
  keyId: string,
  gracePeriodDays: number,
  options: { actor: Principal | 'system'; createdBy: string; sealSecret?: boolean; now?: Date },
): Promise<RotatedApiKey> {
  const now = options.now ?? new Date();
  const old = await getApiKey(tenantId, keyId);
  if (options.actor !== 'system') assertCanGrant(options.actor, old.scopes);
  const status = apiKeyStatus(old, now);
  if (status !== 'active') throw new AppError('CONFLICT', `The API key is ${status} and cannot be rotated.`);
  if (old.rotatedToKeyId) throw new AppError('CONFLICT', `The API key was already rotated to ${old.rotatedToKeyId}.`);

  const lifetimeMs = old.expiresAt ? Date.parse(old.expiresAt) - Date.parse(old.createdAt) : undefined;
  const graceEnds = new Date(now.getTime() + gracePeriodDays * DAY_MS);
  // The old key never lives longer than it would have without the rotation.
  const oldExpires = old.expiresAt && Date.parse(old.expiresAt) < graceEnds.getTime() ? old.expiresAt : graceEnds.toISOString();

  const key = generateApiKey();
  const record = newKeyRecord(
    {
      tenantId,
      name: old.name,
      description: old.description,
      scopes: old.scopes,
      expiresAt: lifetimeMs !== undefined && lifetimeMs > 0 ? new Date(now.getTime() + lifetimeMs).toISOString() : null,
      createdBy: options.createdBy,
      rotatedFromKeyId: old.keyId,
    },
    key,
    now,
  );
  if (options.sealSecret) record.sealedKey = seal(key, getConfig().API_KEY_SALT);
  const { _etag, ...oldDoc } = old;
  // Claim the old key first (If-Match): of two concurrent rotations only one proceeds.
  // expiryWarnedAt: the rotation itself announces when the old key stops (no separate warning).
  const previous = await replaceApiKey({ ...oldDoc, rotatedToKeyId: record.keyId, expiresAt: oldExpires, expiryWarnedAt: now.toISOString() }, _etag);
  let saved: ApiKeyRecord;
  try {
    saved = await insertApiKey(record);
  } catch (err) {
    // Without its successor the claim would leave the old key unrotatable and shortened: put it back.
    const { _etag: claimed, ...claimedDoc } = previous;
    await replaceApiKey({ ...claimedDoc, rotatedToKeyId: old.rotatedToKeyId, expiresAt: old.expiresAt, expiryWarnedAt: old.expiryWarnedAt }, claimed).catch(
      () => undefined,
    );
    throw err;
  }
  forgetKey(old);
  return { record: saved, key, previous, gracePeriodDays };
}
