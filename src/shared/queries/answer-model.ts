/**
 * The language model port answering uses (Azure OpenAI's chat completions in
 * src/shared/adapters/azure-openai-chat.ts), and the reasons a model call fails, as the stable
 * codes a failed query carries.
 */
import type { ChatMessage } from '../core/grounded-prompt';
import type { QueryUsage } from './query-records';

export const ANSWER_FAILURE_CODES = ['MODEL_UNAVAILABLE', 'MODEL_TIMEOUT', 'CONTENT_FILTERED', 'BUDGET_EXCEEDED'] as const;
export type AnswerFailureCode = (typeof ANSWER_FAILURE_CODES)[number];

/** A model call that cannot give an answer; `message` is meant for API clients (never SDK text). */
export class AnswerFailure extends Error {
  constructor(
    readonly code: AnswerFailureCode,
    message: string,
    /** Tokens the failed call still used (a completion cut by the content filter is billed). */
    readonly usage: QueryUsage | null = null,
  ) {
    super(message);
    this.name = 'AnswerFailure';
  }
}

export const isAnswerFailure = (e: unknown): e is AnswerFailure => e instanceof AnswerFailure;

export interface CompletionRequest {
  messages: ChatMessage[];
  maxTokens: number;
  /** Given: the answer is streamed, and each piece of text is passed here as it arrives. */
  onDelta?: (text: string) => void;
}

export interface Completion {
  text: string;
  usage: QueryUsage;
  /** The model name the service reports (e.g. gpt-4o-mini-2024-07-18), else the deployment. */
  model: string;
  finishReason: string | null;
}

export interface AnswerModel {
  complete(request: CompletionRequest): Promise<Completion>;
}
