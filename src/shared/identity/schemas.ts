/** Request and response schemas of the identity endpoints (the pipeline makes request objects strict). */
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

const instant = z.iso.datetime({ offset: true });

/** An API key as the API shows it (never its secret): apiKeyView's return type. */
export const apiKeyDto = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    scopes: z.array(z.enum(SCOPES)),
    prefix: z.string(),
    status: z.enum(['active', 'expired', 'revoked']),
    created_at: instant,
    expires_at: instant.nullable(),
    revoked_at: instant.nullable(),
    last_used_at: instant.nullable(),
    rotated_from: z.string().nullable(),
    rotated_to: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyDto = z.output<typeof apiKeyDto>;

/** A key with its secret: shown once, on create (and on the first read of a successor minted by the timer). */
export const apiKeyWithSecretDto = apiKeyDto
  .extend({ key: z.string().meta({ description: 'The key itself; shown once, store it now.' }) })
  .meta({ id: 'ApiKeyWithSecret' });

/** GET /api-keys/{id}: the key, with its secret only on the first read of a successor minted by the timer. */
export const apiKeyReadDto = apiKeyDto.extend({ key: z.string().optional() }).meta({ id: 'ApiKeyRead' });

export const rotatedApiKeyDto = apiKeyWithSecretDto
  .extend({ grace_period_days: z.number().int().min(0), old_key_expires_at: instant.nullable() })
  .meta({ id: 'RotatedApiKey' });

export const tenantDto = z
  .object({
    id: z.string().regex(TENANT_ID_PATTERN),
    name: z.string(),
    tier: z.enum(TIERS),
    disabled: z.boolean(),
    created_at: instant,
    updated_at: instant,
  })
  .meta({ id: 'Tenant' });
export type TenantDto = z.output<typeof tenantDto>;

export const createdTenantDto = z.object({ tenant: tenantDto, api_key: apiKeyWithSecretDto }).meta({ id: 'CreatedTenant' });

export const tokenPairDto = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().min(1),
  })
  .meta({ id: 'TokenPair' });

export const whoamiDto = z
  .object({
    kind: z.enum(['api_key', 'jwt', 'platform_admin', 'anonymous']),
    tenant_id: z.string(),
    key_id: z.string().nullable(),
    tier: z.enum(TIERS).nullable(),
    scopes: z.array(z.enum(SCOPES)),
  })
  .meta({ id: 'Whoami' });
