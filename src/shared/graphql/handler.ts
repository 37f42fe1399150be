/**
 * One GraphQL request after the pipeline: read the parameters (POST JSON or GET query string),
 * resolve a persisted operation, parse and validate, then register a subscription (answered with a
 * Web PubSub URL) or execute the operation in yoga's engine, and choose the status: 400 when nothing ran (no data), 429 when the
 * operation's cost exceeds the rate limit, else 200 (field errors keep partial data).
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import {
  GraphQLError,
  OperationTypeNode,
  type DocumentNode,
  type GraphQLSchema,
  type ExecutionResult,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
} from 'graphql';
import { AppError, isAppError } from '../core/errors';
import type { Principal } from '../core/principal';
import { isJsonContentType } from '../http/body';
import { rateLimitHeaders } from '../http/rate-limit-headers';
import { operationOf } from './document';
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

/** The request's GraphQL parameters; undefined when a POST body is not a JSON object. */
function paramsOf(request: HttpRequest, body: string | undefined): Params | undefined {
  if (request.method !== 'POST') {
    const q = new URL(request.url).searchParams;
    const json = (name: string): unknown => {
      const v = q.get(name);
      if (v === null) return undefined;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v; // not JSON: refused below
      }
    };
    return {
      query: q.get('query') ?? undefined,
      variables: json('variables'),
      operationName: q.get('operationName') ?? undefined,
      extensions: json('extensions'),
    };
  }
  try {
    const parsed: unknown = JSON.parse(body ?? '');
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export async function graphqlResponse(request: HttpRequest, principal: Principal, body: string | undefined): Promise<HttpResponseInit> {
  if (request.method === 'POST' && !isJsonContentType(request.headers.get('content-type'))) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'A GraphQL request body must be application/json.');
  }
  const params = paramsOf(request, body);
  if (!params) return errorsBody([requestError('The POST body must be a JSON object: { query, variables, operationName, extensions }.')]);
  let query: string | undefined;
  try {
    query = resolveOperation(params.query, params.extensions);
  } catch (e) {
    return errorsBody([formatted(e)]);
  }
  if (query === undefined) return errorsBody([requestError('Must provide query string.')]);
  const variables = params.variables ?? undefined;
  if (variables !== undefined && (typeof variables !== 'object' || Array.isArray(variables)))
    return errorsBody([requestError('variables must be a JSON object.')]);
  const operationName = params.operationName ?? undefined;
  if (operationName !== undefined && typeof operationName !== 'string') return errorsBody([requestError('operationName must be a string.')]);

  // Yoga's engine (its plugins: parse and validation caches, limits, cost, error masking) without
  // its fetch-API HTTP layer, which cost about ten times the execution itself (docs/graphql.md).
  const ctx: RequestContext = { principal, loaders: createLoaders(principal.tenantId), rate: {} };
  const engine = getYoga().getEnveloped(ctx);
  // envelop types its engine loosely (any); these are graphql's own types.
  let document: DocumentNode;
  try {
    document = engine.parse(query) as DocumentNode;
  } catch (e) {
    return errorsBody([formatted(e)]);
  }
  const schema = engine.schema as GraphQLSchema;
  const invalid = engine.validate(schema, document) as readonly GraphQLError[];
  if (invalid.length > 0) return errorsBody(invalid.map(formatted));
  const op = operationOf(document, operationName);
  if (op?.operation === OperationTypeNode.SUBSCRIPTION) {
    if (request.method !== 'POST') return errorsBody([requestError('Subscribe with POST: the answer is a Web PubSub URL and group.')]);
    return subscribe(principal, query, document, op, variables);
  }
  if (op?.operation === OperationTypeNode.MUTATION && request.method !== 'POST') return errorsBody([requestError('Mutations need POST.')]);

  const result = (await engine.execute({
    schema,
    document,
    variableValues: variables as Record<string, unknown> | undefined,
    operationName,
    contextValue: await engine.contextFactory(),
  })) as ExecutionResult;
  const headers: Record<string, string> = { 'Content-Type': JSON_TYPE };
  if (ctx.rate.result) Object.assign(headers, rateLimitHeaders(ctx.rate.result));
  let status = 200;
  const first = result.errors?.[0]?.extensions as { code?: string; retryAfter?: number } | undefined;
  if (first?.code === 'RATE_LIMIT_EXCEEDED') {
    status = 429;
    headers['Retry-After'] = String(first.retryAfter ?? 1);
  } else if (!('data' in result) || result.data === undefined) status = 400;
  return { status, headers, body: JSON.stringify(result) };
}

const requestError = (message: string): GraphQLFormattedError => ({ message, extensions: { code: 'VALIDATION_ERROR' } });

/** Registers a subscription: the answer is its Web PubSub URL and group, not a result. */
async function subscribe(
  principal: Principal,
  query: string,
  document: DocumentNode,
  op: OperationDefinitionNode,
  variables: unknown,
): Promise<HttpResponseInit> {
  try {
    const ticket = await registerSubscription(principal, query, document, op, variables);
    return { status: 200, headers: { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store' }, body: JSON.stringify({ subscription: ticket }) };
  } catch (e) {
    if (e instanceof SubscriptionRequestError) return errorsBody(e.errors.map(formatted));
    if (isAppError(e) && ['NOT_FOUND', 'FORBIDDEN', 'VALIDATION_ERROR'].includes(e.code)) return errorsBody([formatted(e)]);
    throw e;
  }
}
