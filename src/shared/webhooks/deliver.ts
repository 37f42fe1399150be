/**
 * The webhook-deliver consumer: one attempt of one delivery per queue message.
 *
 * Claim, send, record. The attempt first claims the delivery record (the first attempt creates
 * it; later ones replace it, conditional on its ETag), so a second copy of the message (a
 * re-published event, a redelivery) finds the claim and never POSTs twice: it is dropped when
 * the attempt is done; while the claim holds, the copy is completed and a NEW message is scheduled
 * for just after the claim expires (it then finds the attempt done and is dropped, or, if the
 * claimer died, takes over the stale claim and sends). Throwing instead would have the bus
 * redeliver the copy at once, up to its max delivery count, and dead-letter it long before a
 * claim (HTTP_TIMEOUT x 2 + 30 s) that outlives the 60 s message lock expires: the delivery would
 * stay "in flight" forever. The result is written with the attempt log in one group-committed batch.
 * Failure => a NEW message scheduled at the next retry time (schedule, jitter, Retry-After). The
 * last failure => the delivery is dead (the dead-letter store, replayable) and a
 * webhook.delivery_exhausted event goes to the tenant's other endpoints. An endpoint failing every
 * attempt for WEBHOOK_DISABLE_AFTER_DAYS is disabled (webhook.disabled event).
 */
import { getConfig } from '../config';
import type { WebhookPostResult } from '../adapters/webhook-http';
import { AppError } from '../core/errors';
import { makeEvent } from '../core/events';
import { nextRetry } from '../core/retry-schedule';
import type { Logger } from '../logger';
import { METRIC, metrics } from '../metrics';
import { QUEUES } from '../ports';
import { publishEvent } from '../events/publisher';
import { getQueueSender } from '../events/queue-sender';
import {
  claimRecheckMessageId,
  createDelivery,
  deliveryMessageId,
  findDelivery,
  newDelivery,
  replaceDeliveryIfUnchanged,
  writeAttemptLog,
  type DeliveryMessage,
  type DeliveryRecord,
} from './delivery-store';
import { sendEvent } from './send';
import { getEnabledWebhooks, invalidateWebhooks } from './webhook-cache';
import { recordFailure, recordSuccess } from './webhook-health';
import { findWebhook, replaceWebhook, type WebhookRecord } from './webhook-store';

/** Event types whose failed delivery does not raise another event (no cascades of failure news). */
const NO_EXHAUSTION_EVENT = new Set(['webhook.delivery_exhausted', 'webhook.disabled']);

export async function enqueueDelivery(message: DeliveryMessage, at?: Date, messageId: string = deliveryMessageId(message)): Promise<void> {
  await getQueueSender().send(QUEUES.webhookDeliveries, message, {
    messageId,
    subject: 'webhook.delivery',
    applicationProperties: { tenantId: message.tenantId },
    ...(at ? { scheduledEnqueueTime: at } : {}),
  });
}

export function isDeliveryMessage(body: unknown): body is DeliveryMessage {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  const e = b.event as Record<string, unknown> | null | undefined;
  return (
    typeof b.tenantId === 'string' &&
    typeof b.deliveryId === 'string' &&
    typeof b.webhookId === 'string' &&
    typeof e === 'object' &&
    e !== null &&
    typeof e.event_id === 'string' &&
    e.tenant_id === b.tenantId &&
    Number.isInteger(b.attempt) &&
    (b.attempt as number) >= 1 &&
    Number.isInteger(b.generation)
  );
}

/** A claim older than this belongs to a consumer that died mid-attempt (a live one has finished by then). */
const claimTtlMs = (): number => getConfig().HTTP_TIMEOUT * 2_000 + 30_000;

/** Past a claim's expiry before its re-check runs, for clock skew between instances. */
const RECHECK_MARGIN_MS = 2_000;

const busy = (): AppError => new AppError('CONFLICT', 'This delivery attempt is in progress elsewhere; retry later.');

type Claim =
  | { kind: 'claimed'; record: DeliveryRecord }
  /** Nothing to do: done already, or superseded by a replay. */
  | { kind: 'skip' }
  /** Another consumer holds a live claim on this attempt, taken at `since`. */
  | { kind: 'busy'; since: string };

async function claim(message: DeliveryMessage, now: Date): Promise<Claim> {
  const claimFields = { inFlightAttempt: message.attempt, inFlightSince: now.toISOString(), updatedAt: now.toISOString() };
  if (message.attempt === 1) {
    const created = await createDelivery({ ...newDelivery(message, now), ...claimFields });
    if (created) return { kind: 'claimed', record: created };
  }
  const found = await findDelivery(message.tenantId, message.deliveryId);
  if (!found) {
    if (message.attempt === 1) throw busy(); // created and deleted meanwhile: look again later
    return { kind: 'skip' };
  }
  const finished = found.status === 'succeeded' || found.status === 'dead' || found.status === 'cancelled';
  if (found.generation > message.generation || (found.generation === message.generation && (finished || found.attempts >= message.attempt))) {
    return { kind: 'skip' };
  }
  if (found.inFlightAttempt !== null && found.inFlightSince && now.getTime() - Date.parse(found.inFlightSince) < claimTtlMs()) {
    return { kind: 'busy', since: found.inFlightSince };
  }
  const claimed = await replaceDeliveryIfUnchanged({ ...found, generation: message.generation, ...claimFields });
  // Lost a race for the claim just now: the redelivery (a moment later) finds the winner's claim.
  if (!claimed) throw busy();
  return { kind: 'claimed', record: claimed };
}

async function webhookFor(message: DeliveryMessage): Promise<WebhookRecord | undefined> {
  const cached = (await getEnabledWebhooks(message.tenantId)).find((w) => w.id === message.webhookId);
  if (cached) return cached;
  // Not in this instance's cache: created, re-enabled or deleted moments ago. Ask the store.
  const fresh = await findWebhook(message.tenantId, message.webhookId);
  return fresh?.enabled ? fresh : undefined;
}

export async function handleDeliveryMessage(message: DeliveryMessage, log: Logger, now: Date = new Date()): Promise<void> {
  const claimed = await claim(message, now);
  if (claimed.kind === 'skip') {
    log.debug('duplicate or superseded delivery message dropped', { delivery_id: message.deliveryId, attempt: message.attempt });
    return;
  }
  if (claimed.kind === 'busy') {
    // Same payload, new id; if this send fails the throw abandons the message, which comes back.
    const at = new Date(Date.parse(claimed.since) + claimTtlMs() + RECHECK_MARGIN_MS);
    await enqueueDelivery(message, at, claimRecheckMessageId(message, claimed.since));
    log.info('delivery attempt claimed elsewhere; looking again when the claim expires', {
      delivery_id: message.deliveryId,
      attempt: message.attempt,
      recheck_at: at.toISOString(),
    });
    return;
  }
  const delivery = claimed.record;
  const webhook = await webhookFor(message);
  if (!webhook) {
    await replaceDeliveryIfUnchanged({
      ...delivery,
      status: 'cancelled',
      inFlightAttempt: null,
      inFlightSince: null,
      nextAttemptAt: null,
      lastError: 'WEBHOOK_DISABLED_OR_DELETED',
      updatedAt: now.toISOString(),
    });
    return;
  }

  const result = await sendEvent(webhook, message.event, now);
  const c = getConfig();
  const done = new Date();
  const updated: DeliveryRecord = {
    ...delivery,
    inFlightAttempt: null,
    inFlightSince: null,
    attempts: message.attempt,
    lastStatusCode: result.statusCode,
    lastError: result.errorCode ?? null,
    updatedAt: done.toISOString(),
  };
  const decision = result.ok
    ? undefined
    : nextRetry({ attempt: message.attempt, schedule: c.WEBHOOK_RETRY_SCHEDULE, retryAfterSeconds: result.retryAfterSeconds });
  const retryAt = decision && !decision.exhausted ? new Date(done.getTime() + decision.delayMs) : undefined;
  const next: DeliveryRecord = result.ok
    ? { ...updated, status: 'succeeded', nextAttemptAt: null }
    : retryAt
      ? { ...updated, status: 'retrying', nextAttemptAt: retryAt.toISOString() }
      : { ...updated, status: 'dead', nextAttemptAt: null, deadAt: done.toISOString() };

  // Record and log go out in the same batch.
  const [stored] = await Promise.all([
    replaceDeliveryIfUnchanged(next),
    writeAttemptLog({
      tenantId: message.tenantId,
      webhookId: webhook.id,
      deliveryId: delivery.id,
      eventId: message.event.event_id,
      eventType: message.event.event_type,
      attempt: message.attempt,
      success: result.ok,
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      error: result.errorCode ?? null,
      createdAt: done.toISOString(),
      ttl: c.WEBHOOK_LOG_RETENTION_DAYS * 86_400,
    }),
  ]);
  if (!stored) return; // our claim was taken over (we were too slow): the new claimer carries on

  // One count per attempt: success, failure (a retry is scheduled) or exhausted (the last one failed).
  metrics().count(METRIC.webhookDelivery, { outcome: result.ok ? 'success' : retryAt ? 'failure' : 'exhausted', event_type: message.event.event_type });
  if (result.ok) {
    await recordSuccess(webhook.tenantId, webhook.id, done);
    return;
  }
  if (retryAt) {
    try {
      await enqueueDelivery({ ...message, attempt: message.attempt + 1 }, retryAt);
    } catch (err) {
      // Undo the attempt count so this message, redelivered, makes the attempt again.
      await replaceDeliveryIfUnchanged({ ...stored, attempts: message.attempt - 1 });
      throw err;
    }
  } else {
    log.warn('webhook delivery exhausted', { delivery_id: delivery.id, webhook_id: webhook.id, event_id: message.event.event_id });
    if (!NO_EXHAUSTION_EVENT.has(message.event.event_type)) {
      await publishEvent(
        makeEvent('webhook.delivery_exhausted', message.tenantId, {
          webhook_id: webhook.id,
          delivery_id: delivery.id,
          event_id: message.event.event_id,
          event_type: message.event.event_type,
          attempts: message.attempt,
          last_status_code: result.statusCode,
          last_error: result.errorCode ?? null,
        }),
      );
    }
  }
  await disableIfFailingTooLong(webhook, await recordFailure(webhook.tenantId, webhook.id, done), result, done, log);
}

async function disableIfFailingTooLong(webhook: WebhookRecord, since: string, result: WebhookPostResult, now: Date, log: Logger): Promise<void> {
  if (now.getTime() - Date.parse(since) < getConfig().WEBHOOK_DISABLE_AFTER_DAYS * 86_400_000) return;
  const current = await findWebhook(webhook.tenantId, webhook.id);
  if (!current?.enabled) return;
  try {
    await replaceWebhook({ ...current, enabled: false, disabledReason: 'failing', updatedAt: now.toISOString() }, current._etag);
  } catch {
    return; // changed meanwhile (edited, or disabled by a concurrent attempt)
  }
  invalidateWebhooks(webhook.tenantId);
  log.warn('webhook disabled after failing', { webhook_id: webhook.id, failing_since: since });
  await publishEvent(
    makeEvent('webhook.disabled', webhook.tenantId, {
      webhook_id: webhook.id,
      url: webhook.url,
      failing_since: since,
      last_status_code: result.statusCode,
      last_error: result.errorCode ?? null,
    }),
  );
}
