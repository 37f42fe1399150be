/**
 * Questions over a space's documents: the plain functions behind the query endpoints (and GraphQL).
 * Every call takes the caller's tenant: another tenant's space, document or query is not found.
 * Answering runs off the request path (queue `queries`); a redelivered message finds the query
 * finished and does nothing, and the finishing write is conditional, so one answer is recorded.
 */
import { notFound } from '../core/errors';
import type { Tier } from '../core/principal';
import type { Page } from '../adapters/cosmos';
import { readDocument } from '../documents/document-store';
import { getQueueSender } from '../events/queue-sender';
import { QUEUES } from '../ports';
import { getSpace } from '../spaces/spaces';
import { resolveMode } from './answering';
import { newQueryId, type QueryMode, type QueryRecord } from './query-records';
import { insertQuery, listSpaceQueries, readQuery } from './query-store';
import { checkTokenBudget, dailyTokenBudget } from './token-usage';

export { answerQuery, NO_DOCUMENTS } from './answering';

export const DEFAULT_TOP_K = 5;

export interface NewQuery {
  question: string;
  top_k?: number | undefined;
  document_ids?: string[] | undefined;
  mode?: QueryMode | undefined;
}

export const queryNotFound = () => notFound('Query');

export interface SubmitOptions {
  /** The caller's tier: picks the daily token budget. */
  tier?: Tier | undefined;
  /**
   * Answered by the caller itself (streaming): no message now, only one scheduled this far ahead
   * in case the caller dies mid-answer (it then finds the query finished and does nothing).
   */
  answeredInlineFallbackMs?: number;
  now?: Date;
}

/**
 * Records a pending query and queues it for answering. Unknown document ids are 404; a query the
 * model would answer is refused with 429 QUOTA_EXCEEDED when the tenant's daily token budget is spent.
 */
export async function submitQuery(tenantId: string, spaceId: string, input: NewQuery, options: SubmitOptions = {}): Promise<QueryRecord> {
  const now = options.now ?? new Date();
  const requestedMode = input.mode ?? 'auto';
  const budget = resolveMode(requestedMode) === 'generative' ? dailyTokenBudget(options.tier) : undefined;
  await getSpace(tenantId, spaceId);
  const documentIds = input.document_ids ? [...new Set(input.document_ids)] : null;
  if (documentIds) {
    const found = await Promise.all(documentIds.map((d) => readDocument(tenantId, spaceId, d)));
    if (found.some((d) => !d)) throw notFound('Document');
  }
  await checkTokenBudget(tenantId, budget, now);
  const record = await insertQuery({
    id: newQueryId(),
    type: 'query',
    tenantId,
    spaceId,
    question: input.question,
    topK: input.top_k ?? DEFAULT_TOP_K,
    documentIds,
    requestedMode,
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
    tokenBudget: budget ?? null,
    // Answered inline: the caller holds the lease until the fallback message is due.
    answeringUntil: options.answeredInlineFallbackMs !== undefined ? new Date(now.getTime() + options.answeredInlineFallbackMs).toISOString() : null,
  });
  const fallback = options.answeredInlineFallbackMs;
  await getQueueSender().send(
    QUEUES.queries,
    { tenant_id: tenantId, query_id: record.id },
    { messageId: record.id, subject: 'query', ...(fallback !== undefined ? { scheduledEnqueueTime: new Date(Date.now() + fallback) } : {}) },
  );
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
