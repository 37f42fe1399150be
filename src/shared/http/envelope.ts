import type { AppError } from '../core/errors';
import { isoNow } from '../core/iso-now';
import type { Pagination } from './types';

export interface Meta {
  request_id: string;
  timestamp: string;
}

export const meta = (requestId: string): Meta => ({ request_id: requestId, timestamp: isoNow() });

export function successBody(data: unknown, requestId: string, pagination?: Pagination): Record<string, unknown> {
  return pagination ? { data, pagination, meta: meta(requestId) } : { data, meta: meta(requestId) };
}

export function errorBody(err: AppError, requestId: string): Record<string, unknown> {
  return {
    error: { code: err.code, message: err.message, details: err.details, ...err.extra },
    meta: meta(requestId),
  };
}
