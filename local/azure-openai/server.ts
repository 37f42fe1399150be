/**
 * A local stand-in for Azure OpenAI on loopback, speaking its wire format so the real `openai`
 * client (AzureOpenAI) talks to it unchanged: chat completions (whole and streamed as SSE) and
 * embeddings under /openai/deployments/{deployment}/..., `api-key` (or a listed bearer token)
 * checked, and every request recorded. Tests script failures one request at a time: a 429 with
 * retry-after, a slow response (for timeouts), Azure's content-filter 400, any other error.
 * Development and tests only; never deployed. See docs/questions.md.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { completionBody, contentFilterError, countTokens, promptText, rateLimitError, streamEvents, type ChatUsage, type FinishReason } from './chat';
import { DEFAULT_EMBEDDING_DIMENSIONS, embed, toBase64 } from './embeddings';
import { groundedReply } from './responder';

export type Operation = 'chat' | 'embeddings';

/** What the next request of an operation gets; steps are used once each, in order. */
export type Step =
  | {
      kind: 'reply';
      /** Chat only: the answer text (default: the stand-in's responder). */
      content?: string;
      finishReason?: FinishReason;
      usage?: Partial<ChatUsage>;
      /** Streamed replies: pause between chunks, so a client visibly receives deltas over time. */
      chunkDelayMs?: number;
    }
  | { kind: 'rate_limit'; retryAfterSeconds?: number; retryAfterMs?: number }
  /** Holds the response back (the client times out first, if its timeout is shorter), then does `then`. */
  | { kind: 'delay'; ms: number; then?: Step }
  | { kind: 'content_filter' }
  | { kind: 'error'; status: number; code?: string; message?: string };

export interface RecordedRequest {
  operation: Operation | 'other';
  method: string;
  path: string;
  deployment: string | null;
  apiVersion: string | null;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: unknown;
  /** The status the stand-in answered with (0 when the client went away first). */
  status: number;
  at: number;
}

export interface ChatRequest {
  deployment: string;
  body: Record<string, unknown>;
  messages: { role: string; content: string }[];
}

export interface AzureOpenAIStandInOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default: a random key for this run. */
  apiKey?: string;
  /** Bearer tokens accepted in place of the key (Entra ID tests). */
  bearerTokens?: string[];
  /** Deployment names that exist (default: any name). */
  deployments?: string[];
  /** The answer text when no scripted step names one (default: groundedReply, responder.ts). */
  respond?: (request: ChatRequest) => string;
  /** The model name reported back (default: the deployment name). */
  model?: string;
}

export interface AzureOpenAIStandIn {
  /** http://127.0.0.1:PORT: the AZURE_OPENAI_ENDPOINT value. */
  endpoint: string;
  apiKey: string;
  port: number;
  /** Every request received, oldest first. */
  requests: RecordedRequest[];
  /** Queues steps for the next requests of an operation. */
  enqueue(operation: Operation, ...steps: Step[]): void;
  /** The chat completion requests received, their bodies parsed. */
  chatRequests(): ChatRequest[];
  /** Forgets queued steps and recorded requests. */
  reset(): void;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'apim-request-id': randomBytes(16).toString('hex'), ...headers });
  res.end(JSON.stringify(body));
}

const azureError = (code: string, message: string) => ({ error: { code, message } });

function asMessages(v: unknown): { role: string; content: string }[] {
  if (!Array.isArray(v)) return [];
  return v.map((m: unknown) => {
    const o = (m ?? {}) as { role?: unknown; content?: unknown };
    return { role: typeof o.role === 'string' ? o.role : '', content: promptText([o]) };
  });
}

export async function startAzureOpenAIStandIn(options: AzureOpenAIStandInOptions = {}): Promise<AzureOpenAIStandIn> {
  const apiKey = options.apiKey ?? randomBytes(24).toString('hex');
  const bearer = new Set(options.bearerTokens ?? []);
  const deployments = options.deployments ? new Set(options.deployments) : null;
  const respond = options.respond ?? groundedReply;
  const queues: Record<Operation, Step[]> = { chat: [], embeddings: [] };
  const requests: RecordedRequest[] = [];

  async function perform(
    step: Step,
    op: Operation,
    deployment: string,
    apiVersion: string,
    body: Record<string, unknown>,
    res: ServerResponse,
    rec: RecordedRequest,
  ): Promise<void> {
    const answer = (status: number, payload: unknown, headers?: Record<string, string>) => {
      rec.status = res.destroyed ? 0 : status;
      sendJson(res, status, payload, headers);
    };
    switch (step.kind) {
      case 'delay': {
        await sleep(step.ms);
        if (res.destroyed) {
          rec.status = 0;
          return;
        }
        return perform(step.then ?? { kind: 'reply' }, op, deployment, apiVersion, body, res, rec);
      }
      case 'rate_limit': {
        const seconds = step.retryAfterSeconds ?? 1;
        const headers: Record<string, string> = { 'retry-after': String(seconds) };
        if (step.retryAfterMs !== undefined) headers['retry-after-ms'] = String(step.retryAfterMs);
        return answer(429, rateLimitError(op === 'chat' ? 'ChatCompletions_Create' : 'Embeddings_Create', apiVersion, seconds), headers);
      }
      case 'content_filter':
        return answer(400, contentFilterError);
      case 'error':
        return answer(step.status, azureError(step.code ?? String(step.status), step.message ?? 'The stand-in was told to fail this request.'));
      case 'reply':
        if (op === 'embeddings') return answer(200, embeddingsBody(deployment, body));
        return chatReply(step, deployment, body, res, rec);
    }
  }

  function embeddingsBody(deployment: string, body: Record<string, unknown>): unknown {
    const inputs = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input.map(String) : [];
    const dims = typeof body.dimensions === 'number' && body.dimensions > 0 ? Math.floor(body.dimensions) : DEFAULT_EMBEDDING_DIMENSIONS;
    const base64 = body.encoding_format === 'base64';
    const tokens = inputs.reduce((n, s) => n + countTokens(s), 0);
    return {
      object: 'list',
      model: options.model ?? deployment,
      data: inputs.map((text, index) => {
        const v = embed(text, dims);
        return { object: 'embedding', index, embedding: base64 ? toBase64(v) : v };
      }),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  }

  async function chatReply(
    step: Extract<Step, { kind: 'reply' }>,
    deployment: string,
    body: Record<string, unknown>,
    res: ServerResponse,
    rec: RecordedRequest,
  ): Promise<void> {
    const messages = asMessages(body.messages);
    const content = step.content ?? respond({ deployment, body, messages });
    const finish = step.finishReason ?? 'stop';
    const prompt = countTokens(promptText(body.messages));
    const completion = countTokens(content);
    const usage: ChatUsage = {
      prompt_tokens: step.usage?.prompt_tokens ?? prompt,
      completion_tokens: step.usage?.completion_tokens ?? completion,
      total_tokens: step.usage?.total_tokens ?? (step.usage?.prompt_tokens ?? prompt) + (step.usage?.completion_tokens ?? completion),
    };
    const model = options.model ?? deployment;
    if (body.stream !== true) {
      rec.status = 200;
      return sendJson(res, 200, completionBody(model, content, finish, usage));
    }
    const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    rec.status = 200;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'apim-request-id': randomBytes(16).toString('hex') });
    for (const data of streamEvents(model, content, finish, usage, includeUsage)) {
      if (res.destroyed) return;
      res.write(`data: ${data}\n\n`);
      if (step.chunkDelayMs) await sleep(step.chunkDelayMs);
    }
    res.end();
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        sendJson(res, 413, azureError('RequestTooLarge', 'The request body is too large.'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const m = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/.exec(url.pathname);
        const op: Operation | 'other' = m ? (m[2] === 'embeddings' ? 'embeddings' : 'chat') : 'other';
        const deployment = m?.[1] ? decodeURIComponent(m[1]) : null;
        const apiVersion = url.searchParams.get('api-version');
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined;
        }
        const rec: RecordedRequest = {
          operation: op,
          method: req.method ?? '',
          path: url.pathname,
          deployment,
          apiVersion,
          headers: req.headers,
          body,
          status: 0,
          at: Date.now(),
        };
        requests.push(rec);
        const fail = (status: number, payload: unknown) => {
          rec.status = status;
          sendJson(res, status, payload);
        };

        const auth = req.headers.authorization;
        const bearerOk = typeof auth === 'string' && auth.startsWith('Bearer ') && bearer.has(auth.slice(7));
        if (req.headers['api-key'] !== apiKey && !bearerOk) {
          return fail(
            401,
            azureError(
              '401',
              'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
            ),
          );
        }
        if (op === 'other' || !deployment) return fail(404, azureError('404', 'Resource not found'));
        if (req.method !== 'POST') return fail(405, azureError('405', 'Method not allowed'));
        if (!apiVersion) return fail(404, azureError('404', 'Resource not found'));
        if (deployments && !deployments.has(deployment)) {
          return fail(
            404,
            azureError(
              'DeploymentNotFound',
              'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
            ),
          );
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          return fail(400, azureError('BadRequest', 'The request body must be a JSON object.'));
        const b = body as Record<string, unknown>;
        if (op === 'chat' && (!Array.isArray(b.messages) || b.messages.length === 0)) {
          return fail(400, { error: { message: "'messages' is a required property", type: 'invalid_request_error', param: null, code: null } });
        }
        if (op === 'embeddings' && typeof b.input !== 'string' && !(Array.isArray(b.input) && b.input.every((s) => typeof s === 'string'))) {
          return fail(400, { error: { message: "'input' must be a string or an array of strings", type: 'invalid_request_error', param: null, code: null } });
        }
        await perform(queues[op].shift() ?? { kind: 'reply' }, op, deployment, apiVersion, b, res, rec);
      })().catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    apiKey,
    port,
    requests,
    enqueue: (op, ...steps) => void queues[op].push(...steps),
    chatRequests: () =>
      requests
        .filter((r) => r.operation === 'chat' && typeof r.body === 'object' && r.body !== null)
        .map((r) => ({
          deployment: r.deployment ?? '',
          body: r.body as Record<string, unknown>,
          messages: asMessages((r.body as Record<string, unknown>).messages),
        })),
    reset: () => {
      queues.chat.length = 0;
      queues.embeddings.length = 0;
      requests.length = 0;
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
