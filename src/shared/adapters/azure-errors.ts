/**
 * Maps errors thrown by the Azure SDKs (Cosmos, Storage) to AppError with a stable code.
 * The SDK error is kept only as `cause` (for logs); its message never reaches a client.
 */
import { AppError, dependencyUnavailable, isAppError } from '../core/errors';

/** Network-level failures: the service could not be reached or the connection broke. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'REQUEST_SEND_ERROR',
  'TimeoutError',
]);

/** The HTTP status an SDK error carries, if any (Cosmos: numeric `code`; core-rest-pipeline: `statusCode`). */
export function sdkStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  if (typeof e.code === 'number') return e.code;
  return undefined;
}

/** A network-level error code found on the error or its causes (ECONNREFUSED, ...). */
export function networkCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { code?: unknown; name?: unknown; errors?: unknown; cause?: unknown };
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return e.code;
    if (e.name === 'TimeoutError') return 'TimeoutError';
    // Node's happy-eyeballs connect failures are AggregateErrors of per-address errors.
    if (Array.isArray(e.errors) && e.errors.length > 0) {
      const inner = networkCode(e.errors[0]);
      if (inner) return inner;
    }
    current = e.cause;
  }
  return undefined;
}

export function isAbortError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

/**
 * @param service shown in the DEPENDENCY_UNAVAILABLE message ("Cosmos DB", "Blob Storage")
 * @param what the resource named in NOT_FOUND / CONFLICT messages ("Space", "Document")
 */
export function mapAzureError(err: unknown, service: string, what = 'Resource'): AppError {
  if (isAppError(err)) return err;
  const status = sdkStatus(err);
  switch (status) {
    case 404:
      return new AppError('NOT_FOUND', `${what} not found.`, { cause: err });
    case 409:
      return new AppError('CONFLICT', `${what} already exists.`, { cause: err });
    case 412:
      return new AppError('PRECONDITION_FAILED', 'The resource has changed (If-Match does not match).', { cause: err });
    case 413:
      return new AppError('PAYLOAD_TOO_LARGE', `${what} is too large to store.`, { cause: err });
    case 401:
    case 403:
    case 408:
    case 429:
    case 449:
    case 500:
    case 502:
    case 503:
    case 504:
      return dependencyUnavailable(service, err);
    default:
      break;
  }
  if (status === undefined && (networkCode(err) !== undefined || isAbortError(err))) {
    return dependencyUnavailable(service, err);
  }
  // Anything else (a 400 for a malformed query, an unexpected exception) is our bug, not the client's.
  return new AppError('INTERNAL', 'An internal error occurred.', { cause: err });
}
