import { AzureOpenAI, APIConnectionTimeoutError, BadRequestError, AuthenticationError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAzureOpenAIStandIn, type AzureOpenAIStandIn } from '../../local/azure-openai/server';

const API_VERSION = '2024-10-21';
let s: AzureOpenAIStandIn;
const client = (over: { timeout?: number; maxRetries?: number; apiKey?: string } = {}) =>
  new AzureOpenAI({
    endpoint: s.endpoint,
    apiKey: over.apiKey ?? s.apiKey,
    apiVersion: API_VERSION,
    timeout: over.timeout ?? 5_000,
    maxRetries: over.maxRetries ?? 0,
  });

const cosine = (a: number[], b: number[]) => a.reduce((n, x, i) => n + x * b[i]!, 0);

beforeAll(async () => {
  s = await startAzureOpenAIStandIn({ respond: (r) => `You asked: ${r.messages.at(-1)?.content ?? ''} [1]` });
});
afterAll(() => s.stop());
beforeEach(() => s.reset());

describe('Azure OpenAI stand-in (real openai client)', () => {
  it('answers a chat completion, reports usage and records the request', async () => {
    const r = await client().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] });
    expect(r.choices[0]?.message.content).toBe('You asked: hello there [1]');
    expect(r.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]).toMatchObject({ operation: 'chat', deployment: 'gpt-4o-mini', apiVersion: API_VERSION, status: 200 });
    expect(s.chatRequests()[0]?.messages).toEqual([{ role: 'user', content: 'hello there' }]);
  });

  it('streams SSE chunks (Azure prompt-filter chunk first, usage chunk last)', async () => {
    s.enqueue('chat', { kind: 'reply', content: 'one two three [1]' });
    const stream = await client().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'q' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let usage: unknown;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toEqual(['one', ' two', ' three', ' [1]']);
    expect(usage).toMatchObject({ completion_tokens: 6 });
  });

  it('refuses a wrong key with 401', async () => {
    await expect(client({ apiKey: 'wrong' }).chat.completions.create({ model: 'd', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(
      AuthenticationError,
    );
    expect(s.requests[0]?.status).toBe(401);
  });

  it('gives similar texts similar embeddings (base64 by default, floats on request)', async () => {
    const r = await client().embeddings.create({
      model: 'text-embedding-3-small',
      input: ['Cargo builds Rust packages', 'Rust packages are built by cargo', 'Tomatoes need sun'],
    });
    const [a, b, c] = r.data.map((d) => d.embedding);
    expect(a).toHaveLength(256);
    expect(cosine(a!, b!)).toBeGreaterThan(0.6);
    expect(cosine(a!, c!)).toBeLessThan(0.3);
    const floats = await client().embeddings.create({ model: 'e', input: 'Cargo builds Rust packages', encoding_format: 'float', dimensions: 64 });
    expect(floats.data[0]?.embedding).toHaveLength(64);
  });

  it('answers a scripted 429 with retry-after, which the client honours and retries', async () => {
    s.enqueue('chat', { kind: 'rate_limit', retryAfterSeconds: 1 });
    const started = Date.now();
    const r = await client({ maxRetries: 1 }).chat.completions.create({ model: 'd', messages: [{ role: 'user', content: 'x' }] });
    expect(r.choices[0]?.message.content).toContain('You asked');
    expect(s.requests.map((q) => q.status)).toEqual([429, 200]);
    expect(s.requests[1]!.at - s.requests[0]!.at).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('holds a scripted slow response past the client timeout', async () => {
    s.enqueue('chat', { kind: 'delay', ms: 1_000 });
    await expect(client({ timeout: 200 }).chat.completions.create({ model: 'd', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(
      APIConnectionTimeoutError,
    );
  });

  it("answers a scripted content-filter refusal with Azure's 400 code content_filter", async () => {
    s.enqueue('chat', { kind: 'content_filter' });
    const err = await client()
      .chat.completions.create({ model: 'd', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).code).toBe('content_filter');
  });
});
