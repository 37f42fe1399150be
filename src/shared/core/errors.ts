/**
 * Stable error codes. Core and adapters throw AppError with one of these codes;
 * the HTTP layer (src/shared/http/error-status.ts) is the one place that maps a code
 * to a status. Messages are meant for API clients: never put SDK text or secrets in them.
 */
export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'REQUEST_TIMEOUT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMIT_EXCEEDED',
  /** A tenant's daily model-token budget is spent (429, Retry-After at the next UTC day). */
  'QUOTA_EXCEEDED',
  'HEADERS_TOO_LARGE',
  'DEPENDENCY_UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetail {
  field: string;
  issue: string;
}

export interface AppErrorOptions {
  details?: ErrorDetail[];
  /** Extra members placed in the error body beside code/message (e.g. retry_after). */
  extra?: Record<string, unknown>;
  /** Extra response headers (e.g. Retry-After). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details ?? [];
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export const validationError = (details: ErrorDetail[], message = 'The request is not valid.'): AppError =>
  new AppError('VALIDATION_ERROR', message, { details });

export const notFound = (what = 'Resource'): AppError => new AppError('NOT_FOUND', `${what} not found.`);

export const unauthenticated = (message = 'A valid API key or bearer token is required.'): AppError =>
  new AppError('UNAUTHENTICATED', message, { headers: { 'WWW-Authenticate': 'Bearer' } });

export const forbidden = (message = 'The credential lacks a required scope.'): AppError => new AppError('FORBIDDEN', message);

export const conflict = (message: string): AppError => new AppError('CONFLICT', message);

export const preconditionFailed = (message = 'The resource has changed (If-Match does not match).'): AppError => new AppError('PRECONDITION_FAILED', message);

export const dependencyUnavailable = (service: string, cause?: unknown): AppError =>
  new AppError('DEPENDENCY_UNAVAILABLE', `A dependency (${service}) is unavailable; retry later.`, { cause });
