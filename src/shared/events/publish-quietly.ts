/**
 * Publishes an event through the EventPublisher port. The change it reports has
 * already happened, so a failure to publish is logged, not thrown: the outbox relay covers bus
 * outages, and failing the request would only make the client retry a change that succeeded.
 */
import type { EventEnvelope } from '../core/events';
import { getEventPublisher } from './publisher';
import { getLogger } from '../services';

export async function publishQuietly(event: EventEnvelope): Promise<void> {
  try {
    await getEventPublisher().publish(event);
  } catch (err) {
    getLogger().error('event could not be published', {
      event_type: event.event_type,
      event_id: event.event_id,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}
