/**
 * The Azure OpenAI adapter against the stand-in with the real openai client: Entra ID bearer
 * tokens through @azure/identity's getBearerTokenProvider, and a retry-after beyond the cap not retried.
 */
import type { AccessToken, TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAzureOpenAIStandIn, type AzureOpenAIStandIn } from '../../local/azure-openai/server';
import { azureOpenAIAnswerModel } from '../../src/shared/adapters/azure-openai-chat';
import { COGNITIVE_SERVICES_SCOPE, createAzureOpenAIClient } from '../../src/shared/adapters/azure-openai-client';
import { loadConfig } from '../../src/shared/config';

let s: AzureOpenAIStandIn;
const TOKEN = 'entra-token-for-tests';
const scopesAsked: string[][] = [];
// A credential as DefaultAzureCredential would be (it cannot run here: it probes beyond loopback).
const credential: TokenCredential = {
  getToken: async (scopes): Promise<AccessToken> => {
    scopesAsked.push([scopes].flat());
    return { token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};
const messages = [{ role: 'user' as const, content: 'hi' }];

beforeAll(async () => {
  s = await startAzureOpenAIStandIn({ bearerTokens: [TOKEN], respond: () => 'ok [1]' });
});
afterAll(() => s.stop());
beforeEach(() => s.reset());

describe('Azure OpenAI adapter', () => {
  it('without a key, authenticates with an Entra ID token for the Cognitive Services scope', async () => {
    const config = loadConfig({ AZURE_OPENAI_ENDPOINT: s.endpoint, AZURE_TIMEOUT: '5' });
    const model = azureOpenAIAnswerModel(createAzureOpenAIClient(config, credential), 'chat', 5_000);
    const r = await model.complete({ messages, maxTokens: 50 });
    expect(r.text).toBe('ok [1]');
    expect(s.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(s.requests[0]!.headers['api-key']).toBeUndefined();
    expect(scopesAsked[0]).toEqual([COGNITIVE_SERVICES_SCOPE]);
  });

  it('does not retry a 429 asking to wait longer than AZURE_OPENAI_MAX_RETRY_AFTER_SECONDS: MODEL_UNAVAILABLE', async () => {
    const config = loadConfig({ AZURE_OPENAI_ENDPOINT: s.endpoint, AZURE_OPENAI_KEY: s.apiKey, AZURE_OPENAI_MAX_RETRY_AFTER_SECONDS: '2' });
    const model = azureOpenAIAnswerModel(createAzureOpenAIClient(config), 'chat', 5_000);
    s.enqueue('chat', { kind: 'rate_limit', retryAfterSeconds: 60 });
    await expect(model.complete({ messages, maxTokens: 50 })).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    expect(s.requests.map((r) => r.status)).toEqual([429]);
  });

  it('streams pieces to onDelta and reports usage from the final chunk', async () => {
    const config = loadConfig({ AZURE_OPENAI_ENDPOINT: s.endpoint, AZURE_OPENAI_KEY: s.apiKey });
    const model = azureOpenAIAnswerModel(createAzureOpenAIClient(config), 'chat', 5_000);
    s.enqueue('chat', { kind: 'reply', content: 'alpha beta [1]', usage: { prompt_tokens: 11, completion_tokens: 4 } });
    const pieces: string[] = [];
    const r = await model.complete({ messages, maxTokens: 50, onDelta: (p) => pieces.push(p) });
    expect(pieces).toEqual(['alpha', ' beta', ' [1]']);
    expect(r.usage).toEqual({ prompt_tokens: 11, completion_tokens: 4 });
    expect((s.requests[0]!.body as { stream_options: unknown }).stream_options).toEqual({ include_usage: true });
  });
});
