/**
 * The events-fanout consumer: an event from the `events` queue becomes one delivery (record +
 * queue message) per enabled subscription of the event's tenant whose filters match.
 * Idempotent by event id: the delivery id is derived from event and webhook, so a second copy of
 * the event (a relay re-publish, a redelivered message) finds its deliveries already made and
 * only re-sends a message for one that never got its first attempt.
 */
import { getConfig } from '../config';
import { matchesEventType, SELF_EXCLUDED_EVENT_TYPES } from '../core/event-filter';
import type { EventEnvelope } from '../core/events';
import { saveEvent } from '../events/event-store';
import type { Logger } from '../logger';
import { createOrGetDelivery, newDelivery } from './delivery-store';
import { enqueueDelivery } from './deliver';
import { listEnabledWebhooks, type WebhookRecord } from './webhook-store';

export function isEventEnvelope(body: unknown): body is EventEnvelope {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return (
    typeof b.event_id === 'string' &&
    typeof b.event_type === 'string' &&
    typeof b.tenant_id === 'string' &&
    b.tenant_id !== '' &&
    typeof b.timestamp === 'string' &&
    typeof b.data === 'object' &&
    b.data !== null
  );
}

/** Does this subscription receive this event? */
export function subscribes(webhook: WebhookRecord, event: EventEnvelope): boolean {
  if (!webhook.enabled || webhook.tenantId !== event.tenant_id) return false;
  if (SELF_EXCLUDED_EVENT_TYPES.has(event.event_type) && event.data.webhook_id === webhook.id) return false;
  return matchesEventType(webhook.eventTypes, event.event_type);
}

export async function fanOut(event: EventEnvelope, log: Logger, now: Date = new Date()): Promise<number> {
  const c = getConfig();
  const [webhooks] = await Promise.all([listEnabledWebhooks(event.tenant_id), saveEvent(event, c.WEBHOOK_LOG_RETENTION_DAYS)]);
  const targets = webhooks.filter((w) => subscribes(w, event));
  let enqueued = 0;
  await Promise.all(
    targets.map(async (w) => {
      const { record, created } = await createOrGetDelivery(newDelivery(event, w.id, now));
      // An existing delivery still waiting for its first attempt may have lost its message
      // (a crash between record and send): send it again; the consumer drops duplicates.
      if (!created && !(record.status === 'pending' && record.attempts === 0)) return;
      await enqueueDelivery({ tenantId: record.tenantId, deliveryId: record.id, attempt: 1, generation: record.generation });
      enqueued++;
    }),
  );
  log.debug('event fanned out', { event_id: event.event_id, event_type: event.event_type, deliveries: enqueued });
  return enqueued;
}
