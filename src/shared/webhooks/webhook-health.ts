/**
 * How a webhook has been doing: when its current run of failures began, its last success and
 * failure. Kept in its own small item (container `webhookDeliveries`, id `hlth_<webhook id>`), so
 * delivery bookkeeping never races a client's edit of the subscription itself.
 * Successes are written at most once a minute per webhook and instance (they are frequent); a
 * failure reads the item and writes it. A run of failures counts as unbroken only while no
 * success is newer than its start, so instances never need to agree on in-memory state.
 */
import { asBody, batched, orThrow } from '../adapters/cosmos-batch';
import { registerReset } from '../services';

export interface WebhookHealth {
  id: string;
  kind: 'health';
  tenantId: string;
  webhookId: string;
  failingSince: string | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
}

const SUCCESS_WRITE_EVERY_MS = 60_000;
const lastSuccessWrite = new Map<string, number>();

const healthId = (webhookId: string): string => `hlth_${webhookId}`;

export async function readWebhookHealth(tenantId: string, webhookId: string): Promise<WebhookHealth> {
  const r = await batched('webhookDeliveries', tenantId, { operationType: 'Read', id: healthId(webhookId) });
  if (r.statusCode === 404) {
    return { id: healthId(webhookId), kind: 'health', tenantId, webhookId, failingSince: null, lastSuccessAt: null, lastFailureAt: null };
  }
  return orThrow(r, 'Webhook health').resourceBody as unknown as WebhookHealth;
}

export async function writeWebhookHealth(h: WebhookHealth): Promise<void> {
  orThrow(await batched('webhookDeliveries', h.tenantId, { operationType: 'Upsert', resourceBody: asBody(h) }), 'Webhook health');
}

/** The start of the current unbroken run of failures, or null. */
export function failingSince(h: WebhookHealth): string | null {
  if (h.failingSince === null) return null;
  if (h.lastSuccessAt !== null && Date.parse(h.lastSuccessAt) >= Date.parse(h.failingSince)) return null;
  return h.failingSince;
}

export async function recordSuccess(tenantId: string, webhookId: string, now: Date): Promise<void> {
  const last = lastSuccessWrite.get(webhookId);
  if (last !== undefined && now.getTime() - last < SUCCESS_WRITE_EVERY_MS) return;
  lastSuccessWrite.set(webhookId, now.getTime());
  if (lastSuccessWrite.size > 100_000) lastSuccessWrite.clear();
  const h = await readWebhookHealth(tenantId, webhookId);
  await writeWebhookHealth({ ...h, failingSince: null, lastSuccessAt: now.toISOString() });
}

/** Records a failure; returns the start of the unbroken run of failures it belongs to. */
export async function recordFailure(tenantId: string, webhookId: string, now: Date): Promise<string> {
  // The next success must be written, whatever the throttle says.
  lastSuccessWrite.delete(webhookId);
  const h = await readWebhookHealth(tenantId, webhookId);
  const since = failingSince(h) ?? now.toISOString();
  await writeWebhookHealth({ ...h, failingSince: since, lastFailureAt: now.toISOString() });
  return since;
}

registerReset(() => lastSuccessWrite.clear());
