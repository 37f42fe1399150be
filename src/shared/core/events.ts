import { randomUUID } from 'node:crypto';
import type { EventData, EventType } from './event-types';

/** The envelope of every event a change produces (the body webhooks receive). */
export interface EventEnvelope<T = Record<string, unknown>> {
  event_type: string;
  event_id: string;
  timestamp: string;
  tenant_id: string;
  space_id: string | null;
  data: T;
}

export const newEventId = (): string => `evt_${randomUUID().replace(/-/g, '')}`;

/** A new event; `eventType` is one of EVENT_TYPES (core/event-types.ts) and `data` has its shape. */
export function makeEvent<K extends EventType, T extends EventData<K> & Record<string, unknown>>(
  eventType: K,
  tenantId: string,
  data: T,
  spaceId: string | null = null,
  now: Date = new Date(),
): EventEnvelope<T> {
  return {
    event_type: eventType,
    event_id: newEventId(),
    timestamp: now.toISOString(),
    tenant_id: tenantId,
    space_id: spaceId,
    data,
  };
}
