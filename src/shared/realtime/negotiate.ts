/** Negotiate: which groups a principal may join, and a client access URL for exactly those. */
import { z } from 'zod';
import { getConfig } from '../config';
import type { Principal } from '../core/principal';
import { spaceGroup, tenantGroup } from '../core/realtime-groups';
import { SPACE_ID_PATTERN } from '../spaces/space-records';
import { getSpace } from '../spaces/spaces';
import { getRealtimeNegotiator } from './realtime';

/** More spaces than this in one negotiate is refused (the token carries one role per group). */
export const MAX_NEGOTIATE_SPACES = 50;

const spaceId = z.string().regex(SPACE_ID_PATTERN, 'is not a valid space id');
export const negotiateQuery = z.object({
  space_id: z
    .union([spaceId, z.array(spaceId)])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? [...new Set(v)] : [v]))
    .refine((v) => v.length <= MAX_NEGOTIATE_SPACES, { message: `at most ${MAX_NEGOTIATE_SPACES} spaces` }),
});

/** The negotiate answer (response schema of GET /v1/realtime/negotiate). */
export const negotiateDto = z.object({ url: z.string(), groups: z.array(z.string()), expires_in: z.number().int() }).meta({ id: 'RealtimeNegotiation' });

export interface NegotiateResult {
  url: string;
  groups: string[];
  expires_in: number;
}

export async function negotiate(principal: Principal, spaceIds: readonly string[]): Promise<NegotiateResult> {
  // Every space must be the caller's: another tenant's space is 404, as everywhere else.
  await Promise.all(spaceIds.map((id) => getSpace(principal.tenantId, id)));
  const groups = [tenantGroup(principal.tenantId), ...spaceIds.map(spaceGroup)];
  const access = await getRealtimeNegotiator().clientAccess(principal.subject, groups, getConfig().REALTIME_TOKEN_MINUTES);
  return { url: access.url, groups, expires_in: access.expiresInSeconds };
}
