/**
 * Authentication and rate limiting for the endpoint pipeline.
 * - 'public': anonymous.
 * - 'platform_admin': X-API-Key must equal PLATFORM_ADMIN_API_KEY (constant time); without that
 *   setting the routes do not exist (404).
 * - { scopes }: X-API-Key (one cached point read) or Authorization: Bearer <JWT>; 401 for a missing,
 *   malformed, expired, tampered or revoked credential or a disabled tenant; 403 for a missing scope.
 */
import type { HttpRequest } from '@azure/functions';
import { getConfig } from '../config';
import { constantTimeEqual, isWellFormedApiKey } from '../core/api-key';
import { forbidden, notFound, unauthenticated } from '../core/errors';
import { ANONYMOUS, hasScope, type Principal } from '../core/principal';
import { isUnlimited, policyFor, rateLimitKey } from '../core/rate-limit-policy';
import type { RateLimitResult } from '../ports';
import { authenticateApiKey } from '../identity/api-keys';
import { authenticateBearer } from '../identity/auth-tokens';
import { getRateLimiter } from '../identity/rate-limiting';
import type { EndpointAuth } from './types';

const PLATFORM_ADMIN: Principal = { kind: 'platform_admin', tenantId: '', subject: 'platform_admin', scopes: [] };
/** Longer credentials are refused before any work (bounds hashing and JWT parsing of hostile input). */
const MAX_CREDENTIAL_LENGTH = 4096;

/** The API key the request presents, format-checked (the bootstrap key may have any format). */
export function presentedApiKey(request: HttpRequest): string | undefined {
  const key = request.headers.get('x-api-key');
  if (key === null) return undefined;
  if (isWellFormedApiKey(key)) return key;
  const bootstrap = getConfig().BOOTSTRAP_API_KEY;
  if (bootstrap && getConfig().ENVIRONMENT !== 'production' && constantTimeEqual(key, bootstrap)) return key;
  throw unauthenticated('The API key is not valid.');
}

async function credentialPrincipal(request: HttpRequest): Promise<Principal> {
  const key = presentedApiKey(request);
  if (key !== undefined) return authenticateApiKey(key);
  const authorization = request.headers.get('authorization');
  if (authorization === null) throw unauthenticated();
  const m = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(authorization.trim());
  const token = m?.[1];
  if (token === undefined || token.length > MAX_CREDENTIAL_LENGTH) throw unauthenticated('The Authorization header must be "Bearer <token>".');
  return authenticateBearer(token);
}

export async function authenticate(request: HttpRequest, auth: EndpointAuth): Promise<Principal> {
  if (auth === 'public') return ANONYMOUS;
  if (auth === 'platform_admin') {
    const adminKey = getConfig().PLATFORM_ADMIN_API_KEY;
    if (!adminKey) throw notFound('Route');
    const key = request.headers.get('x-api-key');
    if (key === null || key.length > MAX_CREDENTIAL_LENGTH || !constantTimeEqual(key, adminKey)) {
      throw unauthenticated('The platform admin key is required.');
    }
    return PLATFORM_ADMIN;
  }
  const principal = await credentialPrincipal(request);
  const missing = auth.scopes.filter((s) => !hasScope(principal, s));
  if (missing.length > 0) throw forbidden(`The credential lacks the scope ${missing.join(', ')}.`);
  return principal;
}

/**
 * The caller's address for anonymous limits. The Functions front end appends the address it saw to
 * X-Forwarded-For, so only the LAST entry is trustworthy: earlier ones are whatever the client sent,
 * and keying on them would let a client pick a fresh counter per request. "ip:port" loses its port.
 */
export function clientAddress(request?: HttpRequest): string {
  const forwarded = request?.headers.get('x-forwarded-for');
  const last = forwarded?.split(',').pop()?.trim();
  if (!last) return 'unknown';
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(last);
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::\d+)?$/.exec(last);
  return (v4?.[1] ?? v6?.[1] ?? last).slice(0, 64);
}

/**
 * Charges one request (or `weight` requests: a costly GraphQL operation) to the principal's
 * counter. Null when rate limiting is off, for the platform admin, and for unlimited tiers (no
 * headers then).
 */
export async function rateLimit(principal: Principal, request?: HttpRequest, weight = 1): Promise<RateLimitResult | null> {
  const c = getConfig();
  if (!c.RATE_LIMIT_ENABLED || principal.kind === 'platform_admin') return null;
  const policy = policyFor(principal, c);
  if (isUnlimited(policy)) return null;
  return getRateLimiter().check(rateLimitKey(principal, clientAddress(request)), policy, weight);
}
