/** CORS from CORS_ORIGINS: exact origin matches only; unknown origins get no CORS headers at all. */
export const CORS_METHODS = 'GET, POST, PUT, DELETE, PATCH';
export const CORS_ALLOWED_HEADERS = 'Authorization, Content-Type, X-API-Key, If-Match, X-Request-Id';
export const CORS_EXPOSED_HEADERS = 'X-Request-Id, ETag, Location, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset';
export const CORS_MAX_AGE_SECONDS = 600;

export function corsHeaders(origin: string | null, allowed: readonly string[]): Record<string, string> {
  if (!origin || !allowed.includes(origin)) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS,
    Vary: 'Origin',
  };
}

export function preflightHeaders(origin: string | null, allowed: readonly string[]): Record<string, string> {
  const base = corsHeaders(origin, allowed);
  if (Object.keys(base).length === 0) return { Vary: 'Origin' };
  return {
    ...base,
    'Access-Control-Allow-Methods': CORS_METHODS,
    'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS,
    'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
  };
}
