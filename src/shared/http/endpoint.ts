/**
 * endpoint(): the only caller of app.http. Every endpoint gets, in this order: request id, CORS
 * (and preflight), authentication and scopes, rate limit, body size limit, JSON parsing, zod
 * validation of params/query/body (unknown fields rejected), the handler, the success or error
 * envelope, and one structured log line. Errors become statuses in one place (error-status.ts).
 * The whole of it runs as one SERVER span (a request in Application Insights), parented on the
 * caller's W3C traceparent; its trace id is in every log line and travels with the events it causes.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { getConfig } from '../config';
import { AppError, isAppError, type ErrorCode } from '../core/errors';
import { ANONYMOUS, type Principal } from '../core/principal';
import { METRIC, metrics } from '../metrics';
import { getLogger } from '../services';
import type { RateLimitResult } from '../ports';
import { inSpan } from '../telemetry/trace';
import { authenticate, rateLimit } from './authenticate';
import { bodyDeadline, checkDeclaredLength, isJsonContentType, parseJson, readLimitedText } from './body';
import { corsHeaders, preflightHeaders } from './cors';
import { errorBody, successBody } from './envelope';
import { statusFor } from './error-status';
import { rateLimitHeaders } from './rate-limit-headers';
import { requestIdFrom } from './request-id';
import { recordRoute, type RouteEntry } from './registry';
import type { EndpointAuth, EndpointOptions, EndpointResult, SchemaOut } from './types';
import { queryObject, strictSchema, validate } from './validate';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Routes whose CORS preflight is already claimed. Two functions may share a route with different
 * methods (GET list + POST create), but only one of them may also register OPTIONS, or the host
 * sees two functions for OPTIONS on one route. Every pipeline answers preflight the same way.
 */
const preflightRoutes = new Set<string>();

export function endpoint<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType | null = null,
>(options: EndpointOptions<P, Q, B, R>): void {
  recordRoute(routeEntry(options));
  const shape = options.route.toLowerCase().replace(/\{[^}]*\}/g, '{}');
  const claimsPreflight = !preflightRoutes.has(shape);
  preflightRoutes.add(shape);
  app.http(options.name, {
    route: options.route,
    methods: claimsPreflight ? [...options.methods, 'OPTIONS'] : [...options.methods],
    authLevel: 'anonymous',
    handler: createHandler(options),
  });
}

/** What the registry keeps of an endpoint; the error statuses follow from its shape plus what it declares. */
function routeEntry<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined, R extends z.ZodType | null>(
  o: EndpointOptions<P, Q, B, R>,
): RouteEntry {
  const bodyMode = o.bodyMode ?? (o.body ? 'json' : 'none');
  const rateLimited = o.rateLimited !== false;
  const codes = new Set<ErrorCode>(o.errors ?? []);
  if (o.params || o.query || o.body || bodyMode === 'stream') codes.add('VALIDATION_ERROR');
  if (o.auth !== 'public') codes.add('UNAUTHENTICATED');
  if (hasScopes(o.auth)) codes.add('FORBIDDEN');
  // platform_admin routes do not exist (404) where PLATFORM_ADMIN_API_KEY is unset.
  if (o.params || o.auth === 'platform_admin') codes.add('NOT_FOUND');
  if (o.ifMatch) codes.add('PRECONDITION_FAILED');
  if (bodyMode !== 'none') {
    codes.add('PAYLOAD_TOO_LARGE');
    codes.add('REQUEST_TIMEOUT');
  }
  if (bodyMode === 'json') codes.add('UNSUPPORTED_MEDIA_TYPE');
  if (rateLimited) codes.add('RATE_LIMIT_EXCEEDED');
  codes.add('INTERNAL');
  codes.add('DEPENDENCY_UNAVAILABLE');
  const successStatus = o.status ?? (o.response === null && !o.raw ? [204] : [200]);
  return {
    name: o.name,
    route: o.route,
    methods: o.methods,
    auth: o.auth,
    summary: o.summary,
    params: o.params,
    query: o.query,
    body: o.body,
    bodyMode,
    response: o.response,
    raw: o.raw,
    stream: o.stream,
    successStatus,
    paginated: o.paginated ?? false,
    rateLimited,
    errors: [...codes],
    errorStatus: [...new Set([...codes].map(statusFor))].sort((a, b) => a - b),
    ifMatch: o.ifMatch ?? false,
    etag: o.etag ?? false,
  };
}

const hasScopes = (auth: EndpointAuth): boolean => typeof auth === 'object' && auth.scopes.length > 0;

/** The pipeline as a plain function, so it can be tested without registering anything. */
export function createHandler<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined, R extends z.ZodType | null>(
  options: EndpointOptions<P, Q, B, R>,
): (request: HttpRequest, invocation: InvocationContext) => Promise<HttpResponseInit> {
  const params = options.params && strictSchema(options.params);
  const query = options.query && strictSchema(options.query);
  const body = options.body && strictSchema(options.body);
  const bodyMode = options.bodyMode ?? (options.body ? 'json' : undefined);

  return (request, invocation) =>
    inSpan(
      {
        name: `${request.method} /api/${options.route}`,
        kind: 'server',
        // The client's own trace first; else the Functions host's (its request telemetry).
        parent: request.headers.get('traceparent') ?? invocation.traceContext?.traceParent ?? undefined,
        attributes: { 'http.request.method': request.method, 'http.route': `/api/${options.route}`, 'url.full': request.url },
      },
      async (span) => {
        const started = performance.now();
        const config = getConfig();
        const requestId = requestIdFrom(request.headers.get('x-request-id'));
        const origin = request.headers.get('origin');
        const log = getLogger().child({ request_id: requestId, trace_id: span.traceId, function: options.name });
        const headers: Record<string, string> = { 'X-Request-Id': requestId, ...corsHeaders(origin, config.CORS_ORIGINS) };
        let principal: Principal = ANONYMOUS;
        let response: HttpResponseInit;
        // The whole body must arrive within BODY_TIMEOUT_MS, however the handler reads it (408 after).
        const deadline = bodyMode ? bodyDeadline(request, config.BODY_TIMEOUT_MS) : undefined;

        try {
          if (request.method === 'OPTIONS') {
            response = { status: 204, headers: { 'X-Request-Id': requestId, ...preflightHeaders(origin, config.CORS_ORIGINS) } };
          } else {
            principal = await authenticate(request, options.auth).catch(async (e: unknown) => {
              // A refused credential is charged to the caller's address, so guessing keys (each a store
              // read) is limited like any anonymous traffic; the tenant it names is not charged.
              if (isAppError(e) && e.code === 'UNAUTHENTICATED' && options.rateLimited !== false) {
                const limited = await rateLimit(ANONYMOUS, request);
                if (limited && !limited.allowed) {
                  metrics().count(METRIC.rateLimitRejected, { tier: 'anonymous', function: options.name });
                  throw tooManyRequests(limited.retryAfter, headers, limited);
                }
              }
              throw e;
            });
            const limited = options.rateLimited === false ? null : await rateLimit(principal, request);
            if (limited) {
              Object.assign(headers, rateLimitHeaders(limited));
              if (!limited.allowed) {
                metrics().count(METRIC.rateLimitRejected, { tier: principal.tier ?? 'authenticated', function: options.name });
                throw tooManyRequests(limited.retryAfter, headers, limited);
              }
            }
            const maxBody = options.maxBodyBytes ?? config.MAX_REQUEST_BODY_BYTES;
            const ctx = {
              request,
              invocation,
              requestId,
              principal,
              log,
              params: (params ? validate(params, request.params, 'params') : undefined) as SchemaOut<P>,
              query: (query ? validate(query, queryObject(request.query), 'query') : undefined) as SchemaOut<Q>,
              body: undefined as SchemaOut<B>,
            };
            if (bodyMode === 'stream') {
              checkDeclaredLength(request, maxBody);
            } else if (body) {
              ctx.body = validate(body, await readJsonBody(request, maxBody), 'body') as SchemaOut<B>;
            }
            response = toResponse(await options.handler(ctx), requestId, headers);
          }
        } catch (err) {
          response = errorResponse(err, requestId, headers, log);
          if ((response.status ?? 500) >= 500) span.fail(err);
        } finally {
          deadline?.release();
        }

        const status = response.status ?? 200;
        span.setAttributes({ 'http.response.status_code': status, 'eva.request_id': requestId, 'eva.tenant_id': principal.tenantId || undefined });
        if (status >= 500) span.fail();
        const fields = {
          method: request.method,
          status,
          duration_ms: Math.round((performance.now() - started) * 100) / 100,
          tenant_id: principal.tenantId || undefined,
        };
        if (status >= 500) log.error('request', fields);
        else log.info('request', fields);
        return response;
      },
    );
}

function tooManyRequests(retryAfter: number, headers: Record<string, string>, limited: RateLimitResult): AppError {
  Object.assign(headers, rateLimitHeaders(limited));
  return new AppError('RATE_LIMIT_EXCEEDED', 'Rate limit exceeded; retry later.', {
    extra: { retry_after: retryAfter },
    headers: { 'Retry-After': String(retryAfter) },
  });
}

async function readJsonBody(request: HttpRequest, max: number): Promise<unknown> {
  const text = await readLimitedText(request, max);
  if (text.trim() === '') {
    throw new AppError('VALIDATION_ERROR', 'A JSON request body is required.', {
      details: [{ field: 'body', issue: 'required' }],
    });
  }
  if (!isJsonContentType(request.headers.get('content-type'))) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be application/json.');
  }
  return parseJson(text);
}

function toResponse(result: EndpointResult, requestId: string, headers: Record<string, string>): HttpResponseInit {
  if (result.raw) {
    return { ...result.raw, headers: { ...headers, ...(result.raw.headers as Record<string, string> | undefined) } };
  }
  // Object.assign, not spread: V8 gives a spread copy a slow shape that the header added below
  // then pays for (about 0.7 µs per response against 0.07).
  const out: Record<string, string> = Object.assign({}, headers, result.headers);
  if (result.etag) out.ETag = result.etag.startsWith('"') || result.etag.startsWith('W/') ? result.etag : `"${result.etag}"`;
  const status = result.status ?? 200;
  if (status === 204) return { status, headers: out };
  out['Content-Type'] = JSON_TYPE;
  return { status, headers: out, body: JSON.stringify(successBody(result.data ?? null, requestId, result.pagination)) };
}

/** The one place an error becomes a response: AppErrors keep their code; anything else is a bare 500. */
export function errorResponse(
  err: unknown,
  requestId: string,
  headers: Record<string, string>,
  log: { error(msg: string, f?: Record<string, unknown>): void },
): HttpResponseInit {
  let appError: AppError;
  if (isAppError(err)) {
    appError = err;
  } else {
    // The detail stays in the server log; the client sees only the request id to quote.
    log.error('unhandled error', {
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    appError = new AppError('INTERNAL', 'An internal error occurred.');
  }
  return {
    status: statusFor(appError.code),
    headers: { ...headers, ...appError.headers, 'Content-Type': JSON_TYPE },
    body: JSON.stringify(errorBody(appError, requestId)),
  };
}
