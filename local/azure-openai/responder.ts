/**
 * A plausible default reply for the stand-in, so `npm start` with the stand-in gives grounded,
 * cited answers: it reads the sources and question out of this project's prompt
 * (src/shared/core/grounded-prompt.ts), and answers with the sentence of any source that shares
 * the most words with the question, cited as [n]; with no overlap it says the sources lack it.
 */
import type { ChatRequest } from './server';

export interface PromptParts {
  question: string;
  sources: Array<{ n: number; text: string }>;
}

export function parseGroundedPrompt(r: ChatRequest): PromptParts {
  const user = r.messages
    .filter((m) => m.role === 'user')
    .map((m) => m.content)
    .join('\n');
  const sources = [...user.matchAll(/<source-([0-9a-f]+) n="(\d+)"[^>]*>\n([\s\S]*?)\n<\/source-\1>/g)].map((m) => ({ n: Number(m[2]), text: m[3] ?? '' }));
  const question = /<question-([0-9a-f]+)>\n([\s\S]*?)\n<\/question-\1>/.exec(user)?.[2] ?? user;
  return { question, sources };
}

const words = (s: string) => new Set((s.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []).map((w) => w.replace(/s$/, '')));

export function groundedReply(r: ChatRequest): string {
  const { question, sources } = parseGroundedPrompt(r);
  const wanted = words(question);
  let best: { n: number; sentence: string; score: number } | undefined;
  for (const s of sources) {
    for (const sentence of s.text.split(/(?<=[.!?])\s+/)) {
      let score = 0;
      for (const w of words(sentence)) if (wanted.has(w)) score++;
      if (score > (best?.score ?? 0)) best = { n: s.n, sentence: sentence.trim(), score };
    }
  }
  return best ? `${best.sentence} [${best.n}]` : 'The documents do not contain an answer to this question.';
}
