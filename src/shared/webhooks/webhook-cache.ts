/**
 * The tenant's webhooks, cached in-process for a few seconds: fan-out and delivery read them for
 * every event, and one query per event would dominate the cost of delivering it. Changes made
 * through this instance invalidate the tenant's entry at once; another instance sees a change
 * within WEBHOOK_CACHE_MS (a rotated secret is not a problem: the old one keeps signing).
 */
import { cachedLoad, TtlCache } from '../core/ttl-cache';
import { registerReset } from '../services';
import { listEnabledWebhooks, type WebhookRecord } from './webhook-store';

export const WEBHOOK_CACHE_MS = 5_000;

const cache = new TtlCache<Promise<WebhookRecord[]>>(WEBHOOK_CACHE_MS, 10_000);

/** The tenant's enabled webhooks (concurrent callers share one load). */
export function getEnabledWebhooks(tenantId: string): Promise<WebhookRecord[]> {
  return cachedLoad(cache, tenantId, () => listEnabledWebhooks(tenantId));
}

export function invalidateWebhooks(tenantId: string): void {
  cache.delete(tenantId);
}

registerReset(() => cache.clear());
