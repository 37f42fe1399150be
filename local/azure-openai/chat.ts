/**
 * Chat completion bodies in Azure OpenAI's wire format (a whole completion, or the SSE chunks of a
 * streamed one, including Azure's extras: prompt_filter_results first, content_filter_results on
 * choices, an empty-choices usage chunk when stream_options.include_usage is set).
 */
import { randomBytes } from 'node:crypto';

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type FinishReason = 'stop' | 'length' | 'content_filter';

/** A rough, deterministic token count (words and punctuation marks): good enough for usage figures. */
export const countTokens = (text: string): number => (text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []).length;

export function promptText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  return messages
    .map((m: unknown) => {
      const content = (m as { content?: unknown } | null)?.content;
      if (typeof content === 'string') return content;
      if (Array.isArray(content)) return content.map((p: unknown) => textOf((p as { text?: unknown } | null)?.text)).join(' ');
      return '';
    })
    .join('\n');
}

const SAFE = { filtered: false, severity: 'safe' } as const;
const FILTER_RESULTS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };

const completionId = () => `chatcmpl-${randomBytes(12).toString('base64url')}`;

export function completionBody(model: string, content: string, finishReason: FinishReason, usage: ChatUsage): Record<string, unknown> {
  return {
    id: completionId(),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_standin',
    prompt_filter_results: [{ prompt_index: 0, content_filter_results: FILTER_RESULTS }],
    choices: [
      {
        index: 0,
        finish_reason: finishReason,
        logprobs: null,
        message: { role: 'assistant', content, refusal: null },
        content_filter_results: finishReason === 'content_filter' ? { ...FILTER_RESULTS, violence: { filtered: true, severity: 'high' } } : FILTER_RESULTS,
      },
    ],
    usage,
  };
}

/** Splits an answer the way a model streams it: a word (with its leading space) at a time. */
export const streamPieces = (content: string): string[] => content.match(/\s*\S+/g) ?? [];

/** The `data:` payloads of a streamed completion, in order, ending with "[DONE]". */
export function streamEvents(model: string, content: string, finishReason: FinishReason, usage: ChatUsage, includeUsage: boolean): string[] {
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_standin', choices, ...extra });
  const events = [
    // Azure sends the prompt's filter results first, in a chunk with no choices and no id.
    JSON.stringify({
      id: '',
      object: '',
      created: 0,
      model: '',
      choices: [],
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: FILTER_RESULTS }],
    }),
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null, content_filter_results: {} }]),
  ];
  for (const piece of streamPieces(content)) {
    events.push(chunk([{ index: 0, delta: { content: piece }, finish_reason: null, logprobs: null, content_filter_results: FILTER_RESULTS }]));
  }
  events.push(chunk([{ index: 0, delta: {}, finish_reason: finishReason, logprobs: null, content_filter_results: FILTER_RESULTS }]));
  if (includeUsage) events.push(chunk([], { usage }));
  events.push('[DONE]');
  return events;
}

/** Azure's answer when the prompt trips the content filter. */
export const contentFilterError = {
  error: {
    message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
    type: null,
    param: 'prompt',
    code: 'content_filter',
    status: 400,
    innererror: {
      code: 'ResponsibleAIPolicyViolation',
      content_filter_result: { ...FILTER_RESULTS, violence: { filtered: true, severity: 'high' }, jailbreak: { filtered: true, detected: true } },
    },
  },
};

export const rateLimitError = (operation: string, apiVersion: string, seconds: number) => ({
  error: {
    code: '429',
    message: `Requests to the ${operation} Operation under Azure OpenAI API version ${apiVersion} have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after ${seconds} second${seconds === 1 ? '' : 's'}.`,
  },
});

function textOf(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}
