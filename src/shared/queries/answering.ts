/**
 * Answering a pending query: retrieval (retrieve.ts), then a generative answer from Azure OpenAI
 * when one is configured (and asked for, or mode auto), else an extractive one. The finishing write
 * is conditional on the ETag read, so a redelivered or racing message records one answer, and only
 * the write that wins adds the tokens to the tenant's day. Failures end the query `failed` with a
 * code (MODEL_UNAVAILABLE, MODEL_TIMEOUT, CONTENT_FILTERED, BUDGET_EXCEEDED).
 */
import { azureOpenAIAnswerModel } from '../adapters/azure-openai-chat';
import { getAzureOpenAIClient } from '../adapters/azure-openai-client';
import { getConfig } from '../config';
import { CitationRewriter, supportingExcerpt } from '../core/cited-answer';
import { makeEvent } from '../core/events';
import { extractiveAnswer, NO_ANSWER } from '../core/extractive-answer';
import { groundedMessages } from '../core/grounded-prompt';
import type { ChunkHit } from '../core/text-search';
import { publishQuietly } from '../events/publish-quietly';
import { METRIC, metrics } from '../metrics';
import { getLogger, registerReset } from '../services';
import { AnswerFailure, isAnswerFailure, type AnswerModel } from './answer-model';
import { toQueryDto, type Citation, type QueryMode, type QueryRecord, type QueryUsage } from './query-records';
import { claimQuery, finishQuery, readQuery } from './query-store';
import { getQueueSender } from '../events/queue-sender';
import { QUEUES } from '../ports';
import { retrieve } from './retrieve';
import { addTokenUsage, tokensUsed, utcDay } from './token-usage';

export const NO_DOCUMENTS = 'This space has no processed documents yet, so there is nothing to answer from.';
/** Below this many tokens left in the budget, a generative answer is not attempted. */
const MIN_COMPLETION_TOKENS = 16;

let model: AnswerModel | null | undefined;
registerReset(() => {
  model = undefined;
});

/** The configured language model, or null when AZURE_OPENAI_ENDPOINT is not set. */
export function getAnswerModel(): AnswerModel | null {
  if (model === undefined) {
    const c = getConfig();
    const client = getAzureOpenAIClient();
    model = client ? azureOpenAIAnswerModel(client, c.AZURE_OPENAI_DEPLOYMENT, c.AZURE_TIMEOUT * 1000) : null;
  }
  return model;
}

/** The mode that will answer: auto is generative when a model is configured, else extractive. */
export function resolveMode(requested: QueryMode): 'extractive' | 'generative' {
  if (requested === 'auto') return getConfig().AZURE_OPENAI_ENDPOINT ? 'generative' : 'extractive';
  return requested;
}

export interface AnswerOptions {
  /** Streaming: receives the answer text piece by piece, as it is generated. */
  onDelta?: (text: string) => void;
  /** The caller recorded the query with its lease already taken (streaming answers inline). */
  leaseHeld?: boolean;
}

/** How long a model answer may take at worst: every attempt, every allowed retry wait, and a margin. */
export function answerLeaseMs(): number {
  const c = getConfig();
  return (c.AZURE_TIMEOUT * (c.AZURE_OPENAI_MAX_RETRIES + 1) + c.AZURE_OPENAI_MAX_RETRY_AFTER_SECONDS * c.AZURE_OPENAI_MAX_RETRIES + 60) * 1000;
}

/** Another delivery holds the lease: look again when it ends (in case that delivery died). */
async function recheckAt(q: QueryRecord, until: number): Promise<void> {
  await getQueueSender().send(
    QUEUES.queries,
    { tenant_id: q.tenantId, query_id: q.id },
    { messageId: `${q.id}:${until}`, subject: 'query', scheduledEnqueueTime: new Date(until + 1_000) },
  );
}

interface Answer {
  answer: string;
  citations: Citation[];
  mode: 'extractive' | 'generative';
  model: string | null;
  usage: QueryUsage | null;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function citation(n: number, hit: ChunkHit, excerpt: string): Citation {
  return {
    n,
    document_id: hit.chunk.documentId,
    filename: hit.chunk.filename,
    chunk_id: hit.chunk.id,
    ...(hit.chunk.page !== null ? { page: hit.chunk.page } : {}),
    excerpt,
    score: round(hit.score),
  };
}

function extractive(q: QueryRecord, hits: ChunkHit[], onDelta?: (text: string) => void): Answer {
  const r = extractiveAnswer(q.question, hits, getConfig().QUERY_ANSWER_MAX_CHARS);
  const answer = r.answer || NO_ANSWER;
  // Streamed a sentence (with its citation) at a time.
  if (onDelta) answer.split(/(?<=\]) (?=\S)/).forEach((part, i) => onDelta(i === 0 ? part : ` ${part}`));
  return { answer, citations: r.citations.map((c) => citation(c.n, c.hit, c.excerpt)), mode: 'extractive', model: null, usage: null };
}

async function generative(q: QueryRecord, hits: ChunkHit[], m: AnswerModel, onDelta?: (text: string) => void): Promise<Answer> {
  const c = getConfig();
  const messages = groundedMessages(
    q.question,
    hits.map((h, i) => ({ n: i + 1, filename: h.chunk.filename, page: h.chunk.page, text: h.chunk.text })),
  );
  let maxTokens = c.QUERY_ANSWER_MAX_TOKENS;
  if (typeof q.tokenBudget === 'number') {
    // The query was accepted within budget; others may have spent it since. The prompt is
    // estimated (4 characters a token) and the answer capped at what is left.
    const promptEstimate = Math.ceil(messages.reduce((n, msg) => n + msg.content.length, 0) / 4);
    const left = q.tokenBudget - (await tokensUsed(q.tenantId, utcDay())) - promptEstimate;
    if (left < MIN_COMPLETION_TOKENS)
      throw new AnswerFailure('BUDGET_EXCEEDED', "The tenant's daily token budget was spent before this question could be answered.");
    maxTokens = Math.min(maxTokens, left);
  }
  const rewriter = new CitationRewriter(hits.length, c.QUERY_ANSWER_MAX_CHARS);
  let text = '';
  const emit = (piece: string) => {
    if (!piece) return;
    text += piece;
    onDelta?.(piece);
  };
  const completion = await m.complete({ messages, maxTokens, ...(onDelta ? { onDelta: (piece: string) => emit(rewriter.push(piece)) } : {}) });
  if (!onDelta) emit(rewriter.push(completion.text));
  emit(rewriter.end());
  const answer = text.trim() || NO_ANSWER;
  const citations = rewriter.cited.map((k, i) => {
    const hit = hits[k - 1]!; // the rewriter cites only markers 1..hits.length
    return citation(i + 1, hit, supportingExcerpt(hit.chunk.text, answer, i + 1));
  });
  return { answer, citations, mode: 'generative', model: completion.model, usage: completion.usage };
}

async function compose(q: QueryRecord, onDelta?: (text: string) => void): Promise<Answer> {
  const mode = resolveMode(q.requestedMode);
  const m = mode === 'generative' ? getAnswerModel() : null;
  if (mode === 'generative' && !m) throw new AnswerFailure('MODEL_UNAVAILABLE', 'No language model is configured for generative answers.');
  const { hasChunks, hits } = await retrieve({ tenantId: q.tenantId, spaceId: q.spaceId, question: q.question, topK: q.topK, documentIds: q.documentIds });
  const plain = (answer: string): Answer => {
    onDelta?.(answer);
    return { answer, citations: [], mode, model: null, usage: null };
  };
  if (!hasChunks) return plain(NO_DOCUMENTS);
  // Nothing matched: no model call (it could only say the same, and would bill for it).
  if (hits.length === 0) return plain(NO_ANSWER);
  return m ? generative(q, hits, m, onDelta) : extractive(q, hits, onDelta);
}

export type AnswerOutcome = 'answered' | 'already_finished' | 'in_progress' | 'not_found';

/** Answers a pending query; returns what happened and the query as it now stands. */
export async function answerPendingQuery(pending: QueryRecord, options: AnswerOptions = {}): Promise<{ outcome: AnswerOutcome; query: QueryRecord }> {
  let q = pending;
  if (q.status !== 'pending') return { outcome: 'already_finished', query: q };
  if (resolveMode(q.requestedMode) === 'generative' && !options.leaseHeld) {
    // A model call bills: one delivery at a time takes it, behind a lease (a conditional write).
    const until = q.answeringUntil ? Date.parse(q.answeringUntil) : 0;
    if (until > Date.now()) {
      await recheckAt(q, until);
      return { outcome: 'in_progress', query: q };
    }
    const claimed = await claimQuery({ ...q, answeringUntil: new Date(Date.now() + answerLeaseMs()).toISOString() }, q._etag);
    if (!claimed) return { outcome: 'already_finished', query: (await readQuery(q.tenantId, q.id)) ?? q };
    q = claimed;
  }
  const started = Date.now();
  let finished: QueryRecord;
  try {
    const a = await compose(q, options.onDelta);
    finished = { ...q, status: 'completed', ...a, answeringUntil: null, durationMs: Date.now() - started, completedAt: new Date().toISOString() };
  } catch (e) {
    if (!isAnswerFailure(e)) throw e;
    finished = {
      ...q,
      status: 'failed',
      answeringUntil: null,
      mode: resolveMode(q.requestedMode),
      model: null,
      usage: e.usage,
      error: { code: e.code, message: e.message },
      durationMs: Date.now() - started,
      completedAt: new Date().toISOString(),
    };
  }
  if (!(await finishQuery(finished, q._etag))) {
    return { outcome: 'already_finished', query: (await readQuery(q.tenantId, q.id)) ?? finished };
  }
  const mode = finished.mode ?? resolveMode(q.requestedMode);
  metrics().record(METRIC.queryDuration, finished.durationMs ?? 0, { mode, outcome: finished.status }, 'ms');
  metrics().record(METRIC.queryTokens, finished.usage ? finished.usage.prompt_tokens + finished.usage.completion_tokens : 0, { mode });
  if (finished.usage) {
    try {
      await addTokenUsage(q.tenantId, utcDay(new Date(finished.completedAt!)), finished.usage);
    } catch (e) {
      // The answer stands (and carries its usage); only the day's total misses it.
      getLogger().error('token usage could not be recorded', { query_id: q.id, error: e instanceof Error ? e.message : String(e) });
    }
  }
  const type = finished.status === 'completed' ? 'query.completed' : 'query.failed';
  await publishQuietly(makeEvent(type, q.tenantId, { query: toQueryDto(finished) }, q.spaceId));
  return { outcome: 'answered', query: finished };
}

/** Answers a pending query (the `queries` queue handler). */
export async function answerQuery(tenantId: string, id: string, options: AnswerOptions = {}): Promise<AnswerOutcome> {
  const q = await readQuery(tenantId, id);
  if (!q) return 'not_found';
  return (await answerPendingQuery(q, options)).outcome;
}
