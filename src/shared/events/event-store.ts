/**
 * The event log (container `events`, partition = tenant): every event fan-out has seen, kept
 * for the log retention period, so a replay can re-send "all events of a time range", not only
 * the failed deliveries.
 */
import { cosmosCall, getContainer } from '../adapters/cosmos';
import type { EventEnvelope } from '../core/events';
import { fetchUpTo } from './fetch-up-to';

export interface StoredEvent {
  id: string;
  tenantId: string;
  eventType: string;
  timestamp: string;
  event: EventEnvelope;
  ttl: number;
}

export async function saveEvent(event: EventEnvelope, retentionDays: number): Promise<void> {
  const c = await getContainer('events');
  const item: StoredEvent = {
    id: event.event_id,
    tenantId: event.tenant_id,
    eventType: event.event_type,
    timestamp: event.timestamp,
    event,
    ttl: retentionDays * 86_400,
  };
  await cosmosCall(() => c.items.upsert(item), 'Event');
}

/** The tenant's events with timestamp in [since, until], oldest first, at most `max`. */
export async function listEvents(tenantId: string, since: Date, until: Date, max: number): Promise<StoredEvent[]> {
  const c = await getContainer('events');
  return cosmosCall(async () => {
    const resources = c.items
      .query<StoredEvent>(
        {
          query: 'SELECT * FROM c WHERE c.tenantId = @t AND c.timestamp >= @since AND c.timestamp <= @until ORDER BY c.timestamp ASC',
          parameters: [
            { name: '@t', value: tenantId },
            { name: '@since', value: since.toISOString() },
            { name: '@until', value: until.toISOString() },
          ],
        },
        { partitionKey: tenantId, maxItemCount: Math.min(max, 1_000) },
      );
    return fetchUpTo(resources, max);
  });
}
