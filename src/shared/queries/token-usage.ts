/**
 * Model tokens per tenant per UTC day, and the daily budget (QUERY_DAILY_TOKEN_BUDGETS, by tier).
 * Stored in Cosmos beside the queries (container `queries`, partition /tenantId, one item per
 * tenant and day: id `usage_YYYY-MM-DD`, type `token-usage`), so a budget check is one point read
 * and the count is as durable as the answers it bills. A finished query adds its tokens with a
 * server-side patch increment, after its conditional finishing write: exactly one delivery of a
 * query gets to add them.
 */
import { cosmosCall, getContainer } from '../adapters/cosmos';
import { getConfig } from '../config';
import { AppError, isAppError } from '../core/errors';
import type { Tier } from '../core/principal';
import type { QueryUsage } from './query-records';

export interface TokenUsageDay {
  id: string;
  type: 'token-usage';
  tenantId: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Answers that used the model that day. */
  queries: number;
}

const WHAT = 'Token usage';

export const utcDay = (now = new Date()): string => now.toISOString().slice(0, 10);
export const usageId = (day: string): string => `usage_${day}`;

/** Whole seconds until the next UTC midnight (at least 1). */
export function secondsToNextUtcDay(now = new Date()): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

/** The daily token budget of a tier (undefined: no budget). A key without a tier counts as free. */
export function dailyTokenBudget(tier: Tier | undefined): number | undefined {
  return getConfig().QUERY_DAILY_TOKEN_BUDGETS[tier ?? 'free'];
}

export async function readTokenUsage(tenantId: string, day: string): Promise<TokenUsageDay | undefined> {
  const c = await getContainer('queries');
  const { resource } = await cosmosCall(() => c.item(usageId(day), tenantId).read<TokenUsageDay>(), WHAT);
  return resource && resource.type === 'token-usage' && resource.tenantId === tenantId ? resource : undefined;
}

export async function tokensUsed(tenantId: string, day: string): Promise<number> {
  return (await readTokenUsage(tenantId, day))?.totalTokens ?? 0;
}

/** Adds a query's tokens to its tenant's day (creating the day's item on first use). */
export async function addTokenUsage(tenantId: string, day: string, usage: QueryUsage): Promise<void> {
  const c = await getContainer('queries');
  const total = usage.prompt_tokens + usage.completion_tokens;
  const patch = () =>
    cosmosCall(
      () =>
        c.item(usageId(day), tenantId).patch([
          { op: 'incr', path: '/promptTokens', value: usage.prompt_tokens },
          { op: 'incr', path: '/completionTokens', value: usage.completion_tokens },
          { op: 'incr', path: '/totalTokens', value: total },
          { op: 'incr', path: '/queries', value: 1 },
        ]),
      WHAT,
    );
  try {
    await patch();
    return;
  } catch (e) {
    if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e;
  }
  const first: TokenUsageDay = {
    id: usageId(day),
    type: 'token-usage',
    tenantId,
    day,
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    totalTokens: total,
    queries: 1,
  };
  try {
    await cosmosCall(() => c.items.create(first), WHAT);
  } catch (e) {
    // Another answer created the day's item first: add to it.
    if (isAppError(e) && e.code === 'CONFLICT') await patch();
    else throw e;
  }
}

/** Refuses a new model-answered query when the tenant's budget for today is spent (429 QUOTA_EXCEEDED). */
export async function checkTokenBudget(tenantId: string, budget: number | undefined, now = new Date()): Promise<void> {
  if (budget === undefined) return;
  const used = await tokensUsed(tenantId, utcDay(now));
  if (used < budget) return;
  const retryAfter = secondsToNextUtcDay(now);
  throw new AppError('QUOTA_EXCEEDED', `The daily token budget of this tenant (${budget} tokens) is spent; it renews at 00:00 UTC.`, {
    extra: { retry_after: retryAfter, budget, used },
    headers: { 'Retry-After': String(retryAfter) },
  });
}
