/**
 * Re-queues documents whose processing message never arrived (the send after upload failed in a
 * bus outage) or whose processing stopped (the queue gave up after an outage): documents still
 * `uploaded`, or `processing`, longer than DOCUMENT_REQUEUE_AFTER_SECONDS. Safe to overlap with a
 * live message: processing is idempotent (deterministic chunk ids, finished documents skipped).
 */
import { cosmosCall, getContainer } from '../adapters/cosmos';
import { getConfig } from '../config';
import { getQueueSender } from '../events/queue-sender';
import { fetchUpTo } from '../events/fetch-up-to';
import { QUEUES } from '../ports';
import { getLogger } from '../services';
import type { DocumentRecord } from './document-records';
import { patchDocument } from './document-store';
import { processingMessageId, type ProcessingMessage } from './processing-message';

/** Re-queues per document before it is left for an operator (a document that never processes). */
export const MAX_REQUEUE_ATTEMPTS = 50;
const REQUEUE_BATCH = 200;

type Stuck = Pick<DocumentRecord, 'id' | 'tenantId' | 'spaceId' | 'status' | 'requeueAttempts'>;

/**
 * Documents `uploaded` or `processing` whose last change is before `cutoff`, across tenants (a
 * system sweep, like the outbox relay). `updatedAt` is the upload time while `uploaded` and the
 * start of processing while `processing` (nothing else writes a document in those states).
 */
export async function listStuckDocuments(cutoff: Date, limit: number, maxAttempts: number): Promise<Stuck[]> {
  const c = await getContainer('documents');
  return cosmosCall(
    () =>
      fetchUpTo(
        c.items.query<Stuck>(
          {
            query:
              "SELECT c.id, c.tenantId, c.spaceId, c.status, c.requeueAttempts FROM c WHERE c.type = 'document' " +
              "AND (c.status = 'uploaded' OR c.status = 'processing') AND c.updatedAt < @cutoff " +
              'AND (NOT IS_DEFINED(c.requeueAttempts) OR c.requeueAttempts < @max)',
            parameters: [
              { name: '@cutoff', value: cutoff.toISOString() },
              { name: '@max', value: maxAttempts },
            ],
          },
          { maxItemCount: limit },
        ),
        limit,
      ),
    'Document',
  );
}

export async function requeueStuckDocuments(now: Date = new Date()): Promise<{ found: number; requeued: number }> {
  const cutoff = new Date(now.getTime() - getConfig().DOCUMENT_REQUEUE_AFTER_SECONDS * 1_000);
  const stuck = await listStuckDocuments(cutoff, REQUEUE_BATCH, MAX_REQUEUE_ATTEMPTS);
  const log = getLogger();
  let requeued = 0;
  for (const d of stuck) {
    const attempts = (d.requeueAttempts ?? 0) + 1;
    try {
      // Counted first, so a document that never processes drops out of the sweep after the limit.
      await patchDocument(d, { requeueAttempts: attempts });
      const message: ProcessingMessage = { tenant_id: d.tenantId, space_id: d.spaceId, document_id: d.id };
      await getQueueSender().send(QUEUES.documentProcessing, message, { messageId: processingMessageId(d.id) });
      requeued++;
    } catch (err) {
      // Deleted meanwhile, or still an outage: the next run tries again.
      log.warn('document could not be re-queued', { document_id: d.id, tenant_id: d.tenantId, error: String(err) });
    }
    if (attempts >= MAX_REQUEUE_ATTEMPTS) log.error('document re-queued for the last time', { document_id: d.id, tenant_id: d.tenantId, status: d.status });
  }
  return { found: stuck.length, requeued };
}
