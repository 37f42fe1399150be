/** What a query is in Cosmos (camelCase, container `queries`, partition /tenantId) and through the API. */
import { randomUUID } from 'node:crypto';

export type QueryStatus = 'pending' | 'completed' | 'failed';
export type QueryMode = 'auto' | 'extractive' | 'generative';

export interface Citation {
  n: number;
  document_id: string;
  filename: string;
  chunk_id: string;
  page?: number;
  excerpt: string;
  score: number;
}

export interface QueryUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface QueryRecord {
  id: string;
  type: 'query';
  tenantId: string;
  spaceId: string;
  question: string;
  topK: number;
  documentIds: string[] | null;
  requestedMode: QueryMode;
  status: QueryStatus;
  answer: string | null;
  citations: Citation[];
  /** The mode that answered (extractive or generative); null while pending. */
  mode: Exclude<QueryMode, 'auto'> | null;
  model: string | null;
  usage: QueryUsage | null;
  durationMs: number | null;
  error: { code: string; message: string } | null;
  createdAt: string;
  completedAt: string | null;
  /** The tenant's daily token budget when the query was asked (null or absent: none). */
  tokenBudget?: number | null;
  /** While a delivery calls the model: until when it may (others leave the query alone until then). */
  answeringUntil?: string | null;
  _etag?: string;
}

export interface QueryDto {
  id: string;
  space_id: string;
  status: QueryStatus;
  question: string;
  answer: string | null;
  citations: Citation[];
  mode: QueryRecord['mode'];
  model?: string;
  usage?: QueryUsage;
  duration_ms: number | null;
  error?: { code: string; message: string };
  created_at: string;
  completed_at: string | null;
}

export const QUERY_ID_PATTERN = /^qry_[0-9a-f]{32}$/;
export const newQueryId = (): string => `qry_${randomUUID().replace(/-/g, '')}`;

export const queryLinks = (id: string): { self: string; status: string; results: string } => ({
  self: `/api/v1/queries/${id}`,
  status: `/api/v1/queries/${id}/status`,
  results: `/api/v1/queries/${id}/results`,
});

export function toQueryDto(q: QueryRecord): QueryDto {
  const dto: QueryDto = {
    id: q.id,
    space_id: q.spaceId,
    status: q.status,
    question: q.question,
    answer: q.answer,
    citations: q.citations,
    mode: q.mode,
    duration_ms: q.durationMs,
    created_at: q.createdAt,
    completed_at: q.completedAt,
  };
  if (q.model) dto.model = q.model;
  if (q.usage) dto.usage = q.usage;
  if (q.error) dto.error = q.error;
  return dto;
}

/** The short form of GET /v1/queries/{id}/status. */
export const toQueryStatusDto = (q: QueryRecord) => ({
  id: q.id,
  space_id: q.spaceId,
  status: q.status,
  created_at: q.createdAt,
  completed_at: q.completedAt,
  ...(q.error ? { error: q.error } : {}),
});
