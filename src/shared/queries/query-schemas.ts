/** Request schemas of the query endpoints (the pipeline makes objects strict). */
import { z } from 'zod';
import { DOCUMENT_ID_PATTERN } from '../documents/document-records';
import { cursorParam, pageLimit } from '../http/pagination';
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

// ---- Response schemas (the OpenAPI description and the handlers' type checks use them) ----

const instant = z.iso.datetime({ offset: true });
const queryError = z.object({ code: z.string(), message: z.string() });

export const citationDto = z
  .object({
    n: z.number().int().min(1),
    document_id: z.string().regex(DOCUMENT_ID_PATTERN),
    filename: z.string(),
    chunk_id: z.string(),
    page: z.number().int().min(1).optional(),
    excerpt: z.string(),
    score: z.number(),
  })
  .meta({ id: 'Citation' });

/** A query as the API shows it: toQueryDto's shape. */
export const queryDto = z
  .object({
    id: z.string().regex(QUERY_ID_PATTERN),
    space_id: z.string(),
    status: z.enum(['pending', 'completed', 'failed']),
    question: z.string(),
    answer: z.string().nullable(),
    citations: z.array(citationDto),
    mode: z.enum(['extractive', 'generative']).nullable(),
    model: z.string().optional(),
    usage: z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int() }).optional(),
    duration_ms: z.number().nullable(),
    error: queryError.optional(),
    created_at: instant,
    completed_at: instant.nullable(),
  })
  .meta({ id: 'Query' });

const links = z.record(z.string(), z.string());
/** The query with links to itself, its status and its results. */
export const queryWithLinksDto = queryDto.extend({ links }).meta({ id: 'QueryWithLinks' });

export const queryStatusDto = z
  .object({
    id: z.string().regex(QUERY_ID_PATTERN),
    space_id: z.string(),
    status: z.enum(['pending', 'completed', 'failed']),
    created_at: instant,
    completed_at: instant.nullable(),
    error: queryError.optional(),
  })
  .meta({ id: 'QueryStatus' });
