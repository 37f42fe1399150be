/**
 * The process's AzureOpenAI client (the `openai` package), built once from config: key auth with
 * AZURE_OPENAI_KEY, else Entra ID (DefaultAzureCredential + getBearerTokenProvider, loaded only
 * when first needed). AZURE_TIMEOUT bounds each attempt; the client's own retries (429, 5xx,
 * timeouts) wait what retry-after / retry-after-ms say, up to AZURE_OPENAI_MAX_RETRY_AFTER_SECONDS:
 * a longer wait is not retried (the answer would come after the caller has given up). Chat and
 * embeddings adapters share this client.
 */
import type { TokenCredential } from '@azure/identity';
import { AzureOpenAI } from 'openai';
import type { Config } from '../config';
import { getConfig } from '../config';
import { registerReset } from '../services';

export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Milliseconds a response asks to wait (retry-after-ms first, as the client reads them), if it says. */
export function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms)) return ms;
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const s = Number.parseFloat(raw);
  if (Number.isFinite(s)) return s * 1000;
  const at = Date.parse(raw);
  return Number.isFinite(at) ? at - Date.now() : undefined;
}

/** fetch that tells the client not to retry when the service asks for a wait longer than maxMs. */
export function cappedRetryFetch(maxMs: number, inner: FetchLike = fetch): FetchLike {
  return async (input, init) => {
    const res = await inner(input, init);
    if (res.status !== 429 && res.status < 500) return res;
    const wait = retryAfterMs(res.headers);
    if (wait === undefined || wait <= maxMs) return res;
    const headers = new Headers(res.headers);
    headers.set('x-should-retry', 'false');
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };
}

/** A token provider that loads @azure/identity on first use (it is large, and key auth never needs it). */
function entraTokenProvider(credential?: TokenCredential): () => Promise<string> {
  let provider: (() => Promise<string>) | undefined;
  return async () => {
    if (!provider) {
      const identity = await import('@azure/identity');
      provider = identity.getBearerTokenProvider(credential ?? new identity.DefaultAzureCredential(), COGNITIVE_SERVICES_SCOPE);
    }
    return provider();
  };
}

/** A client for the given settings (credential: used when no key is set; default DefaultAzureCredential). */
export function createAzureOpenAIClient(c: Config, credential?: TokenCredential): AzureOpenAI {
  if (!c.AZURE_OPENAI_ENDPOINT) throw new Error('AZURE_OPENAI_ENDPOINT is not set');
  const auth = c.AZURE_OPENAI_KEY ? { apiKey: c.AZURE_OPENAI_KEY } : { azureADTokenProvider: entraTokenProvider(credential) };
  return new AzureOpenAI({
    endpoint: c.AZURE_OPENAI_ENDPOINT,
    apiVersion: c.AZURE_OPENAI_API_VERSION,
    ...auth,
    timeout: c.AZURE_TIMEOUT * 1000,
    maxRetries: c.AZURE_OPENAI_MAX_RETRIES,
    fetch: cappedRetryFetch(c.AZURE_OPENAI_MAX_RETRY_AFTER_SECONDS * 1000),
  });
}

let client: AzureOpenAI | undefined;
registerReset(() => {
  client = undefined;
});

/** The shared client, or undefined when AZURE_OPENAI_ENDPOINT is not set (no model configured). */
export function getAzureOpenAIClient(): AzureOpenAI | undefined {
  const c = getConfig();
  if (!c.AZURE_OPENAI_ENDPOINT) return undefined;
  client ??= createAzureOpenAIClient(c);
  return client;
}
