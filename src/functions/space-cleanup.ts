import { app } from '@azure/functions';
import { purgeSpace, spaceCleanupMessage } from '../shared/documents/space-cleanup';
import { QUEUES } from '../shared/ports';
import { getLogger } from '../shared/services';

// Deletes a deleted space's documents, blobs and chunks. Idempotent; a throw makes the queue retry.
app.serviceBusQueue('space-cleanup', {
  queueName: QUEUES.spaceCleanup,
  connection: 'SERVICE_BUS_CONNECTION_STRING',
  handler: async (message) => {
    const parsed = spaceCleanupMessage.safeParse(message);
    if (!parsed.success) {
      getLogger().error('space-cleanup: malformed message dropped');
      return;
    }
    const documents = await purgeSpace(parsed.data.tenant_id, parsed.data.space_id);
    getLogger().info('space purged', { space_id: parsed.data.space_id, documents });
  },
});
