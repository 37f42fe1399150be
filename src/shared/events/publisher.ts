/**
 * Publishing events, through the outbox. THE API every feature calls after a change:
 *
 *   import { publishEvent } from '../shared/events/publisher';
 *   await publishEvent(makeEvent('space.created', tenantId, { ...space }, space.id));
 *
 * publishEvent stores the event in the outbox (partition = tenant) and returns: the outbox write
 * is what makes the event durable. Sending it to the `events` queue (message id = event id, so
 * Service Bus drops a second publish) and marking it sent run in the background, off the caller's
 * latency (two round trips). A bus outage, or an instance stopped mid-dispatch, leaves the event
 * pending and the outbox-relay timer re-publishes it. Consumers are idempotent by event id.
 * whenEventsDispatched() waits for background dispatches (tests, shutdown, resetServices).
 */
import { getConfig } from '../config';
import type { EventEnvelope } from '../core/events';
import { QUEUES, type EventPublisher } from '../ports';
import { getLogger, onServicesDrain } from '../services';
import { listStaleOutboxItems, markOutboxSent, newOutboxItem, noteRelayAttempt, writeOutboxItem, type OutboxItem } from './outbox-store';
import { getQueueSender } from './queue-sender';

/** Sends an event to the events queue (no outbox). */
export async function sendToEventsQueue(event: EventEnvelope, traceparent?: string): Promise<void> {
  await getQueueSender().send(QUEUES.events, event, {
    messageId: event.event_id,
    subject: event.event_type,
    applicationProperties: { tenantId: event.tenant_id },
    ...(traceparent ? { traceparent } : {}),
  });
}

async function recordOutboxItem(event: EventEnvelope): Promise<OutboxItem> {
  const item = newOutboxItem(event, getConfig().WEBHOOK_LOG_RETENTION_DAYS);
  await writeOutboxItem(item);
  return item;
}

/** Step 1 alone: stores the event as pending (the relay publishes it if nothing else does). */
export async function recordEvent(event: EventEnvelope): Promise<void> {
  await recordOutboxItem(event);
}

/** Step 2 alone: publishes a recorded event and marks it sent. Never throws for a bus outage. */
export async function dispatchEvent(item: OutboxItem): Promise<boolean> {
  const event = item.event;
  try {
    await sendToEventsQueue(event, item.traceparent);
  } catch (err) {
    getLogger().warn('event publish failed; the outbox relay will retry', {
      event_id: event.event_id,
      event_type: event.event_type,
      error: err instanceof Error ? err.message : String(err),
    });
    return false;
  }
  try {
    await markOutboxSent(item);
  } catch (err) {
    // Published but not marked: the relay publishes it again and consumers drop the duplicate.
    getLogger().warn('event published but not marked sent', { event_id: event.event_id, error: String(err) });
  }
  return true;
}

const inFlight = new Set<Promise<void>>();

/** Runs dispatchEvent without blocking the caller; any failure is logged, never unhandled. */
function dispatchInBackground(item: OutboxItem): void {
  const done: Promise<void> = dispatchEvent(item)
    .then(
      () => undefined,
      (err: unknown) => {
        getLogger().error('background event dispatch failed; the outbox relay will retry', { event_id: item.id, error: String(err) });
      },
    )
    .catch(() => undefined)
    .finally(() => inFlight.delete(done));
  inFlight.add(done);
}

/** Resolves when no background dispatch is in flight (including ones started while waiting). */
export async function whenEventsDispatched(): Promise<void> {
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}

/** Background dispatches still running (tests settle until this is 0). */
export function eventDispatchesInFlight(): number {
  return inFlight.size;
}

// Clients must not be closed under a running dispatch.
onServicesDrain(whenEventsDispatched);

/**
 * Records the event (awaited) and dispatches it in the background. Throws only when the event
 * could be neither stored nor sent.
 */
export async function publishEvent(event: EventEnvelope): Promise<void> {
  let item: OutboxItem;
  try {
    item = await recordOutboxItem(event);
  } catch (err) {
    // No outbox: publishing directly is the best left; if that fails too the caller must know.
    getLogger().error('outbox write failed; publishing directly', { event_id: event.event_id, error: String(err) });
    await sendToEventsQueue(event);
    return;
  }
  dispatchInBackground(item);
}

const publisher: EventPublisher = { publish: publishEvent };

/** The EventPublisher port, for code that takes its dependencies as interfaces. */
export function getEventPublisher(): EventPublisher {
  return publisher;
}

/** Relay attempts after which a pending event is left for an operator (logged as an error). */
export const MAX_RELAY_ATTEMPTS = 50;
const RELAY_BATCH = 500;

/** Re-publishes outbox events left pending past OUTBOX_STALE_SECONDS (the outbox-relay timer). */
export async function relayOutbox(now: Date = new Date()): Promise<{ found: number; republished: number }> {
  const cutoff = new Date(now.getTime() - getConfig().OUTBOX_STALE_SECONDS * 1_000);
  const stale = await listStaleOutboxItems(cutoff, RELAY_BATCH, MAX_RELAY_ATTEMPTS);
  let republished = 0;
  for (const item of stale) {
    const noted = await noteRelayAttempt(item).catch(() => item);
    if (await dispatchEvent(noted)) republished++;
    else if (noted.relayAttempts >= MAX_RELAY_ATTEMPTS) {
      // The last try: the sweep skips it from now on (logged once, for an operator).
      getLogger().error('outbox event cannot be published', { event_id: item.id, tenant_id: item.tenantId });
    }
  }
  return { found: stale.length, republished };
}
