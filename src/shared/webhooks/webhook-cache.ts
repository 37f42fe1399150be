/**
 * The tenant's webhooks, cached in-process for a few seconds: fan-out and delivery read them for
 * every event, and one query per event would dominate the cost of delivering it. Changes made
 * through this instance invalidate the tenant's entry at once; another instance sees a change
 * within WEBHOOK_CACHE_MS (a rotated secret is not a problem: the old one keeps signing).
 */
import { registerReset } from '../services';
import { listEnabledWebhooks, type WebhookRecord } from './webhook-store';

export const WEBHOOK_CACHE_MS = 5_000;
const MAX_TENANTS = 10_000;

interface Entry {
  at: number;
  value: Promise<WebhookRecord[]>;
}

const cache = new Map<string, Entry>();

/** The tenant's enabled webhooks (concurrent callers share one load). */
export function getEnabledWebhooks(tenantId: string): Promise<WebhookRecord[]> {
  const hit = cache.get(tenantId);
  if (hit && Date.now() - hit.at < WEBHOOK_CACHE_MS) return hit.value;
  if (cache.size >= MAX_TENANTS) cache.clear();
  const value = listEnabledWebhooks(tenantId);
  const entry = { at: Date.now(), value };
  cache.set(tenantId, entry);
  value.catch(() => {
    if (cache.get(tenantId) === entry) cache.delete(tenantId);
  });
  return value;
}

export function invalidateWebhooks(tenantId: string): void {
  cache.delete(tenantId);
}

registerReset(() => cache.clear());
