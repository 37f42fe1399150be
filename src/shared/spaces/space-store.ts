/**
 * Spaces in Cosmos (container `spaces`, partition /tenantId): the space records and the name
 * claims that keep names unique per tenant. Every read names the tenant's partition.
 */
import { createHash } from 'node:crypto';
import type { PatchOperation } from '@azure/cosmos';
import { asBody, isOk, orThrow, transactionalBatch } from '../adapters/cosmos-batch';
import { cosmosCall, getContainer, ifMatchOptions, mapCosmosError, queryPage, type Page } from '../adapters/cosmos';
import { AppError, conflict, isAppError, notFound } from '../core/errors';
import { nameRecordId, type SpaceNameRecord, type SpaceRecord } from './space-records';

const WHAT = 'Space';
/** A claim this old whose space does not exist was left by a crash between the two writes: reusable. */
const ORPHAN_CLAIM_MS = 30_000;

export async function readSpace(tenantId: string, id: string): Promise<SpaceRecord | undefined> {
  const c = await getContainer('spaces');
  const { resource } = await cosmosCall(() => c.item(id, tenantId).read<SpaceRecord>(), WHAT);
  // The name claims share the container; an id that names one is not a space.
  return resource && resource.type === 'space' && resource.tenantId === tenantId ? resource : undefined;
}

/** Claims `nameKey` for `spaceId`; CONFLICT when another live space holds it. */
export async function claimName(tenantId: string, nameKey: string, spaceId: string, now: Date): Promise<void> {
  const c = await getContainer('spaces');
  const claim: SpaceNameRecord = { id: nameRecordId(nameKey), type: 'space_name', tenantId, spaceId, createdAt: now.toISOString() };
  try {
    await cosmosCall(() => c.items.create(claim), WHAT);
    return;
  } catch (e) {
    if (!(isAppError(e) && e.code === 'CONFLICT')) throw e;
  }
  const { resource: held } = await cosmosCall(() => c.item(claim.id, tenantId).read<SpaceNameRecord>(), WHAT);
  if (held && held.spaceId !== spaceId) {
    const holder = await readSpace(tenantId, held.spaceId);
    const stale = !holder && now.getTime() - Date.parse(held.createdAt) > ORPHAN_CLAIM_MS;
    if (!stale) throw conflict('A space with this name already exists.');
    // Take the orphaned claim over; If-Match makes a concurrent taker lose with 412 -> CONFLICT.
    try {
      await cosmosCall(() => c.item(claim.id, tenantId).replace(claim, ifMatchOptions(held._etag)), WHAT);
    } catch (e) {
      if (isAppError(e) && e.code === 'PRECONDITION_FAILED') throw conflict('A space with this name already exists.');
      throw e;
    }
  } else if (!held) {
    // Released between our create and read: try once more.
    await cosmosCall(() => c.items.create(claim), WHAT).catch((e: unknown) => {
      if (isAppError(e) && e.code === 'CONFLICT') throw conflict('A space with this name already exists.');
      throw e;
    });
  }
}

/** Releases a name claim if `spaceId` holds it (best effort: an orphan claim is reclaimable anyway). */
export async function releaseName(tenantId: string, nameKey: string, spaceId: string): Promise<void> {
  const c = await getContainer('spaces');
  const id = nameRecordId(nameKey);
  try {
    const { resource } = await cosmosCall(() => c.item(id, tenantId).read<SpaceNameRecord>(), WHAT);
    if (resource?.spaceId === spaceId) await cosmosCall(() => c.item(id, tenantId).delete(ifMatchOptions(resource._etag)), WHAT);
  } catch {
    /* a leftover claim is recovered by claimName after ORPHAN_CLAIM_MS */
  }
}

export async function insertSpace(s: SpaceRecord, now: Date): Promise<SpaceRecord> {
  const c = await getContainer('spaces');
  // Fast path: the name claim and the space in one transactional batch (same container and
  // partition): one round trip instead of two, and nothing to undo when the space write fails.
  const claim: SpaceNameRecord = { id: nameRecordId(s.nameKey), type: 'space_name', tenantId: s.tenantId, spaceId: s.id, createdAt: now.toISOString() };
  const [claimResult, spaceResult] = await transactionalBatch(
    c,
    [
      { operationType: 'Create', resourceBody: asBody(claim) },
      { operationType: 'Create', resourceBody: asBody(s) },
    ],
    s.tenantId,
    WHAT,
  );
  if (claimResult && spaceResult && isOk(claimResult) && isOk(spaceResult)) return (spaceResult.resourceBody as unknown as SpaceRecord | undefined) ?? s;
  // Anything but "the name is held" is the space write's own failure, and the batch wrote nothing.
  if (claimResult?.statusCode !== 409) {
    // Cosmos DB rolls a failed batch back; the embedded emulator does not: release a claim it kept.
    if (claimResult && isOk(claimResult)) await releaseName(s.tenantId, s.nameKey, s.id);
    // The operation that failed (the other answers 424, failed dependency) says why.
    const failed = [claimResult, spaceResult].find((r) => r !== undefined && !isOk(r) && r.statusCode !== 424);
    if (failed) orThrow(failed, WHAT);
    throw mapCosmosError(new Error('Cosmos batch answered without a result per operation'), WHAT);
  }
  // The name is held: claimName decides (a live holder is CONFLICT; an orphaned claim is taken over).
  await claimName(s.tenantId, s.nameKey, s.id, now);
  try {
    const { resource } = await cosmosCall(() => c.items.create(s), WHAT);
    return resource ?? s;
  } catch (e) {
    await releaseName(s.tenantId, s.nameKey, s.id);
    throw e;
  }
}

export interface SpaceChanges {
  name?: string;
  nameKey?: string;
  description?: string | null;
  metadata?: SpaceRecord['metadata'];
  updatedAt: string;
}

/**
 * Applies changes with a patch (so a concurrent document_count increment is never overwritten).
 * `etag` (the client's If-Match) makes a stale update PRECONDITION_FAILED.
 */
export async function patchSpace(current: SpaceRecord, changes: SpaceChanges, etag: string | undefined, now: Date): Promise<SpaceRecord> {
  const renamed = changes.nameKey !== undefined && changes.nameKey !== current.nameKey;
  if (renamed) await claimName(current.tenantId, changes.nameKey!, current.id, now);
  const ops: PatchOperation[] = Object.entries(changes)
    .filter(([, v]) => v !== undefined)
    .map(([k, value]) => ({ op: 'set', path: `/${k}`, value: value as unknown }));
  const c = await getContainer('spaces');
  try {
    const { resource } = await cosmosCall(() => c.item(current.id, current.tenantId).patch<SpaceRecord>(ops, ifMatchOptions(etag)), WHAT);
    if (!resource) throw notFound(WHAT);
    if (renamed) await releaseName(current.tenantId, current.nameKey, current.id);
    return resource;
  } catch (e) {
    if (renamed) await releaseName(current.tenantId, changes.nameKey!, current.id);
    throw e;
  }
}

/** Deletes the space record (If-Match honoured) and its name claim. */
export async function deleteSpaceRecord(s: SpaceRecord, etag: string | undefined): Promise<void> {
  const c = await getContainer('spaces');
  await cosmosCall(() => c.item(s.id, s.tenantId).delete(ifMatchOptions(etag)), WHAT);
  await releaseName(s.tenantId, s.nameKey, s.id);
}

/**
 * Adds `delta` to document_count atomically (a server-side increment); with `contentChanged` the
 * content version is bumped in the same write (a deleted document). NOT_FOUND if the space is gone.
 */
export async function addToDocumentCount(tenantId: string, spaceId: string, delta: number, updatedAt: string, contentChanged = false): Promise<void> {
  const c = await getContainer('spaces');
  const ops: PatchOperation[] = [
    { op: 'incr', path: '/documentCount', value: delta },
    { op: 'set', path: '/updatedAt', value: updatedAt },
  ];
  if (contentChanged) ops.push({ op: 'incr', path: '/contentVersion', value: 1 });
  await cosmosCall(() => c.item(spaceId, tenantId).patch(ops), WHAT);
}

/** Bumps the space's content version (a document processed). NOT_FOUND if the space is gone. */
export async function bumpContentVersion(tenantId: string, spaceId: string): Promise<void> {
  const c = await getContainer('spaces');
  await cosmosCall(() => c.item(spaceId, tenantId).patch([{ op: 'incr', path: '/contentVersion', value: 1 }]), WHAT);
}

/** The space's content version (0 before any change), or undefined when there is no such space. */
export async function readContentVersion(tenantId: string, spaceId: string): Promise<number | undefined> {
  const s = await readSpace(tenantId, spaceId);
  return s ? (s.contentVersion ?? 0) : undefined;
}

export interface ListSpacesQuery {
  limit: number;
  cursor?: string;
  /** Case-insensitive name prefix. */
  prefix?: string;
  sort: 'created_at' | 'name';
  order: 'asc' | 'desc';
}

export async function listSpaces(tenantId: string, q: ListSpacesQuery): Promise<Page<SpaceRecord>> {
  const c = await getContainer('spaces');
  const field = q.sort === 'name' ? 'c.nameKey' : 'c.createdAt';
  const direction = q.order === 'asc' ? 'ASC' : 'DESC';
  const parameters = [{ name: '@t', value: tenantId }];
  let where = "c.tenantId = @t AND c.type = 'space'";
  if (q.prefix) {
    where += ' AND STARTSWITH(c.nameKey, @p)';
    parameters.push({ name: '@p', value: q.prefix });
  }
  // A cursor only works for the very list (tenant, filter, order) it came from.
  const filterHash = createHash('sha256')
    .update(q.prefix ?? '')
    .digest('base64url')
    .slice(0, 16);
  return queryPage<SpaceRecord>(
    c,
    { query: `SELECT * FROM c WHERE ${where} ORDER BY ${field} ${direction}`, parameters },
    { limit: q.limit, cursor: q.cursor, scope: `spaces:${tenantId}:${q.sort}:${q.order}:${filterHash}`, partitionKey: tenantId },
  );
}

export const spaceNotFound = (): AppError => notFound(WHAT);

/** How many spaces a list (tenant, name prefix) holds: one COUNT query (GraphQL's totalCount). */
export async function countSpaces(tenantId: string, prefix?: string): Promise<number> {
  const c = await getContainer('spaces');
  const parameters = [{ name: '@t', value: tenantId }];
  let where = "c.tenantId = @t AND c.type = 'space'";
  if (prefix) {
    where += ' AND STARTSWITH(c.nameKey, @p)';
    parameters.push({ name: '@p', value: prefix });
  }
  const { resources } = await cosmosCall(
    () => c.items.query<number>({ query: `SELECT VALUE COUNT(1) FROM c WHERE ${where}`, parameters }, { partitionKey: tenantId }).fetchAll(),
    WHAT,
  );
  return resources[0] ?? 0;
}
