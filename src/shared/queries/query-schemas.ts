/** Request schemas of the query endpoints (the pipeline makes objects strict). */
import { z } from 'zod';
import { DOCUMENT_ID_PATTERN } from '../documents/document-records';
import { cursorParam, pageLimit } from '../spaces/space-schemas';
import { QUERY_ID_PATTERN } from './query-records';

export const submitQueryBody = z.object({
  question: z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().min(1, 'must be 1-2000 characters').max(2000, 'must be 1-2000 characters')),
  top_k: z.number().int('must be an integer from 1 to 20').min(1, 'must be an integer from 1 to 20').max(20, 'must be an integer from 1 to 20').optional(),
  document_ids: z
    .array(z.string().regex(DOCUMENT_ID_PATTERN, 'must be document ids'))
    .min(1, 'must name 1-20 documents')
    .max(20, 'must name 1-20 documents')
    .optional(),
  mode: z.enum(['auto', 'extractive', 'generative']).optional(),
});

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const submitQueryQuery = z.object({
  wait: bool.optional(),
  stream: bool.optional(),
});

export const queryIdParams = z.object({
  id: z.string().regex(QUERY_ID_PATTERN, 'is not a valid query id'),
});

export const listQueriesQuery = z.object({ limit: pageLimit, cursor: cursorParam });
