import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import type { ErrorCode } from '../core/errors';
import type { Principal, Scope } from '../core/principal';
import type { Logger } from '../logger';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call an endpoint:
 * - 'public': no credential needed (health); rate-limited as anonymous.
 * - 'platform_admin': the PLATFORM_ADMIN_API_KEY only (tenant onboarding).
 * - { scopes }: an API key or JWT holding every listed scope (admin:all grants all).
 */
export type EndpointAuth = 'public' | 'platform_admin' | { scopes: readonly Scope[] };

export interface Pagination {
  cursor: string | null;
  has_next: boolean;
}

/** What a handler returns; the pipeline wraps `data` in the success envelope. */
export interface EndpointResult<D = unknown> {
  status?: number;
  data?: D;
  pagination?: Pagination;
  headers?: Record<string, string>;
  /** Sets the ETag header (quoted by the pipeline if not already). */
  etag?: string;
  /** Bypasses the envelope entirely (file downloads, redirects, 204s with no body). */
  raw?: HttpResponseInit;
}

export interface EndpointContext<P, Q, B> {
  request: HttpRequest;
  invocation: InvocationContext;
  requestId: string;
  principal: Principal;
  params: P;
  query: Q;
  /** The validated JSON body; undefined when the endpoint declares no body schema. */
  body: B;
  log: Logger;
}

export type SchemaOut<S> = S extends z.ZodType ? z.output<S> : undefined;
/** What a handler may put in `data`: the declared response schema's input (null: nothing). */
export type DataIn<R> = R extends z.ZodType ? z.input<R> : never;

export interface EndpointOptions<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
  R extends z.ZodType | null = z.ZodType | null,
> {
  /** The function name: the file name in src/functions without .ts (kebab-case). */
  name: string;
  /** Route under /api, Functions syntax: 'v1/spaces/{id}'. */
  route: string;
  methods: readonly HttpMethod[];
  auth: EndpointAuth;
  /** zod schemas; objects should be .strict() so unknown fields are rejected (the pipeline checks). */
  params?: P;
  query?: Q;
  body?: B;
  /**
   * 'json' (default when `body` is set): the pipeline reads, size-limits, parses and validates JSON.
   * 'stream': the handler reads `request.body` itself (uploads); the pipeline only checks Content-Length.
   */
  bodyMode?: 'json' | 'stream';
  /** false exempts the endpoint from rate limiting (liveness probes must never be throttled). */
  rateLimited?: boolean;
  /** Overrides MAX_REQUEST_BODY_BYTES for this endpoint. */
  maxBodyBytes?: number;
  /** One line for the API description. */
  summary?: string;
  /**
   * The schema of `data` in the success envelope (the handler's `data` is checked against its type);
   * null when the route answers 204 or only raw replies (then `raw` describes them).
   */
  response: R;
  /** A reply that bypasses the envelope (downloads): its media type and what it is. */
  raw?: { contentType: string; description: string };
  /** A 200 the handler may answer as a stream instead of JSON (returned as `raw`): its media type and when. */
  stream?: { contentType: string; description: string };
  /** Success statuses, the usual one first (default: [204] without response or raw, else [200]). */
  status?: readonly number[];
  /** A cursor-paginated list: `data` is an array and the envelope carries `pagination`. */
  paginated?: boolean;
  /** Error codes beyond those the route's shape implies (auth, validation, not found, rate limit). */
  errors?: readonly ErrorCode[];
  /** The route honours If-Match (412 when stale). */
  ifMatch?: boolean;
  /** The route answers with an ETag. */
  etag?: boolean;
  // Sync handlers (no I/O) may return the result directly; the pipeline awaits either.
  handler: (ctx: EndpointContext<SchemaOut<P>, SchemaOut<Q>, SchemaOut<B>>) => EndpointResult<DataIn<R>> | Promise<EndpointResult<DataIn<R>>>;
}
