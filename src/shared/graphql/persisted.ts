/**
 * Persisted operations, Apollo APQ style: a request may carry
 * `extensions.persistedQuery: { version: 1, sha256Hash }` instead of (or beside) `query`.
 * - hash only: the operation is looked up in the manifest, then in this instance's APQ cache;
 *   unknown → PERSISTED_QUERY_NOT_FOUND, and the client resends with the query text.
 * - hash + query: the hash must match the text; the text is cached (not with GRAPHQL_PERSISTED_ONLY).
 * With GRAPHQL_PERSISTED_ONLY=true only manifest operations run: nothing can be registered.
 */
import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { getConfig } from '../config';
import { PERSISTED_OPERATIONS } from './persisted-manifest';

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

const manifest = new Map(PERSISTED_OPERATIONS.map((q) => [sha256Hex(q), q]));
/** APQ registrations of this instance (bounded; oldest dropped first). */
const cache = new Map<string, string>();
const CACHE_MAX = 1_000;

const fail = (message: string, code: string): never => {
  throw new GraphQLError(message, { extensions: { code } });
};

function persistedHash(extensions: unknown): string | undefined {
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  const pq = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (pq === undefined) return undefined;
  const p = pq as { version?: unknown; sha256Hash?: unknown };
  if (typeof pq !== 'object' || pq === null || p.version !== 1 || typeof p.sha256Hash !== 'string' || !/^[0-9a-f]{64}$/.test(p.sha256Hash)) {
    return fail('extensions.persistedQuery must be { version: 1, sha256Hash: <64 hex digits> }.', 'VALIDATION_ERROR');
  }
  return p.sha256Hash;
}

/** The operation text to run, or a GraphQLError (code VALIDATION_ERROR, PERSISTED_QUERY_NOT_FOUND, FORBIDDEN). */
export function resolveOperation(query: unknown, extensions: unknown): string | undefined {
  const hash = persistedHash(extensions);
  const only = getConfig().GRAPHQL_PERSISTED_ONLY;
  const text = typeof query === 'string' && query !== '' ? query : undefined;
  if (hash === undefined) {
    if (only && text !== undefined) fail('Only persisted operations are allowed: send extensions.persistedQuery.sha256Hash.', 'FORBIDDEN');
    return text;
  }
  if (text !== undefined) {
    if (sha256Hex(text) !== hash) fail('The sha256Hash does not match the query.', 'VALIDATION_ERROR');
    if (only && !manifest.has(hash)) fail('This operation is not in the persisted manifest.', 'FORBIDDEN');
    if (!manifest.has(hash)) {
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
      cache.set(hash, text);
    }
    return text;
  }
  const known = manifest.get(hash) ?? (only ? undefined : cache.get(hash));
  return known ?? fail('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND');
}
