/** The document-processing queue's message: which document to extract and chunk. */
import { z } from 'zod';

export const processingMessage = z.object({
  tenant_id: z.string().min(1),
  space_id: z.string().min(1),
  document_id: z.string().min(1),
});
export type ProcessingMessage = z.infer<typeof processingMessage>;

/** One message id per document: Service Bus duplicate detection drops a second send. */
export const processingMessageId = (documentId: string): string => `process-${documentId}`;
