/**
 * Access tokens (JWT, HS256 via jose) and opaque refresh tokens.
 * Every verification failure becomes AppError UNAUTHENTICATED with one generic message, so a
 * caller cannot tell an expired token from a forged one (jose's own error codes stay internal).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { unauthenticated } from './errors';
import { SCOPES, TIERS, type Scope, type Tier } from './principal';

export interface TokenSettings {
  secret: string;
  /** The secret before the last rotation: still accepted for verification (never used to sign) during the rotation window. */
  previousSecret?: string;
  issuer: string;
  audience: string;
  expiresInMinutes: number;
  /** Seconds of clock skew tolerated on exp/nbf/iat. */
  clockToleranceSeconds?: number;
}

export interface AccessTokenSubject {
  /** The API key id the token was exchanged from. */
  sub: string;
  tenantId: string;
  tier?: Tier;
  scopes: readonly Scope[];
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  /** Seconds until expiry (the `expires_in` of the token response). */
  expiresIn: number;
  expiresAt: Date;
}

export interface VerifiedAccessToken {
  sub: string;
  tenantId: string;
  tier?: Tier;
  scopes: Scope[];
  jti: string;
  expiresAt: Date;
}

const DEFAULT_CLOCK_TOLERANCE_S = 30;
const encoder = new TextEncoder();

/** The claims we require beyond what jwtVerify checks (iss, aud, exp, nbf). */
const claimsSchema = z.object({
  sub: z.string().min(1).max(128),
  tenant_id: z.string().min(1).max(128),
  tier: z.enum(TIERS).optional(),
  scopes: z.array(z.enum(SCOPES)).max(SCOPES.length),
  jti: z.string().min(1).max(128),
  exp: z.number(),
  iat: z.number(),
});

export async function issueAccessToken(settings: TokenSettings, subject: AccessTokenSubject, now: Date = new Date()): Promise<IssuedAccessToken> {
  const jti = randomUUID();
  const iat = Math.floor(now.getTime() / 1000);
  const expiresIn = settings.expiresInMinutes * 60;
  const payload: Record<string, unknown> = { tenant_id: subject.tenantId, scopes: [...subject.scopes] };
  if (subject.tier !== undefined) payload.tier = subject.tier;
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject.sub)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setJti(jti)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + expiresIn)
    .sign(encoder.encode(settings.secret));
  return { token, jti, expiresIn, expiresAt: new Date((iat + expiresIn) * 1000) };
}

/** Verifies signature (HS256 only), iss, aud, exp, nbf and the claims; throws UNAUTHENTICATED. */
export async function verifyAccessToken(settings: TokenSettings, token: string, now: Date = new Date()): Promise<VerifiedAccessToken> {
  const verifyWith = (secret: string) =>
    jwtVerify(token, encoder.encode(secret), {
      algorithms: ['HS256'],
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: settings.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_S,
      currentDate: now,
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
    });
  let payload: unknown;
  try {
    try {
      ({ payload } = await verifyWith(settings.secret));
    } catch (e) {
      // Only a bad signature falls back to the previous secret: an expired or foreign token stays refused.
      if (!(e instanceof joseErrors.JWSSignatureVerificationFailed) || !settings.previousSecret) throw e;
      ({ payload } = await verifyWith(settings.previousSecret));
    }
  } catch (e) {
    if (e instanceof joseErrors.JOSEError || e instanceof TypeError) throw unauthenticated('The bearer token is not valid.');
    throw e;
  }
  const r = claimsSchema.safeParse(payload);
  if (!r.success) throw unauthenticated('The bearer token is not valid.');
  const c = r.data;
  // jose checks iat only against a maxTokenAge; a token "issued" in the future is not one we minted.
  if (c.iat > now.getTime() / 1000 + (settings.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_S)) {
    throw unauthenticated('The bearer token is not valid.');
  }
  return {
    sub: c.sub,
    tenantId: c.tenant_id,
    ...(c.tier !== undefined ? { tier: c.tier } : {}),
    scopes: c.scopes,
    jti: c.jti,
    expiresAt: new Date(c.exp * 1000),
  };
}

export const REFRESH_TOKEN_PREFIX = 'eva_rt_';
const REFRESH_TOKEN_PATTERN = /^eva_rt_[A-Za-z0-9_-]{43}$/;

/** An opaque refresh token: 32 random bytes; stored only hashed (see hashSecret in api-key.ts). */
export function newRefreshToken(): string {
  return REFRESH_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function isWellFormedRefreshToken(token: string): boolean {
  return REFRESH_TOKEN_PATTERN.test(token);
}

/** All refresh tokens descending from one token exchange share a family id; reuse revokes the family. */
export function newTokenFamilyId(): string {
  return `fam_${randomBytes(12).toString('hex')}`;
}
