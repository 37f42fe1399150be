/**
 * The outbox: every event is stored (container `outbox`, partition = its tenant, beside the
 * change that produced it) before it is published, and marked sent after. Items still pending
 * past OUTBOX_STALE_SECONDS are re-published by the outbox-relay timer, so an event survives a
 * bus outage or a crash between the write and the publish. Sent items stay for the webhook log
 * retention period: they are also the event log that "replay all events of a time range" reads.
 * Writes go through the group-commit batcher (many events of a tenant, one round trip).
 */
import { currentTraceparent } from '../telemetry/trace';
import { cosmosCall, getContainer } from '../adapters/cosmos';
import { asBody, batched, orThrow } from '../adapters/cosmos-batch';
import type { EventEnvelope } from '../core/events';
import { fetchUpTo } from './fetch-up-to';

export interface OutboxItem {
  id: string;
  tenantId: string;
  event: EventEnvelope;
  /** The event's own time (queried by replay). */
  timestamp: string;
  status: 'pending' | 'sent';
  createdAt: string;
  sentAt?: string;
  /** Publishes tried by the relay (bounded so a poison event cannot loop forever). */
  relayAttempts: number;
  /** Seconds to keep the item (honoured where the container has TTL enabled). */
  ttl: number;
  /** The trace of the change that caused the event: the relay's re-publish continues it. */
  traceparent?: string;
}

export function newOutboxItem(
  event: EventEnvelope,
  retentionDays: number,
  now: Date = new Date(),
  traceparent: string | undefined = currentTraceparent(),
): OutboxItem {
  return {
    id: event.event_id,
    tenantId: event.tenant_id,
    event,
    timestamp: event.timestamp,
    status: 'pending',
    createdAt: now.toISOString(),
    relayAttempts: 0,
    ttl: retentionDays * 86_400,
    ...(traceparent ? { traceparent } : {}),
  };
}

/** Stores the event as pending. Writing the same event twice is not an error (idempotent by event id). */
export async function writeOutboxItem(item: OutboxItem): Promise<void> {
  const r = await batched('outbox', item.tenantId, { operationType: 'Create', resourceBody: asBody(item) });
  if (r.statusCode !== 409) orThrow(r, 'Event');
}

export async function markOutboxSent(item: OutboxItem, now: Date = new Date()): Promise<void> {
  const sent: OutboxItem = { ...item, status: 'sent', sentAt: now.toISOString() };
  orThrow(await batched('outbox', item.tenantId, { operationType: 'Upsert', resourceBody: asBody(sent) }), 'Event');
}

export async function noteRelayAttempt(item: OutboxItem): Promise<OutboxItem> {
  const next = { ...item, relayAttempts: item.relayAttempts + 1 };
  orThrow(await batched('outbox', item.tenantId, { operationType: 'Upsert', resourceBody: asBody(next) }), 'Event');
  return next;
}

/**
 * Pending items older than `cutoff` with fewer than `maxRelayAttempts` relay attempts, across tenants: the relay is a system sweep, the one
 * reader of this container that is not scoped to a tenant.
 */
export async function listStaleOutboxItems(cutoff: Date, limit: number, maxRelayAttempts: number): Promise<OutboxItem[]> {
  const container = await getContainer('outbox');
  return cosmosCall(() =>
    fetchUpTo(
      container.items.query<OutboxItem>(
        {
          // Items the relay gave up on stay pending for an operator; left in the sweep they would
          // fill every batch and starve the events that can still be published.
          query: 'SELECT * FROM c WHERE c.status = @pending AND c.createdAt < @cutoff AND c.relayAttempts < @max',
          parameters: [
            { name: '@pending', value: 'pending' },
            { name: '@cutoff', value: cutoff.toISOString() },
            { name: '@max', value: maxRelayAttempts },
          ],
        },
        { maxItemCount: limit },
      ),
      limit,
    ),
  );
}

export async function readOutboxItem(tenantId: string, eventId: string): Promise<OutboxItem | undefined> {
  const r = await batched('outbox', tenantId, { operationType: 'Read', id: eventId });
  if (r.statusCode === 404) return undefined;
  return orThrow(r, 'Event').resourceBody as unknown as OutboxItem;
}

/** The tenant's events with timestamp in [since, until], oldest first, at most `max` (replay). */
export async function listOutboxEvents(tenantId: string, since: Date, until: Date, max: number): Promise<EventEnvelope[]> {
  const c = await getContainer('outbox');
  const items = await cosmosCall(() =>
    fetchUpTo(
      c.items.query<OutboxItem>(
        {
          query: 'SELECT * FROM c WHERE c.tenantId = @t AND c.timestamp >= @since AND c.timestamp <= @until ORDER BY c.timestamp ASC',
          parameters: [
            { name: '@t', value: tenantId },
            { name: '@since', value: since.toISOString() },
            { name: '@until', value: until.toISOString() },
          ],
        },
        { partitionKey: tenantId, maxItemCount: Math.min(max, 1_000) },
      ),
      max,
    ),
  );
  return items.map((i) => i.event);
}
