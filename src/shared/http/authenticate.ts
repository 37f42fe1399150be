/**
 * PLACEHOLDER until the identity work lands (issue 3 replaces this file): public endpoints get the
 * anonymous principal; every other endpoint is refused, so nothing is reachable without real auth.
 */
import type { HttpRequest } from '@azure/functions';
import { ANONYMOUS, type Principal } from '../core/principal';
import { unauthenticated } from '../core/errors';
import type { RateLimitResult } from '../ports';
import type { EndpointAuth } from './types';

export async function authenticate(_request: HttpRequest, auth: EndpointAuth): Promise<Principal> {
  if (auth === 'public') return ANONYMOUS;
  throw unauthenticated();
}

export async function rateLimit(_principal: Principal): Promise<RateLimitResult | null> {
  return null;
}
