import { app, type InvocationContext } from '@azure/functions';
import { getConfig } from '../shared/config';
import { requeueStuckDocuments } from '../shared/documents/requeue';
import { getLogger } from '../shared/services';

// Queues processing again for documents left `uploaded`/`processing` (the send failed, or the queue gave up).
app.timer('documents-requeue', {
  schedule: getConfig().DOCUMENT_REQUEUE_SCHEDULE,
  handler: async (_timer: unknown, context: InvocationContext) => {
    const r = await requeueStuckDocuments();
    if (r.found > 0) getLogger().info('documents requeue', { invocation_id: context.invocationId, ...r });
  },
});
