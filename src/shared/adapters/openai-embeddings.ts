/**
 * Azure OpenAI embeddings (the EmbeddingModel port) through the `openai` package's AzureOpenAI
 * client: configured when AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_EMBEDDING_DEPLOYMENT are set.
 * Texts go in batches of AZURE_OPENAI_EMBEDDING_BATCH_SIZE; each call is bounded by AZURE_TIMEOUT
 * and retried by the client (429 and 5xx, honouring retry-after). Vectors come back unit-length.
 * Key auth with AZURE_OPENAI_KEY, else Entra ID (DefaultAzureCredential bearer tokens).
 */
import { DefaultAzureCredential, getBearerTokenProvider } from '@azure/identity';
import { AzureOpenAI } from 'openai';
import { getConfig } from '../config';
import { AppError } from '../core/errors';
import { normalise } from '../core/vectors';
import type { EmbeddingModel } from '../ports';
import { registerReset } from '../services';

const SERVICE = 'Azure OpenAI';
/** Tries per call after the first (the client backs off and honours retry-after). */
const MAX_RETRIES = 3;
const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

export interface EmbeddingSettings {
  endpoint: string;
  apiKey: string | undefined;
  deployment: string;
  apiVersion: string;
  dimensions: number | undefined;
  batchSize: number;
  timeoutMs: number;
  /** Entra ID bearer tokens, used when there is no key. */
  tokenProvider?: (() => Promise<string>) | undefined;
}

export function createAzureEmbeddings(s: EmbeddingSettings): EmbeddingModel {
  const client = new AzureOpenAI({
    endpoint: s.endpoint,
    apiVersion: s.apiVersion,
    deployment: s.deployment,
    ...(s.apiKey ? { apiKey: s.apiKey } : { azureADTokenProvider: s.tokenProvider }),
    timeout: s.timeoutMs,
    maxRetries: MAX_RETRIES,
  });
  return {
    id: s.dimensions ? `${s.deployment}:${s.dimensions}` : s.deployment,
    async embed(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += s.batchSize) {
        // The service refuses empty inputs; a blank chunk still needs a vector to keep the order.
        const input = texts.slice(i, i + s.batchSize).map((t) => (t.trim() === '' ? ' ' : t));
        let res;
        try {
          res = await client.embeddings.create({ model: s.deployment, input, ...(s.dimensions ? { dimensions: s.dimensions } : {}) });
        } catch (err) {
          throw new AppError('DEPENDENCY_UNAVAILABLE', `A dependency (${SERVICE}) is unavailable.`, { cause: err });
        }
        const data = [...res.data].sort((a, b) => a.index - b.index);
        if (data.length !== input.length) {
          throw new AppError('DEPENDENCY_UNAVAILABLE', `A dependency (${SERVICE}) answered with the wrong number of embeddings.`);
        }
        for (const d of data) out.push(normalise(d.embedding));
      }
      return out;
    },
  };
}

let built: { model: EmbeddingModel | undefined } | undefined;

/** The configured embedding model, or undefined (lexical retrieval only). */
export function getEmbeddingModel(): EmbeddingModel | undefined {
  if (built) return built.model;
  const c = getConfig();
  let model: EmbeddingModel | undefined;
  if (c.AZURE_OPENAI_ENDPOINT && c.AZURE_OPENAI_EMBEDDING_DEPLOYMENT) {
    model = createAzureEmbeddings({
      endpoint: c.AZURE_OPENAI_ENDPOINT,
      apiKey: c.AZURE_OPENAI_KEY,
      deployment: c.AZURE_OPENAI_EMBEDDING_DEPLOYMENT,
      apiVersion: c.AZURE_OPENAI_API_VERSION,
      dimensions: c.AZURE_OPENAI_EMBEDDING_DIMENSIONS,
      batchSize: c.AZURE_OPENAI_EMBEDDING_BATCH_SIZE,
      timeoutMs: c.AZURE_TIMEOUT * 1000,
      // No key: Entra ID through the app's managed identity (role Cognitive Services OpenAI User).
      tokenProvider: c.AZURE_OPENAI_KEY ? undefined : getBearerTokenProvider(new DefaultAzureCredential(), COGNITIVE_SERVICES_SCOPE),
    });
  }
  built = { model };
  return model;
}

registerReset(() => {
  built = undefined;
});
