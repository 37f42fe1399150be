/** Request and response schemas of the /v1/spaces/{id}/documents endpoints. */
import { z } from 'zod';
import { SPACE_ID_PATTERN } from '../spaces/space-records';
import { cursorParam, pageLimit } from '../http/pagination';
import { DOCUMENT_ID_PATTERN } from './document-records';

export const spaceParams = z.object({
  id: z.string().regex(SPACE_ID_PATTERN, 'is not a valid space id'),
});

export const documentParams = z.object({
  id: z.string().regex(SPACE_ID_PATTERN, 'is not a valid space id'),
  doc_id: z.string().regex(DOCUMENT_ID_PATTERN, 'is not a valid document id'),
});

export const uploadQuery = z.object({
  /** Required for a raw body; overrides the multipart part's file name when given. */
  filename: z.string().min(1).max(1024).optional(),
});

export const listDocumentsQuery = z.object({
  limit: pageLimit,
  cursor: cursorParam,
  status: z.enum(['uploaded', 'processing', 'processed', 'failed']).optional(),
});

export const contentQuery = z.object({
  /** true: answer with a 302 to a short-lived read-only SAS URL instead of streaming the bytes. */
  redirect: z.enum(['true', 'false']).optional(),
});

const instant = z.iso.datetime({ offset: true });

/** A document as the API shows it: toDocumentDto's return type, so the two cannot drift. */
export const documentDto = z
  .object({
    id: z.string().regex(DOCUMENT_ID_PATTERN),
    space_id: z.string().regex(SPACE_ID_PATTERN),
    filename: z.string(),
    content_type: z.string(),
    size_bytes: z.number().int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    status: z.enum(['uploaded', 'processing', 'processed', 'failed']),
    failure_reason: z.string().nullable(),
    failure_message: z.string().nullable(),
    chunk_count: z.number().int().min(0).nullable(),
    page_count: z.number().int().min(0).nullable(),
    created_at: instant,
    updated_at: instant,
    processed_at: instant.nullable(),
  })
  .meta({ id: 'Document' });
export type DocumentDto = z.output<typeof documentDto>;
