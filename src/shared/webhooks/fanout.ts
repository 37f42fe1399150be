/**
 * The events-fanout consumer: an event from the `events` queue becomes one delivery message per
 * enabled subscription of the event's tenant whose filters match, plus one `realtime-push` message
 * (docs/realtime.md). It writes nothing: the
 * subscriptions come from a short in-process cache and each message carries the event, so the
 * cost of an event is its queue messages. Idempotent by event id: message ids and delivery ids
 * derive from event and webhook, so a second copy is dropped by the bus's duplicate detection or,
 * later, by the delivery's claim.
 */
import { matchesEventType, SELF_EXCLUDED_EVENT_TYPES } from '../core/event-filter';
import type { EventEnvelope } from '../core/events';
import type { Logger } from '../logger';
import { deliveryIdFor } from './delivery-store';
import { enqueueDelivery } from './deliver';
import { enqueuePush } from '../realtime/push';
import { getEnabledWebhooks } from './webhook-cache';
import type { WebhookRecord } from './webhook-store';

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

export async function fanOut(event: EventEnvelope, log: Logger): Promise<number> {
  const targets = (await getEnabledWebhooks(event.tenant_id)).filter((w) => subscribes(w, event));
  await Promise.all([
    ...targets.map((w) =>
      enqueueDelivery({ tenantId: event.tenant_id, deliveryId: deliveryIdFor(event.event_id, w.id), webhookId: w.id, event, attempt: 1, generation: 1 }),
    ),
    // The push has its own queue: Web PubSub being slow or down never holds a webhook back.
    enqueuePush(event),
  ]);
  log.debug('event fanned out', { event_id: event.event_id, event_type: event.event_type, deliveries: targets.length });
  return targets.length;
}
