/**
 * Webhook subscriptions: the operations behind /api/v1/webhooks. Every operation is scoped to
 * the caller's tenant; another tenant's webhook is NOT_FOUND.
 */
import { getConfig } from '../config';
import { resolveHost } from '../adapters/dns';
import { makeEvent } from '../core/events';
import { resolveWebhookTarget } from '../core/ssrf';
import type { Page } from '../adapters/cosmos';
import { listAttemptLogs, writeAttemptLog, type AttemptLog } from './delivery-store';
import type { WebhookBody } from './schemas';
import { rotateSecrets } from './secrets';
import { sendEvent, webhookTargetPolicy } from './send';
import { generateWebhookSecret } from '../core/webhook-signing';
import { checkIfMatch } from '../http/conditional';
import { invalidateWebhooks } from './webhook-cache';
import { readWebhookHealth, writeWebhookHealth, type WebhookHealth } from './webhook-health';
import { deleteWebhook, getWebhook, insertWebhook, listWebhooksPage, newWebhookId, replaceWebhook, type WebhookRecord } from './webhook-store';

/** The SSRF guard at creation and update (delivery checks again: DNS can change). */
async function checkUrl(url: string): Promise<string> {
  const target = await resolveWebhookTarget(url, webhookTargetPolicy(), resolveHost);
  return target.url.href;
}

export async function createWebhook(tenantId: string, body: WebhookBody, now: Date = new Date()): Promise<{ record: WebhookRecord; secret: string }> {
  const url = await checkUrl(body.url);
  const secret = generateWebhookSecret();
  const at = now.toISOString();
  const enabled = body.enabled ?? true;
  const record = await insertWebhook({
    id: newWebhookId(),
    tenantId,
    url,
    eventTypes: body.event_types,
    description: body.description ?? null,
    enabled,
    disabledReason: enabled ? null : 'manual',
    secrets: [{ secret, createdAt: at, expiresAt: null }],
    createdAt: at,
    updatedAt: at,
  });
  invalidateWebhooks(tenantId);
  return { record, secret };
}

export async function updateWebhook(tenantId: string, id: string, body: WebhookBody, ifMatch: string | null, now: Date = new Date()): Promise<WebhookRecord> {
  const current = await getWebhook(tenantId, id);
  checkIfMatch(ifMatch, current._etag);
  const url = body.url === current.url ? current.url : await checkUrl(body.url);
  const enabled = body.enabled ?? true;
  const updated = await replaceWebhook(
    {
      ...current,
      url,
      eventTypes: body.event_types,
      description: body.description ?? null,
      enabled,
      disabledReason: enabled ? null : current.enabled ? 'manual' : current.disabledReason,
      updatedAt: now.toISOString(),
    },
    current._etag,
  );
  if (enabled && !current.enabled) {
    // Re-enabling starts the failure clock afresh.
    const h = await readWebhookHealth(tenantId, id);
    if (h.failingSince !== null) await writeWebhookHealth({ ...h, failingSince: null });
  }
  invalidateWebhooks(tenantId);
  return updated;
}

export async function removeWebhook(tenantId: string, id: string, ifMatch: string | null): Promise<void> {
  const current = await getWebhook(tenantId, id);
  checkIfMatch(ifMatch, current._etag);
  await deleteWebhook(tenantId, id, current._etag);
  invalidateWebhooks(tenantId);
}

export const listWebhooks = listWebhooksPage;

export async function getWebhookWithHealth(tenantId: string, id: string): Promise<{ record: WebhookRecord; health: WebhookHealth }> {
  const record = await getWebhook(tenantId, id);
  return { record, health: await readWebhookHealth(tenantId, id) };
}

export async function rotateWebhookSecret(
  tenantId: string,
  id: string,
  now: Date = new Date(),
): Promise<{ record: WebhookRecord; secret: string; previousSecretExpiresAt: string | null }> {
  const current = await getWebhook(tenantId, id);
  const overlap = getConfig().WEBHOOK_SECRET_OVERLAP_HOURS;
  const { secrets, secret } = rotateSecrets(current.secrets, now, overlap);
  const record = await replaceWebhook({ ...current, secrets, updatedAt: now.toISOString() }, current._etag);
  invalidateWebhooks(tenantId);
  const previous = secrets[1];
  return { record, secret, previousSecretExpiresAt: previous?.expiresAt ?? null };
}

export async function listWebhookLogs(tenantId: string, id: string, limit: number, cursor: string | undefined): Promise<Page<AttemptLog>> {
  await getWebhook(tenantId, id);
  const since = new Date(Date.now() - getConfig().WEBHOOK_LOG_RETENTION_DAYS * 86_400_000);
  return listAttemptLogs(tenantId, id, since, limit, cursor);
}

/** Sends a webhook.test event now (also to a disabled webhook: a way to check it before re-enabling). */
export async function sendTestEvent(tenantId: string, id: string): Promise<AttemptLog> {
  const webhook = await getWebhook(tenantId, id);
  const event = makeEvent('webhook.test', tenantId, { webhook_id: webhook.id, message: 'This is a test event.' });
  const result = await sendEvent(webhook, event);
  return writeAttemptLog({
    tenantId,
    webhookId: webhook.id,
    deliveryId: null,
    eventId: event.event_id,
    eventType: event.event_type,
    attempt: 1,
    success: result.ok,
    statusCode: result.statusCode,
    durationMs: result.durationMs,
    error: result.errorCode ?? null,
    createdAt: new Date().toISOString(),
    ttl: getConfig().WEBHOOK_LOG_RETENTION_DAYS * 86_400,
  });
}
