/**
 * The live GraphQL subscriptions of one (tenant, field, key), cached in-process for a few seconds:
 * the real-time push looks them up for every event, and a Cosmos query per event (two requests:
 * the SDK fetches a query plan beside every query) was a sixth of the push's cost for a feature
 * most tenants do not use. The same rule as the webhook cache (webhooks/webhook-cache.ts): a
 * registration made through this instance invalidates its entry at once; another instance sees it
 * within SUBSCRIPTION_CACHE_MS. Expiry is checked again on every use, so a cached registration
 * never outlives its token.
 */
import { cachedLoad, TtlCache } from '../core/ttl-cache';
import { registerReset } from '../services';
import { findSubscriptions, type SubscriptionRecord } from './subscription-store';

export const SUBSCRIPTION_CACHE_MS = 5_000;

const cache = new TtlCache<Promise<SubscriptionRecord[]>>(SUBSCRIPTION_CACHE_MS, 10_000);
const keyOf = (tenantId: string, field: string, key: string): string => `${tenantId}\n${field}\n${key}`;

/** The subscriptions of `field` listening to `key` that are live at `now` (concurrent callers share one lookup). */
export async function getLiveSubscriptions(tenantId: string, field: string, key: string, now = new Date()): Promise<SubscriptionRecord[]> {
  const live = await cachedLoad(cache, keyOf(tenantId, field, key), () => findSubscriptions(tenantId, field, key, now));
  const at = now.toISOString();
  return live.filter((s) => s.expiresAt > at);
}

export function invalidateSubscriptions(tenantId: string, field: string, key: string): void {
  cache.delete(keyOf(tenantId, field, key));
}

registerReset(() => cache.clear());
