/** Refresh tokens in Cosmos (container `refreshTokens`, partition /id where id = the token's HMAC hash). */
import { cosmosCall, getContainer, ifMatchOptions } from '../adapters/cosmos';
import type { RefreshTokenRecord } from './records';

export async function insertRefreshToken(r: RefreshTokenRecord): Promise<void> {
  const c = await getContainer('refreshTokens');
  await cosmosCall(() => c.items.create(r), 'Refresh token');
}

export async function readRefreshToken(hash: string): Promise<RefreshTokenRecord | undefined> {
  const c = await getContainer('refreshTokens');
  const { resource } = await cosmosCall(() => c.item(hash, hash).read<RefreshTokenRecord>(), 'Refresh token');
  return resource;
}

/**
 * Marks a token used, only if nobody else did since it was read (If-Match): of two concurrent
 * uses exactly one wins; the other sees PRECONDITION_FAILED and is treated as reuse.
 */
export async function markRefreshTokenUsed(r: RefreshTokenRecord, usedAt: string): Promise<void> {
  const c = await getContainer('refreshTokens');
  const { _etag, ...doc } = r;
  await cosmosCall(() => c.item(r.id, r.id).replace({ ...doc, usedAt }, ifMatchOptions(_etag)), 'Refresh token');
}

/** Revokes every live token of a family (reuse detected, or its key was revoked). */
export async function revokeRefreshFamily(familyId: string, revokedAt: string): Promise<number> {
  const c = await getContainer('refreshTokens');
  const { resources } = await cosmosCall(
    () =>
      c.items
        .query<RefreshTokenRecord>({
          query: 'SELECT * FROM c WHERE c.familyId = @f AND (NOT IS_DEFINED(c.revokedAt) OR IS_NULL(c.revokedAt))',
          parameters: [{ name: '@f', value: familyId }],
        })
        .fetchAll(),
    'Refresh token',
  );
  await Promise.all(resources.map((r) => cosmosCall(() => c.item(r.id, r.id).patch([{ op: 'set', path: '/revokedAt', value: revokedAt }]), 'Refresh token')));
  return resources.length;
}
