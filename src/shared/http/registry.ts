/**
 * The route registry: endpoint() records here every HTTP route it registers, with what it needs,
 * what it takes and what it answers. The OpenAPI description, the every-route sweep test and the
 * contract tests are all built from it, so none of them can forget a route.
 */
import type { z } from 'zod';
import type { ErrorCode } from '../core/errors';
import type { EndpointAuth, HttpMethod } from './types';

export interface RouteEntry {
  name: string;
  /** Functions syntax under /api: 'v1/spaces/{id}'. */
  route: string;
  methods: readonly HttpMethod[];
  auth: EndpointAuth;
  summary?: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  bodyMode: 'json' | 'stream' | 'none';
  /** The schema of `data` in the success envelope; null: no body (204) or a raw reply (see `raw`). */
  response: z.ZodType | null;
  /** A reply that bypasses the envelope (file downloads): its media type and description. */
  raw?: { contentType: string; description: string };
  /** A 200 the route can also answer as a stream (e.g. text/event-stream with ?stream=true), besides its JSON. */
  stream?: { contentType: string; description: string };
  /** The success statuses, first is the usual one. */
  successStatus: readonly number[];
  paginated: boolean;
  rateLimited: boolean;
  /** Every error status the route can return (from its shape plus what it declares). */
  errorStatus: readonly number[];
  /** Error codes beyond what the shape implies (409, 412…), declared by the endpoint. */
  errors: readonly ErrorCode[];
  /** Reads If-Match (optimistic concurrency). */
  ifMatch: boolean;
  /** Answers with an ETag header. */
  etag: boolean;
}

const routes: RouteEntry[] = [];

export function recordRoute(entry: RouteEntry): void {
  routes.push(entry);
}

/** Every route registered in this process so far, in registration order. */
export function registeredRoutes(): readonly RouteEntry[] {
  return routes;
}
