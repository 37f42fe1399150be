/**
 * Space operations behind the /v1/spaces endpoints. Every call is scoped to the caller's tenant:
 * another tenant's space is simply not found. Each change emits its event.
 */
import { makeEvent } from '../core/events';
import { checkIfMatch } from '../http/conditional';
import type { Page } from '../adapters/cosmos';
import { publishQuietly } from '../events/publish-quietly';
import { newSpaceId, nameKeyOf, toSpaceDto, type SpaceMetadata, type SpaceRecord } from './space-records';
import { insertSpace, countSpaces, listSpaces, patchSpace, readSpace, spaceNotFound, type ListSpacesQuery, type SpaceChanges } from './space-store';

export async function getSpace(tenantId: string, id: string): Promise<SpaceRecord> {
  const s = await readSpace(tenantId, id);
  if (!s) throw spaceNotFound();
  return s;
}

export interface NewSpace {
  name: string;
  description?: string | null | undefined;
  metadata?: SpaceMetadata | undefined;
}

export async function createSpace(tenantId: string, input: NewSpace, now = new Date()): Promise<SpaceRecord> {
  const at = now.toISOString();
  const name = input.name.normalize('NFC').trim();
  const created = await insertSpace(
    {
      id: newSpaceId(),
      type: 'space',
      tenantId,
      name,
      nameKey: nameKeyOf(name),
      description: input.description ?? null,
      metadata: input.metadata ?? {},
      documentCount: 0,
      createdAt: at,
      updatedAt: at,
    },
    now,
  );
  await publishQuietly(makeEvent('space.created', tenantId, { space: toSpaceDto(created) }, created.id, now));
  return created;
}

/**
 * PUT (replace: fields left out are reset) or PATCH (only the fields given change).
 * `ifMatch` is the client's If-Match header.
 */
export async function updateSpace(
  tenantId: string,
  id: string,
  input: Partial<NewSpace>,
  mode: 'replace' | 'merge',
  ifMatch: string | null,
  now = new Date(),
): Promise<SpaceRecord> {
  const current = await getSpace(tenantId, id);
  const etag = checkIfMatch(ifMatch, current._etag);
  const changes: SpaceChanges = { updatedAt: now.toISOString() };
  if (input.name !== undefined) {
    changes.name = input.name.normalize('NFC').trim();
    changes.nameKey = nameKeyOf(changes.name);
  }
  if (mode === 'replace') {
    changes.description = input.description ?? null;
    changes.metadata = input.metadata ?? {};
  } else {
    if (input.description !== undefined) changes.description = input.description;
    if (input.metadata !== undefined) changes.metadata = input.metadata;
  }
  const updated = await patchSpace(current, changes, etag, now);
  const changed = Object.keys(changes).filter((k) => k !== 'updatedAt' && k !== 'nameKey');
  await publishQuietly(makeEvent('space.updated', tenantId, { space: toSpaceDto(updated), changed_fields: changed }, id, now));
  return updated;
}

export const listSpacesPage = (tenantId: string, q: ListSpacesQuery): Promise<Page<SpaceRecord>> =>
  listSpaces(tenantId, { ...q, prefix: q.prefix === undefined ? undefined : nameKeyOf(q.prefix) });

export const countSpacesOf = (tenantId: string, prefix?: string): Promise<number> =>
  countSpaces(tenantId, prefix === undefined ? undefined : nameKeyOf(prefix));
