/**
 * The fixed parts of the OpenAPI description: the envelopes, one error response per status (its
 * code pinned, an example beside it), the shared headers and parameters, the security schemes.
 * openapi.ts refers to them by $ref so each is written once.
 */
import type { ErrorCode } from '../core/errors';
import { SCOPES } from '../core/principal';
import { ERROR_STATUS } from './error-status';

export type Json = Record<string, unknown>;

export const ref = (kind: 'schemas' | 'responses' | 'headers' | 'parameters', name: string): Json => ({ $ref: `#/components/${kind}/${name}` });

const REQUEST_ID_EXAMPLE = 'req_4f1c2a9e8b7d4c3fa1e2d3c4b5a69788';
const TIMESTAMP_EXAMPLE = '2026-01-15T09:30:00.000Z';

const metaSchema: Json = {
  type: 'object',
  required: ['request_id', 'timestamp'],
  properties: {
    request_id: { type: 'string', description: 'The X-Request-Id of this request.' },
    timestamp: { type: 'string', format: 'date-time' },
  },
  additionalProperties: false,
  examples: [{ request_id: REQUEST_ID_EXAMPLE, timestamp: TIMESTAMP_EXAMPLE }],
};

const paginationSchema: Json = {
  type: 'object',
  required: ['cursor', 'has_next'],
  description: 'Cursor pagination: pass `cursor` back as ?cursor= for the next page; null when there is none.',
  properties: { cursor: { type: ['string', 'null'] }, has_next: { type: 'boolean' } },
  additionalProperties: false,
  examples: [{ cursor: 'eyJjb250aW51YXRpb24iOiIuLi4ifQ', has_next: true }],
};

/** The error envelope of one status, its `code` pinned. `code` is stable (branch on it); `message` is for people. */
function errorEnvelopeSchema(code: Json, description: string): Json {
  return {
    type: 'object',
    required: ['error', 'meta'],
    description,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message', 'details'],
        properties: {
          code,
          message: { type: 'string', description: 'For people; may change. Branch on `code`.' },
          details: {
            type: 'array',
            description: 'Per-field problems (validation); empty otherwise.',
            items: {
              type: 'object',
              required: ['field', 'issue'],
              properties: { field: { type: 'string' }, issue: { type: 'string' } },
              additionalProperties: false,
            },
          },
          retry_after: { type: 'integer', minimum: 0, description: 'Seconds to wait (RATE_LIMIT_EXCEEDED, QUOTA_EXCEEDED).' },
          budget: { type: 'integer', minimum: 0, description: 'The daily model-token budget (QUOTA_EXCEEDED).' },
          used: { type: 'integer', minimum: 0, description: 'Tokens used today (QUOTA_EXCEEDED).' },
          timeout_ms: { type: 'integer', minimum: 0, description: 'How long the body had to arrive (REQUEST_TIMEOUT).' },
          max_bytes: { type: 'integer', minimum: 0, description: 'The size limit (PAYLOAD_TOO_LARGE).' },
          allowed_types: { type: 'array', items: { type: 'string' }, description: 'Accepted media types (UNSUPPORTED_MEDIA_TYPE on uploads).' },
          reason: { type: 'string', description: 'Why a file was refused (uploads).' },
          detected_type: { type: 'string', description: 'The media type the bytes look like (uploads).' },
        },
        additionalProperties: false,
      },
      meta: ref('schemas', 'Meta'),
    },
    additionalProperties: false,
  };
}

/** The components.responses name, description and example message of each error code. */
// METHOD_NOT_ALLOWED and HEADERS_TOO_LARGE come from the HTTP server before any route runs.
const ERROR_RESPONSES: Record<Exclude<ErrorCode, 'METHOD_NOT_ALLOWED' | 'HEADERS_TOO_LARGE'>, { name: string; description: string; message: string }> = {
  VALIDATION_ERROR: { name: 'ValidationError', description: 'The request is malformed: `details` names each bad field.', message: 'The request is invalid.' },
  UNAUTHENTICATED: { name: 'Unauthenticated', description: 'No valid X-API-Key or Bearer token.', message: 'A valid API key or bearer token is required.' },
  FORBIDDEN: { name: 'Forbidden', description: 'The credential lacks a scope the operation needs.', message: 'This credential lacks the scope spaces:write.' },
  NOT_FOUND: { name: 'NotFound', description: 'No such resource for this tenant (another tenant’s is a 404 too).', message: 'Space not found.' },
  CONFLICT: {
    name: 'Conflict',
    description: 'The change conflicts with the current state (a duplicate name, a key already rotated…).',
    message: 'A space with this name already exists.',
  },
  PRECONDITION_FAILED: {
    name: 'PreconditionFailed',
    description: 'If-Match does not match the current ETag: read again, then retry.',
    message: 'The resource has changed; read it again.',
  },
  REQUEST_TIMEOUT: {
    name: 'RequestTimeout',
    description: 'The body did not arrive in time (a stalled or slow upload); nothing was stored.',
    message: 'The request body did not arrive in time.',
  },
  PAYLOAD_TOO_LARGE: { name: 'PayloadTooLarge', description: 'The body exceeds the limit (`max_bytes`).', message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: {
    name: 'UnsupportedMediaType',
    description: 'The body’s media type is not accepted.',
    message: 'The request body must be application/json.',
  },
  RATE_LIMIT_EXCEEDED: {
    name: 'RateLimitExceeded',
    description: 'Too many requests for the tier: wait Retry-After seconds.',
    message: 'Rate limit exceeded; retry later.',
  },
  QUOTA_EXCEEDED: {
    name: 'QuotaExceeded',
    description: 'The tenant’s daily model-token budget is spent: Retry-After points at the next UTC day.',
    message: 'The daily token budget is spent.',
  },
  INTERNAL: {
    name: 'Internal',
    description: 'An unexpected failure; quote X-Request-Id. Never carries internal detail.',
    message: 'An internal error occurred.',
  },
  DEPENDENCY_UNAVAILABLE: {
    name: 'DependencyUnavailable',
    description: 'A backing service (database, storage, bus, model) is unavailable; retry later.',
    message: 'A dependency is unavailable; retry later.',
  },
};

/** The components.responses entry for an error status, or undefined for a status no code maps to. */
export function errorResponseName(status: number): string | undefined {
  const code = (Object.keys(ERROR_RESPONSES) as (keyof typeof ERROR_RESPONSES)[]).find((c) => ERROR_STATUS[c] === status);
  return code && ERROR_RESPONSES[code].name;
}

const stringHeader = (description: string, schema: Json = { type: 'string' }, required = false): Json => ({ description, required, schema });

const headers: Record<string, Json> = {
  XRequestId: stringHeader(
    'The request id (the client’s own when well-formed); quote it in support requests.',
    { type: 'string', examples: [REQUEST_ID_EXAMPLE] },
    true,
  ),
  ETag: stringHeader('The version of the resource; send it back in If-Match to update or delete it.', {
    type: 'string',
    examples: ['"0000a1b2-0000-0d00-0000-65a4f0c10000"'],
  }),
  Location: stringHeader('The URL of what was created (or, on a 302, where to fetch it).', { type: 'string', format: 'uri-reference' }),
  RateLimitLimit: stringHeader('Requests allowed per window for this caller (absent when unlimited).', { type: 'integer', minimum: 0 }),
  RateLimitRemaining: stringHeader('Requests left in the window.', { type: 'integer', minimum: 0 }),
  RateLimitReset: stringHeader('When the window is full again, in epoch seconds.', { type: 'integer', minimum: 0 }),
  RetryAfter: stringHeader('Seconds to wait before retrying.', { type: 'integer', minimum: 0 }, true),
};

export const RATE_LIMIT_HEADERS: Json = {
  'X-RateLimit-Limit': ref('headers', 'RateLimitLimit'),
  'X-RateLimit-Remaining': ref('headers', 'RateLimitRemaining'),
  'X-RateLimit-Reset': ref('headers', 'RateLimitReset'),
};

/**
 * One response per status. Where several codes share a status (429: RATE_LIMIT_EXCEEDED and
 * QUOTA_EXCEEDED) the response is named for the first and its `code` is the enum of them all.
 */
function errorComponents(): { responses: Record<string, Json>; schemas: Record<string, Json> } {
  const out: Record<string, Json> = {};
  const schemas: Record<string, Json> = {};
  const entries = Object.entries(ERROR_RESPONSES) as [ErrorCode, (typeof ERROR_RESPONSES)[keyof typeof ERROR_RESPONSES]][];
  const statuses = [...new Set(entries.map(([c]) => ERROR_STATUS[c]))];
  for (const status of statuses) {
    const group = entries.filter(([c]) => ERROR_STATUS[c] === status);
    const [code, r] = group[0]!;
    const codes = group.map(([c]) => c);
    const extra: Json = status === 429 ? { retry_after: 120 } : code === 'PAYLOAD_TOO_LARGE' ? { max_bytes: 10485760 } : {};
    const details = code === 'VALIDATION_ERROR' ? [{ field: 'body.name', issue: 'Too small: expected string to have >=1 characters' }] : [];
    const responseHeaders: Json = { 'X-Request-Id': ref('headers', 'XRequestId') };
    if (status === 429) Object.assign(responseHeaders, { 'Retry-After': ref('headers', 'RetryAfter') }, RATE_LIMIT_HEADERS);
    schemas[`${r.name}Error`] = errorEnvelopeSchema(codes.length === 1 ? { const: code } : { type: 'string', enum: codes }, `The ${codes.join(' or ')} error.`);
    out[r.name] = {
      description: group.map(([c, g]) => `${c}: ${g.description}`).join(' '),
      headers: responseHeaders,
      content: {
        'application/json': {
          schema: ref('schemas', `${r.name}Error`),
          example: { error: { code, message: r.message, details, ...extra }, meta: { request_id: REQUEST_ID_EXAMPLE, timestamp: TIMESTAMP_EXAMPLE } },
        },
      },
    };
  }
  return { responses: out, schemas };
}

const parameters: Record<string, Json> = {
  RequestId: {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description: 'Your own request id, kept when it is 8–128 characters of letters, digits and ._:- (else one is made up).',
    schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$' },
  },
  IfMatch: {
    name: 'If-Match',
    in: 'header',
    required: false,
    description: 'The ETag you last read: the change is made only if the resource is still that version (else 412).',
    schema: { type: 'string' },
  },
};

const scopeList = SCOPES.map((s) => `\`${s}\``).join(', ');

export const SECURITY_SCHEMES: Json = {
  apiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: `A tenant API key (POST /v1/api-keys). Each operation lists the scopes it needs; \`admin:all\` grants every scope. Scopes: ${scopeList}.`,
  },
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from POST /v1/auth/token (HS256; claims sub, tenant_id, tier, scopes). Same scopes as the API key it came from.',
  },
  platformAdmin: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'The PLATFORM_ADMIN_API_KEY (tenant onboarding). Where it is unset, these routes answer 404.',
  },
};

export function fixedComponents(): {
  schemas: Record<string, unknown>;
  responses: Record<string, Json>;
  headers: Record<string, Json>;
  parameters: Record<string, Json>;
} {
  const errors = errorComponents();
  return {
    schemas: { Meta: metaSchema, Pagination: paginationSchema, ...errors.schemas },
    responses: errors.responses,
    headers,
    parameters,
  };
}

export const EXAMPLE_META = { request_id: REQUEST_ID_EXAMPLE, timestamp: TIMESTAMP_EXAMPLE };
