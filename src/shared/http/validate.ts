import { z } from 'zod';
import { AppError, type ErrorDetail } from '../core/errors';

/** Makes object schemas reject unknown keys, so a typo in a field name is a 400, not silently ignored. */
export function strictSchema<S extends z.ZodType>(schema: S): S {
  return (schema instanceof z.ZodObject ? schema.strict() : schema) as S;
}

export function zodDetails(error: z.ZodError, root: string): ErrorDetail[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const field = path ? `${root}.${path}` : root;
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.map((k) => (path ? `${field}.${k}` : `${root}.${k}`)).join(', '), issue: 'unknown field' };
    }
    return { field, issue: issue.message };
  });
}

export function validate<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new AppError('VALIDATION_ERROR', `The request ${root} is not valid.`, { details: zodDetails(r.error, root) });
}

/** Query strings as a plain object; a repeated key becomes an array (schemas decide what they accept). */
export function queryObject(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const all = query.getAll(key);
    const [only] = all;
    out[key] = all.length === 1 && only !== undefined ? only : all;
  }
  return out;
}
