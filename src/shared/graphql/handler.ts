/**
 * One GraphQL request after the pipeline: read the parameters (POST JSON or GET query string),
 * resolve a persisted operation, register a subscription (answered here, not by yoga) or run the
 * operation in yoga, and choose the status: 400 when nothing ran (no data), 429 when the
 * operation's cost exceeds the rate limit, else 200 (field errors keep partial data).
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { GraphQLError, OperationTypeNode, type GraphQLFormattedError } from 'graphql';
import { isAppError } from '../core/errors';
import type { Principal } from '../core/principal';
import { rateLimitHeaders } from '../http/rate-limit-headers';
import { operationOf, parseDocument } from './document';
import { createLoaders } from './loaders';
import { resolveOperation } from './persisted';
import { registerSubscription, SubscriptionRequestError } from './subscriptions';
import { getYoga, type RequestContext } from './yoga';

const JSON_TYPE = 'application/json; charset=utf-8';

interface Params {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

const errorsBody = (errors: readonly GraphQLFormattedError[], extra: Record<string, unknown> = {}): HttpResponseInit => ({
  status: 400,
  headers: { 'Content-Type': JSON_TYPE },
  body: JSON.stringify({ errors, ...extra }),
});

function formatted(e: unknown): GraphQLFormattedError {
  if (e instanceof GraphQLError) return e.toJSON();
  if (isAppError(e)) return { message: e.message, extensions: { code: e.code, ...(e.details.length > 0 ? { details: e.details } : {}) } };
  return { message: 'An internal error occurred.', extensions: { code: 'INTERNAL' } };
}

/** The request's GraphQL parameters; undefined when a POST body is not a JSON object (yoga then answers its own error). */
function paramsOf(request: HttpRequest, body: string | undefined): Params | undefined {
  if (request.method !== 'POST') {
    const q = new URL(request.url).searchParams;
    const json = (name: string): unknown => {
      const v = q.get(name);
      if (v === null) return undefined;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v; // yoga reports the invalid JSON
      }
    };
    return { query: q.get('query') ?? undefined, variables: json('variables'), operationName: q.get('operationName') ?? undefined, extensions: json('extensions') };
  }
  try {
    const parsed: unknown = JSON.parse(body ?? '');
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export async function graphqlResponse(request: HttpRequest, principal: Principal, body: string | undefined): Promise<HttpResponseInit> {
  const params = paramsOf(request, body);
  let yogaBody = body;
  let url = request.url;
  if (params) {
    let query: string | undefined;
    try {
      query = resolveOperation(params.query, params.extensions);
    } catch (e) {
      return errorsBody([formatted(e)]);
    }
    // A subscription is registered here: its answer is a Web PubSub URL, not a result.
    if (request.method === 'POST' && query !== undefined && /\bsubscription\b/.test(query)) {
      const answer = await maybeSubscribe(principal, query, params);
      if (answer) return answer;
    }
    const forward = { query: query ?? params.query, variables: params.variables, operationName: params.operationName };
    if (request.method === 'POST') yogaBody = JSON.stringify(forward);
    else if (query !== undefined && query !== params.query) {
      const u = new URL(request.url);
      u.searchParams.set('query', query);
      u.searchParams.delete('extensions');
      url = u.toString();
    }
  }

  const headers = new Headers();
  for (const name of ['content-type', 'accept']) {
    const v = request.headers.get(name);
    if (v) headers.set(name, v);
  }
  const ctx: RequestContext = { principal, loaders: createLoaders(principal.tenantId), rate: {} };
  const res = await getYoga().fetch(url, { method: request.method, headers, body: yogaBody }, ctx);
  const text = await res.text();
  const out: Record<string, string> = { 'Content-Type': res.headers.get('content-type') ?? 'application/json' };
  if (ctx.rate.result) Object.assign(out, rateLimitHeaders(ctx.rate.result));
  let status = res.status;
  if (status === 200) {
    const result = JSON.parse(text) as { data?: unknown; errors?: Array<{ extensions?: { code?: string; retryAfter?: number } }> };
    const first = result.errors?.[0]?.extensions;
    if (first?.code === 'RATE_LIMIT_EXCEEDED') {
      status = 429;
      out['Retry-After'] = String(first.retryAfter ?? 1);
    } else if (!('data' in result)) status = 400;
  }
  return { status, headers: out, body: text };
}

/** Registers the operation when it is a subscription; undefined for queries and mutations (or unparsable text: yoga reports it). */
async function maybeSubscribe(principal: Principal, query: string, params: Params): Promise<HttpResponseInit | undefined> {
  let op;
  let doc;
  try {
    doc = parseDocument(query);
    op = operationOf(doc, typeof params.operationName === 'string' ? params.operationName : undefined);
  } catch {
    return undefined;
  }
  if (op?.operation !== OperationTypeNode.SUBSCRIPTION) return undefined;
  try {
    const ticket = await registerSubscription(principal, query, doc, op, params.variables);
    return { status: 200, headers: { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store' }, body: JSON.stringify({ subscription: ticket }) };
  } catch (e) {
    if (e instanceof SubscriptionRequestError) return errorsBody(e.errors.map(formatted));
    if (isAppError(e) && ['NOT_FOUND', 'FORBIDDEN', 'VALIDATION_ERROR'].includes(e.code)) return errorsBody([formatted(e)]);
    throw e;
  }
}
