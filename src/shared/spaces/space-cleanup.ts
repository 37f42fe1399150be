/**
 * Removing what a deleted space held: documents (records and hash claims), their blobs and chunks.
 * The space record goes first (so nothing of it can be read), then this runs off the request path
 * on the space-cleanup queue; it is idempotent, so a redelivered message just finds less to do.
 */
import { z } from 'zod';
import { deleteIfExists, deletePrefix } from '../adapters/blob';
import { deleteSpaceChunks } from '../documents/chunk-store';
import { spaceBlobPrefix } from '../documents/document-records';
import { deleteDocumentItem, listSpaceItems } from '../documents/document-store';
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
