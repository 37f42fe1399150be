/**
 * The AnswerModel on Azure OpenAI chat completions (the shared AzureOpenAI client). Failures become
 * AnswerFailure codes: a timeout MODEL_TIMEOUT, Azure's content filter (a 400 with code
 * content_filter, or a completion cut with finish_reason content_filter) CONTENT_FILTERED, anything
 * else after the client's retries MODEL_UNAVAILABLE. The SDK's text goes to the log only.
 */
import { APIConnectionTimeoutError, APIError, APIUserAbortError, type AzureOpenAI } from 'openai';
import { AnswerFailure, type AnswerModel, type Completion, type CompletionRequest } from '../queries/answer-model';
import type { QueryUsage } from '../queries/query-records';
import { getLogger } from '../services';

const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

const FILTERED = 'The model provider refused this question or its sources (content filter).';

// Structural so the `any`-typed APIError that `instanceof` narrows to can be passed safely.
function isContentFilter(e: { status: unknown; code: unknown; error: unknown }): boolean {
  const inner = (e.error as { innererror?: { code?: unknown } } | undefined)?.innererror?.code;
  return e.status === 400 && (e.code === 'content_filter' || inner === 'ResponsibleAIPolicyViolation');
}

/** The failure code for what the openai client threw (timedOut: our own stream deadline fired). */
export function toAnswerFailure(e: unknown, timedOut: boolean): AnswerFailure {
  if (e instanceof AnswerFailure) return e;
  if (e instanceof APIConnectionTimeoutError || (e instanceof APIUserAbortError && timedOut)) {
    return new AnswerFailure('MODEL_TIMEOUT', 'The language model did not answer in time.');
  }
  getLogger().warn('language model call failed', {
    error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
    status: e instanceof APIError ? e.status : undefined,
    code: e instanceof APIError ? e.code : undefined,
  });
  if (e instanceof APIError && isContentFilter(e)) return new AnswerFailure('CONTENT_FILTERED', FILTERED);
  if (e instanceof APIError && e.status === 429) return new AnswerFailure('MODEL_UNAVAILABLE', 'The language model is rate limited; ask again later.');
  return new AnswerFailure('MODEL_UNAVAILABLE', 'The language model is unavailable; ask again later.');
}

export function azureOpenAIAnswerModel(client: AzureOpenAI, deployment: string, timeoutMs: number): AnswerModel {
  return {
    async complete(r: CompletionRequest): Promise<Completion> {
      const params = { model: deployment, messages: r.messages, max_tokens: r.maxTokens, temperature: 0 };
      const prompt = r.messages.map((m) => m.content).join('\n');
      if (!r.onDelta) {
        let res;
        try {
          res = await client.chat.completions.create(params);
        } catch (e) {
          throw toAnswerFailure(e, false);
        }
        const choice = res.choices[0];
        const text = choice?.message.content ?? '';
        const usage: QueryUsage = {
          prompt_tokens: res.usage?.prompt_tokens ?? estimateTokens(prompt),
          completion_tokens: res.usage?.completion_tokens ?? estimateTokens(text),
        };
        if (choice?.finish_reason === 'content_filter') throw new AnswerFailure('CONTENT_FILTERED', FILTERED, usage);
        return { text, usage, model: res.model || deployment, finishReason: choice?.finish_reason ?? null };
      }

      // Streamed: the client's timeout covers the wait for the response head; an idle deadline
      // (AZURE_TIMEOUT between chunks) bounds the body.
      const controller = new AbortController();
      let timedOut = false;
      let idle: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, timeoutMs);
      };
      let text = '';
      let model = deployment;
      let finishReason: string | null = null;
      let reported: QueryUsage | undefined;
      try {
        const stream = await client.chat.completions.create(
          { ...params, stream: true, stream_options: { include_usage: true } },
          { signal: controller.signal },
        );
        arm();
        for await (const chunk of stream) {
          arm();
          if (chunk.model) model = chunk.model;
          if (chunk.usage) reported = { prompt_tokens: chunk.usage.prompt_tokens, completion_tokens: chunk.usage.completion_tokens };
          const choice = chunk.choices[0];
          if (!choice) continue;
          if (choice.finish_reason) finishReason = choice.finish_reason;
          const piece = choice.delta?.content;
          if (piece) {
            text += piece;
            r.onDelta(piece);
          }
        }
      } catch (e) {
        throw toAnswerFailure(e, timedOut);
      } finally {
        clearTimeout(idle);
      }
      const usage = reported ?? { prompt_tokens: estimateTokens(prompt), completion_tokens: estimateTokens(text) };
      if (finishReason === 'content_filter') throw new AnswerFailure('CONTENT_FILTERED', FILTERED, usage);
      return { text, usage, model, finishReason };
    },
  };
}
