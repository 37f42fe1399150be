/**
 * The outbox: every event is stored (container `outbox`, partition = its tenant, beside the
 * change that produced it) before it is published, and marked sent after. Items still
 * pending past OUTBOX_STALE_SECONDS are re-published by the outbox-relay timer, so an event
 * survives a bus outage or a crash between the write and the publish.
 */
import { getContainer, cosmosCall, mapCosmosError } from '../adapters/cosmos';
import { sdkStatus } from '../adapters/azure-errors';
import type { EventEnvelope } from '../core/events';

export interface OutboxItem {
  id: string;
  tenantId: string;
  event: EventEnvelope;
  status: 'pending' | 'sent';
  createdAt: string;
  sentAt?: string;
  /** Publishes tried by the relay (bounded so a poison event cannot loop forever). */
  relayAttempts: number;
  /** Seconds to keep a sent item (honoured where the container has TTL enabled). */
  ttl?: number;
}

/** Sent outbox items are kept a week: long enough to investigate, short enough to stay small. */
const SENT_TTL_SECONDS = 7 * 86_400;

/** Stores the event as pending. Writing the same event twice is not an error (idempotent by event id). */
export async function writeOutboxItem(event: EventEnvelope, now: Date = new Date()): Promise<void> {
  const container = await getContainer('outbox');
  const item: OutboxItem = {
    id: event.event_id,
    tenantId: event.tenant_id,
    event,
    status: 'pending',
    createdAt: now.toISOString(),
    relayAttempts: 0,
  };
  try {
    await container.items.create(item);
  } catch (err) {
    if (sdkStatus(err) === 409) return;
    throw mapCosmosError(err, 'Event');
  }
}

export async function markOutboxSent(tenantId: string, eventId: string, now: Date = new Date()): Promise<void> {
  const container = await getContainer('outbox');
  await cosmosCall(
    () =>
      container.item(eventId, tenantId).patch([
        { op: 'set', path: '/status', value: 'sent' },
        { op: 'set', path: '/sentAt', value: now.toISOString() },
        { op: 'set', path: '/ttl', value: SENT_TTL_SECONDS },
      ]),
    'Event',
  );
}

export async function noteRelayAttempt(item: OutboxItem): Promise<void> {
  const container = await getContainer('outbox');
  await cosmosCall(
    () => container.item(item.id, item.tenantId).patch([{ op: 'set', path: '/relayAttempts', value: item.relayAttempts + 1 }]),
    'Event',
  );
}

/**
 * Pending items older than `cutoff`, across tenants: the relay is a system sweep, the one
 * reader of this container that is not scoped to a tenant.
 */
export async function listStaleOutboxItems(cutoff: Date, limit: number): Promise<OutboxItem[]> {
  const container = await getContainer('outbox');
  return cosmosCall(async () => {
    const { resources } = await container.items
      .query<OutboxItem>(
        {
          query: 'SELECT * FROM c WHERE c.status = @pending AND c.createdAt < @cutoff',
          parameters: [
            { name: '@pending', value: 'pending' },
            { name: '@cutoff', value: cutoff.toISOString() },
          ],
        },
        { maxItemCount: limit },
      )
      .fetchNext();
    return resources.slice(0, limit);
  });
}

export async function readOutboxItem(tenantId: string, eventId: string): Promise<OutboxItem | undefined> {
  const container = await getContainer('outbox');
  return cosmosCall(async () => {
    const { resource } = await container.item(eventId, tenantId).read<OutboxItem>();
    return resource ?? undefined;
  });
}
