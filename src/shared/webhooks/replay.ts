/**
 * Replay: re-sends a webhook's failed deliveries (dead-lettered or cancelled), or every event of
 * a time range (from the outbox, which keeps events for the log retention period), bounded by
 * WEBHOOK_REPLAY_MAX. A replayed delivery keeps its id and event (the receiver sees the same
 * webhook-id) and starts a new generation of attempts; messages of an older generation are ignored.
 */
import { getConfig } from '../config';
import { conflict } from '../core/errors';
import type { EventEnvelope } from '../core/events';
import { listOutboxEvents } from '../events/outbox-store';
import { deliveryIdFor, findDelivery, listDeliveries, replaceDeliveryIfUnchanged, type DeliveryRecord } from './delivery-store';
import { enqueueDelivery } from './deliver';
import { subscribes } from './fanout';
import type { ReplayBody } from './schemas';
import { getWebhook } from './webhook-store';

export interface ReplayResult {
  replayed: number;
  /** More matched than WEBHOOK_REPLAY_MAX: replay again from the last event's time. */
  truncated: boolean;
  status: 'failed' | 'all';
  since: string;
  until: string;
}

const IN_PROGRESS = new Set(['pending', 'retrying']);

/** Starts a new generation of an existing delivery; false when it is still in progress. */
async function restart(d: DeliveryRecord, now: Date): Promise<boolean> {
  if (IN_PROGRESS.has(d.status)) return false;
  const next = await replaceDeliveryIfUnchanged({
    ...d,
    status: 'pending',
    attempts: 0,
    generation: d.generation + 1,
    nextAttemptAt: now.toISOString(),
    deadAt: null,
    inFlightAttempt: null,
    inFlightSince: null,
    updatedAt: now.toISOString(),
  });
  if (!next) return false;
  try {
    await enqueueDelivery({
      tenantId: next.tenantId,
      deliveryId: next.id,
      webhookId: next.webhookId,
      event: next.event,
      attempt: 1,
      generation: next.generation,
    });
  } catch (err) {
    // No message carries the new generation: put the delivery back as it was, or it would stay
    // "pending" for good (nothing sends it, and replay skips deliveries in progress).
    await replaceDeliveryIfUnchanged({ ...d, _etag: next._etag }).catch(() => undefined);
    throw err;
  }
  return true;
}

async function replayEvent(tenantId: string, webhookId: string, event: EventEnvelope, now: Date): Promise<boolean> {
  const deliveryId = deliveryIdFor(event.event_id, webhookId);
  const existing = await findDelivery(tenantId, deliveryId);
  if (existing) return restart(existing, now);
  await enqueueDelivery({ tenantId, deliveryId, webhookId, event, attempt: 1, generation: 1 });
  return true;
}

export async function replayWebhook(tenantId: string, id: string, body: ReplayBody, now: Date = new Date()): Promise<ReplayResult> {
  const webhook = await getWebhook(tenantId, id);
  if (!webhook.enabled) throw conflict('The webhook is disabled; enable it before replaying.');
  const max = getConfig().WEBHOOK_REPLAY_MAX;
  const since = new Date(body.since);
  const until = body.until ? new Date(body.until) : now;
  let replayed = 0;
  let matched: number;
  if (body.status === 'failed') {
    const failed = await listDeliveries(tenantId, id, ['dead', 'cancelled'], since, until, max + 1);
    matched = failed.length;
    for (const d of failed.slice(0, max)) if (await restart(d, now)) replayed++;
  } else {
    const events = (await listOutboxEvents(tenantId, since, until, max + 1)).filter((e) => subscribes(webhook, e));
    matched = events.length;
    for (const e of events.slice(0, max)) if (await replayEvent(tenantId, id, e, now)) replayed++;
  }
  return { replayed, truncated: matched > max, status: body.status, since: since.toISOString(), until: until.toISOString() };
}
