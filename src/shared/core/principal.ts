/** Who makes a request: the result of authentication, handed to every handler. */
export const SCOPES = [
  'spaces:read',
  'spaces:write',
  'documents:read',
  'documents:write',
  'queries:execute',
  'webhooks:manage',
  'keys:manage',
  'admin:all',
] as const;
export type Scope = (typeof SCOPES)[number];

export const TIERS = ['anonymous', 'free', 'basic', 'pro', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

export interface Principal {
  /** How the caller proved who it is. */
  kind: 'api_key' | 'jwt' | 'platform_admin' | 'anonymous';
  /** Tenant every read and write is scoped to ('' for anonymous and platform admin). */
  tenantId: string;
  /** Stable id of the credential's owner: the API key id, or the JWT `sub`. */
  subject: string;
  scopes: readonly Scope[];
  /** Undefined means "authenticated without a tier" (RATE_LIMIT_AUTHENTICATED applies). */
  tier?: Tier;
  /** The API key the request was made with (directly or via the JWT it was exchanged for). */
  keyId?: string;
}

export const ANONYMOUS: Principal = { kind: 'anonymous', tenantId: '', subject: 'anonymous', scopes: [], tier: 'anonymous' };

/** admin:all grants every scope of its tenant. */
export const hasScope = (p: Principal, scope: Scope): boolean => p.scopes.includes('admin:all') || p.scopes.includes(scope);
