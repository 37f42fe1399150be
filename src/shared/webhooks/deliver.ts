/**
 * The webhook-deliver consumer: one attempt of one delivery per queue message.
 * Idempotent: a message for an attempt already made, an older generation (before a replay), or a
 * finished delivery is dropped; the record is updated only if unchanged since read (ETag), so two
 * copies of a message cannot both schedule a retry.
 * Failure => a NEW message scheduled at the next retry time (the retry schedule, jitter,
 * Retry-After). The last failure => the delivery is dead ("dead letter", replayable) and a
 * webhook.delivery_exhausted event goes to the tenant's other endpoints. An endpoint that has
 * failed every attempt for WEBHOOK_DISABLE_AFTER_DAYS is disabled (webhook.disabled event).
 */
import { getConfig } from '../config';
import type { WebhookPostResult } from '../adapters/webhook-http';
import { AppError } from '../core/errors';
import { makeEvent } from '../core/events';
import { nextRetry } from '../core/retry-schedule';
import type { Logger } from '../logger';
import { QUEUES } from '../ports';
import { publishEvent } from '../events/publisher';
import { getQueueSender } from '../events/queue-sender';
import {
  deliveryMessageId,
  findDelivery,
  replaceDeliveryIfUnchanged,
  writeAttemptLog,
  type DeliveryMessage,
  type DeliveryRecord,
} from './delivery-store';
import { sendEvent } from './send';
import { findWebhook, patchWebhook, replaceWebhook, type WebhookRecord } from './webhook-store';

/** Event types whose failed delivery does not raise another event (no cascades of failure news). */
const NO_EXHAUSTION_EVENT = new Set(['webhook.delivery_exhausted', 'webhook.disabled']);

export async function enqueueDelivery(message: DeliveryMessage, at?: Date): Promise<void> {
  await getQueueSender().send(QUEUES.webhookDeliveries, message, {
    messageId: deliveryMessageId(message),
    subject: 'webhook.delivery',
    applicationProperties: { tenantId: message.tenantId },
    ...(at ? { scheduledEnqueueTime: at } : {}),
  });
}

export function isDeliveryMessage(body: unknown): body is DeliveryMessage {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return (
    typeof b.tenantId === 'string' &&
    typeof b.deliveryId === 'string' &&
    Number.isInteger(b.attempt) &&
    (b.attempt as number) >= 1 &&
    Number.isInteger(b.generation)
  );
}

/** A claim older than this is taken to belong to a consumer that died mid-attempt. */
const claimTtlMs = (): number => getConfig().HTTP_TIMEOUT * 2_000 + 30_000;

export async function handleDeliveryMessage(message: DeliveryMessage, log: Logger, now: Date = new Date()): Promise<void> {
  const found = await findDelivery(message.tenantId, message.deliveryId);
  if (!found) {
    log.warn('delivery not found; message dropped', { delivery_id: message.deliveryId });
    return;
  }
  if (
    found.generation !== message.generation ||
    found.attempts >= message.attempt ||
    found.status === 'succeeded' ||
    found.status === 'dead' ||
    found.status === 'cancelled'
  ) {
    log.debug('duplicate or stale delivery message dropped', { delivery_id: found.id, attempt: message.attempt });
    return;
  }
  const webhook = await findWebhook(found.tenantId, found.webhookId);
  if (!webhook || !webhook.enabled) {
    await replaceDeliveryIfUnchanged({
      ...found,
      status: 'cancelled',
      nextAttemptAt: null,
      updatedAt: now.toISOString(),
      lastError: webhook ? 'WEBHOOK_DISABLED' : 'WEBHOOK_DELETED',
    });
    return;
  }
  // Claim the attempt before sending, so a second copy of this message does not POST as well.
  // A copy that finds a fresh claim fails and is redelivered later, when the attempt is done
  // (then dropped) or the claim has gone stale (its consumer died: then it sends).
  if (found.inFlightAttempt === message.attempt && found.inFlightSince && now.getTime() - Date.parse(found.inFlightSince) < claimTtlMs()) {
    throw new AppError('CONFLICT', 'This delivery attempt is in progress elsewhere.');
  }
  const delivery = await replaceDeliveryIfUnchanged({ ...found, inFlightAttempt: message.attempt, inFlightSince: now.toISOString() });
  if (!delivery) throw new AppError('CONFLICT', 'The delivery changed while being claimed.');

  const result = await sendEvent(webhook, delivery.event, now);
  const c = getConfig();
  await writeAttemptLog({
    tenantId: delivery.tenantId,
    webhookId: webhook.id,
    deliveryId: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    attempt: message.attempt,
    success: result.ok,
    statusCode: result.statusCode,
    durationMs: result.durationMs,
    error: result.errorCode ?? null,
    createdAt: new Date().toISOString(),
    ttl: c.WEBHOOK_LOG_RETENTION_DAYS * 86_400,
  });

  const updated: DeliveryRecord = {
    ...delivery,
    inFlightAttempt: null,
    inFlightSince: null,
    attempts: message.attempt,
    lastStatusCode: result.statusCode,
    lastError: result.errorCode ?? null,
    updatedAt: new Date().toISOString(),
  };
  if (result.ok) {
    await replaceDeliveryIfUnchanged({ ...updated, status: 'succeeded', nextAttemptAt: null });
    await noteSuccess(webhook, now);
    return;
  }

  const decision = nextRetry({ attempt: message.attempt, schedule: c.WEBHOOK_RETRY_SCHEDULE, retryAfterSeconds: result.retryAfterSeconds });
  if (!decision.exhausted) {
    const at = new Date(Date.now() + decision.delayMs);
    // Record first, then schedule: if another copy of this message got here first the record has
    // changed and this copy stops, so one attempt never schedules two retries.
    if (!(await replaceDeliveryIfUnchanged({ ...updated, status: 'retrying', nextAttemptAt: at.toISOString() }))) return;
    try {
      await enqueueDelivery({ ...message, attempt: message.attempt + 1 }, at);
    } catch (err) {
      // Put the attempt count back so the redelivered message (this one, abandoned) is not dropped.
      const again = await findDelivery(delivery.tenantId, delivery.id);
      if (again) await replaceDeliveryIfUnchanged({ ...again, attempts: message.attempt - 1, status: 'retrying' });
      throw err;
    }
  } else {
    if (!(await replaceDeliveryIfUnchanged({ ...updated, status: 'dead', nextAttemptAt: null, deadAt: now.toISOString() }))) return;
    log.warn('webhook delivery exhausted', { delivery_id: delivery.id, webhook_id: webhook.id, event_id: delivery.eventId });
    if (!NO_EXHAUSTION_EVENT.has(delivery.eventType)) {
      await publishEvent(
        makeEvent('webhook.delivery_exhausted', delivery.tenantId, {
          webhook_id: webhook.id,
          delivery_id: delivery.id,
          event_id: delivery.eventId,
          event_type: delivery.eventType,
          attempts: message.attempt,
          last_status_code: result.statusCode,
          last_error: result.errorCode ?? null,
        }),
      );
    }
  }
  await noteFailure(webhook, result, now, log);
}

async function noteSuccess(webhook: WebhookRecord, now: Date): Promise<void> {
  if (webhook.failingSince === null && webhook.lastSuccessAt !== null && now.getTime() - Date.parse(webhook.lastSuccessAt) < 60_000) return;
  await patchWebhook(webhook.tenantId, webhook.id, { failingSince: null, lastSuccessAt: now.toISOString() });
}

async function noteFailure(webhook: WebhookRecord, result: WebhookPostResult, now: Date, log: Logger): Promise<void> {
  if (webhook.failingSince === null) {
    await patchWebhook(webhook.tenantId, webhook.id, { failingSince: now.toISOString(), lastFailureAt: now.toISOString() });
    return;
  }
  const days = getConfig().WEBHOOK_DISABLE_AFTER_DAYS;
  if (now.getTime() - Date.parse(webhook.failingSince) < days * 86_400_000) {
    await patchWebhook(webhook.tenantId, webhook.id, { lastFailureAt: now.toISOString() });
    return;
  }
  try {
    await replaceWebhook(
      { ...webhook, enabled: false, disabledReason: 'failing', lastFailureAt: now.toISOString(), updatedAt: now.toISOString() },
      webhook._etag,
    );
  } catch {
    return; // changed meanwhile (re-enabled, edited, or disabled by a concurrent attempt)
  }
  log.warn('webhook disabled after failing', { webhook_id: webhook.id, failing_since: webhook.failingSince });
  await publishEvent(
    makeEvent('webhook.disabled', webhook.tenantId, {
      webhook_id: webhook.id,
      url: webhook.url,
      failing_since: webhook.failingSince,
      last_status_code: result.statusCode,
      last_error: result.errorCode ?? null,
    }),
  );
}
