import { app } from '@azure/functions';
import { processDocument } from '../shared/documents/processing';
import { processingMessage } from '../shared/documents/processing-message';
import { QUEUES } from '../shared/ports';
import { getLogger } from '../shared/services';

// Extracts text and stores chunks for an uploaded document (its own queue, sent by documents-upload).
// Idempotent per document; a throw (an outage) makes the queue redeliver, then dead-letter.
app.serviceBusQueue('document-process', {
  queueName: QUEUES.documentProcessing,
  connection: 'SERVICE_BUS_CONNECTION_STRING',
  handler: async (message) => {
    const parsed = processingMessage.safeParse(message);
    if (!parsed.success) {
      getLogger().error('document-process: malformed message dropped');
      return;
    }
    const outcome = await processDocument(parsed.data);
    getLogger().info('document processing finished', { document_id: parsed.data.document_id, outcome });
  },
});
