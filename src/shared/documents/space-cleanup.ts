/**
 * Removing what a deleted space held: documents (records and hash claims), their blobs and chunks.
 * The space record goes first (so nothing of it can be read), then this runs off the request path
 * on the space-cleanup queue; it is idempotent, so a redelivered message just finds less to do.
 * Deleting a space lives here, beside its documents' cleanup, so that documents depend on spaces
 * and never the other way round.
 */
import { z } from 'zod';
import { deleteIfExists, deletePrefix } from '../adapters/blob';
import { makeEvent } from '../core/events';
import { publishQuietly } from '../events/publish-quietly';
import { checkIfMatch } from '../http/conditional';
import { toSpaceDto } from '../spaces/space-records';
import { deleteSpaceRecord } from '../spaces/space-store';
import { getSpace } from '../spaces/spaces';
import { deleteSpaceChunks } from './chunk-store';
import { spaceBlobPrefix } from './document-records';
import { deleteDocumentItem, listSpaceItems } from './document-store';
import { getQueueSender } from '../events/queue-sender';
import { QUEUES } from '../ports';
import { getLogger } from '../services';

export const spaceCleanupMessage = z.object({ tenant_id: z.string().min(1), space_id: z.string().min(1) });
export type SpaceCleanupMessage = z.infer<typeof spaceCleanupMessage>;

const BATCH = 100;

/** Deletes everything stored for a space. Returns how many documents went. */
export async function purgeSpace(tenantId: string, spaceId: string): Promise<number> {
  let documents = 0;
  for (;;) {
    const items = await listSpaceItems(tenantId, spaceId, BATCH);
    if (items.length === 0) break;
    for (const item of items) {
      if (item.type === 'document' && item.blobPath) {
        await deleteIfExists(item.blobPath);
        documents++;
      }
      await deleteDocumentItem(tenantId, item.id);
    }
  }
  await deleteSpaceChunks(tenantId, spaceId);
  // Blobs of uploads that never got a record (interrupted requests).
  await deletePrefix(spaceBlobPrefix(tenantId, spaceId));
  return documents;
}

/** Queues the purge; if the queue cannot be reached, purges now rather than leave data behind. */
export async function scheduleSpaceCleanup(tenantId: string, spaceId: string): Promise<void> {
  const message: SpaceCleanupMessage = { tenant_id: tenantId, space_id: spaceId };
  try {
    await getQueueSender().send(QUEUES.spaceCleanup, message, { messageId: `space-cleanup-${spaceId}` });
  } catch (err) {
    getLogger().warn('space cleanup could not be queued; purging inline', { space_id: spaceId, error: String(err) });
    await purgeSpace(tenantId, spaceId);
  }
}

/** Deletes the space now; its documents, blobs and chunks are removed in the background. */
export async function deleteSpace(tenantId: string, id: string, ifMatch: string | null, now = new Date()): Promise<void> {
  const current = await getSpace(tenantId, id);
  const etag = checkIfMatch(ifMatch, current._etag);
  await deleteSpaceRecord(current, etag);
  await scheduleSpaceCleanup(tenantId, id);
  await publishQuietly(makeEvent('space.deleted', tenantId, { space: toSpaceDto(current) }, id, now));
}
