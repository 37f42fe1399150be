/**
 * The live GraphQL subscriptions of one (tenant, field, key), cached in-process for a few seconds:
 * the real-time push looks them up for every event, and a Cosmos query per event (two requests:
 * the SDK fetches a query plan beside every query) was a sixth of the push's cost for a feature
 * most tenants do not use. The same rule as the webhook cache (webhooks/webhook-cache.ts): a
 * registration made through this instance invalidates its entry at once; another instance sees it
 * within SUBSCRIPTION_CACHE_MS. Expiry is checked again on every use, so a cached registration
 * never outlives its token.
 */
import { registerReset } from '../services';
import { findSubscriptions, type SubscriptionRecord } from './subscription-store';

export const SUBSCRIPTION_CACHE_MS = 5_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  at: number;
  value: Promise<SubscriptionRecord[]>;
}

const cache = new Map<string, Entry>();
const keyOf = (tenantId: string, field: string, key: string): string => `${tenantId}\n${field}\n${key}`;

/** The subscriptions of `field` listening to `key` that are live at `now` (concurrent callers share one lookup). */
export async function getLiveSubscriptions(tenantId: string, field: string, key: string, now = new Date()): Promise<SubscriptionRecord[]> {
  const k = keyOf(tenantId, field, key);
  let entry = cache.get(k);
  if (!entry || Date.now() - entry.at >= SUBSCRIPTION_CACHE_MS) {
    if (cache.size >= MAX_ENTRIES) cache.clear();
    const fresh: Entry = { at: Date.now(), value: findSubscriptions(tenantId, field, key, now) };
    fresh.value.catch(() => {
      if (cache.get(k) === fresh) cache.delete(k);
    });
    cache.set(k, fresh);
    entry = fresh;
  }
  const at = now.toISOString();
  return (await entry.value).filter((s) => s.expiresAt > at);
}

export function invalidateSubscriptions(tenantId: string, field: string, key: string): void {
  cache.delete(keyOf(tenantId, field, key));
}

registerReset(() => cache.clear());
