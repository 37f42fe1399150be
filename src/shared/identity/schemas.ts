/** Request schemas of the identity endpoints (the pipeline makes objects strict). */
import { z } from 'zod';
import { SCOPES, TIERS } from '../core/principal';
import { pageQuery } from '../http/pagination';
import { TENANT_ID_PATTERN } from './tenants';

const MAX_KEY_LIFETIME_MS = 5 * 366 * 86_400_000;

export const listQuery = pageQuery;

export const keyIdParams = z.object({ id: z.string().min(1).max(64) });
/** Only ids a tenant can have: anything else (e.g. '#', '/' that Cosmos refuses in ids) never reaches the store. */
export const tenantIdParams = z.object({
  id: z.string().regex(TENANT_ID_PATTERN, 'must be 1-64 of a-z, 0-9, _ and -, starting with a letter or digit'),
});

export const scopesSchema = z
  .array(z.enum(SCOPES))
  .min(1)
  .max(SCOPES.length)
  .refine((s) => new Set(s).size === s.length, { message: 'must not repeat a scope' });

export const createKeyBody = z.object({
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(500).optional(),
  scopes: scopesSchema,
  expires_at: z.iso
    .datetime({ offset: true })
    .refine((v) => Date.parse(v) > Date.now(), { message: 'must be in the future' })
    .refine((v) => Date.parse(v) < Date.now() + MAX_KEY_LIFETIME_MS, { message: 'must be within 5 years' })
    .optional(),
});

export const rotateKeyBody = z.object({
  grace_period_days: z.number().int().min(0).max(90).optional(),
});

export const refreshBody = z.object({ refresh_token: z.string().min(1).max(256) });

/** Tenants get a paying tier; 'anonymous' is only for callers without a credential. */
export const tenantTier = z.enum(TIERS.filter((t) => t !== 'anonymous') as ['free', 'basic', 'pro', 'enterprise']);

export const createTenantBody = z.object({
  id: z.string().regex(TENANT_ID_PATTERN, 'must be 1-64 of a-z, 0-9, _ and -, starting with a letter or digit').optional(),
  name: z.string().trim().min(1).max(200),
  tier: tenantTier.default('free'),
});

export const updateTenantBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    tier: tenantTier.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'must change at least one of name, tier, disabled' });
