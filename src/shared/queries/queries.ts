/**
 * Questions over a space's documents: the plain functions behind the query endpoints (and GraphQL).
 * Every call takes the caller's tenant: another tenant's space, document or query is not found.
 * Answering runs off the request path (queue `queries`); a redelivered message finds the query
 * finished and does nothing, and the finishing write is conditional, so one answer is recorded.
 */
import { METRIC, metrics } from '../metrics';
import { getConfig } from '../config';
import { notFound } from '../core/errors';
import { makeEvent } from '../core/events';
import { extractiveAnswer, NO_ANSWER } from '../core/extractive-answer';
import type { Page } from '../adapters/cosmos';
import { readDocument } from '../documents/document-store';
import { publishQuietly } from '../events/publish-quietly';
import { getQueueSender } from '../events/queue-sender';
import { QUEUES } from '../ports';
import { getSpace } from '../spaces/spaces';
import { newQueryId, toQueryDto, type Citation, type QueryMode, type QueryRecord } from './query-records';
import { finishQuery, insertQuery, listSpaceQueries, readQuery } from './query-store';
import { retrieve } from './retrieve';

export const DEFAULT_TOP_K = 5;
export const NO_DOCUMENTS = 'This space has no processed documents yet, so there is nothing to answer from.';

export interface NewQuery {
  question: string;
  top_k?: number | undefined;
  document_ids?: string[] | undefined;
  mode?: QueryMode | undefined;
}

export const queryNotFound = () => notFound('Query');

/** Records a pending query and queues it for answering. Unknown document ids are 404. */
export async function submitQuery(tenantId: string, spaceId: string, input: NewQuery, now = new Date()): Promise<QueryRecord> {
  await getSpace(tenantId, spaceId);
  const documentIds = input.document_ids ? [...new Set(input.document_ids)] : null;
  if (documentIds) {
    const found = await Promise.all(documentIds.map((d) => readDocument(tenantId, spaceId, d)));
    if (found.some((d) => !d)) throw notFound('Document');
  }
  const record = await insertQuery({
    id: newQueryId(),
    type: 'query',
    tenantId,
    spaceId,
    question: input.question,
    topK: input.top_k ?? DEFAULT_TOP_K,
    documentIds,
    requestedMode: input.mode ?? 'auto',
    status: 'pending',
    answer: null,
    citations: [],
    mode: null,
    model: null,
    usage: null,
    durationMs: null,
    error: null,
    createdAt: now.toISOString(),
    completedAt: null,
  });
  await getQueueSender().send(QUEUES.queries, { tenant_id: tenantId, query_id: record.id }, { messageId: record.id, subject: 'query' });
  return record;
}

export async function getQuery(tenantId: string, id: string): Promise<QueryRecord> {
  const q = await readQuery(tenantId, id);
  if (!q) throw queryNotFound();
  return q;
}

export async function listQueries(tenantId: string, spaceId: string, limit: number, cursor: string | undefined): Promise<Page<QueryRecord>> {
  await getSpace(tenantId, spaceId);
  return listSpaceQueries(tenantId, spaceId, limit, cursor);
}

/** Polls until the query is finished or `ms` pass; returns its latest state. */
export async function waitForQuery(tenantId: string, id: string, ms: number): Promise<QueryRecord> {
  const deadline = Date.now() + ms;
  let delay = 10;
  for (;;) {
    const q = await getQuery(tenantId, id);
    if (q.status !== 'pending' || Date.now() >= deadline) return q;
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 100);
  }
}

/** Answers a pending query (the `queries` queue handler). Returns what happened. */
export async function answerQuery(tenantId: string, id: string): Promise<'answered' | 'already_finished' | 'not_found'> {
  const q = await readQuery(tenantId, id);
  if (!q) return 'not_found';
  if (q.status !== 'pending') return 'already_finished';
  const started = Date.now();
  if (q.requestedMode === 'generative') {
    // No Azure OpenAI adapter is wired in yet: a generative request fails plainly instead of
    // silently answering extractively.
    const failed: QueryRecord = {
      ...q,
      status: 'failed',
      error: { code: 'MODEL_UNAVAILABLE', message: 'No language model is configured for generative answers.' },
      durationMs: Date.now() - started,
      completedAt: new Date().toISOString(),
    };
    if (!(await finishQuery(failed, q._etag))) return 'already_finished';
    metrics().record(METRIC.queryDuration, failed.durationMs ?? 0, { mode: 'generative', outcome: 'failed' }, 'ms');
    await publishQuietly(makeEvent('query.failed', tenantId, { query: toQueryDto(failed) }, q.spaceId));
    return 'answered';
  }
  const { hasChunks, hits } = await retrieve({ tenantId, spaceId: q.spaceId, question: q.question, topK: q.topK, documentIds: q.documentIds });
  let answer: string;
  let citations: Citation[] = [];
  if (!hasChunks) {
    answer = NO_DOCUMENTS;
  } else {
    const result = extractiveAnswer(q.question, hits, getConfig().QUERY_ANSWER_MAX_CHARS);
    answer = result.answer;
    citations = result.citations.map(({ n, hit, excerpt }) => ({
      n,
      document_id: hit.chunk.documentId,
      filename: hit.chunk.filename,
      chunk_id: hit.chunk.id,
      ...(hit.chunk.page !== null ? { page: hit.chunk.page } : {}),
      excerpt,
      score: Math.round(hit.score * 1000) / 1000,
    }));
  }
  const finished: QueryRecord = {
    ...q,
    status: 'completed',
    answer: answer || NO_ANSWER,
    citations,
    mode: 'extractive',
    durationMs: Date.now() - started,
    completedAt: new Date().toISOString(),
  };
  if (!(await finishQuery(finished, q._etag))) return 'already_finished';
  // Extractive answers use no model tokens; a model adapter records query.tokens from its usage.
  metrics().record(METRIC.queryDuration, finished.durationMs ?? 0, { mode: 'extractive', outcome: 'completed' }, 'ms');
  metrics().record(METRIC.queryTokens, 0, { mode: 'extractive' });
  await publishQuietly(makeEvent('query.completed', tenantId, { query: toQueryDto(finished) }, q.spaceId));
  return 'answered';
}
