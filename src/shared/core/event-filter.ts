/**
 * Which events a webhook subscription receives. A subscription lists event types:
 * an exact type ("space.created"), a family ("space.*": every type under "space.") or
 * "*" (everything the tenant emits). Only the types in EVENT_TYPES (and families of them) are
 * accepted, so a mistyped type is a 400 at subscription time rather than a silent no-match.
 */
import { EVENT_TYPE_NAMES, isEventType } from './event-types';

/** An event type: dot-separated lowercase words, e.g. "space.created", "webhook.delivery_exhausted". */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
/** A family wildcard, e.g. "space.*". */
export const EVENT_FAMILY_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*$/;

export function isValidEventTypeFilter(f: string): boolean {
  if (f === '*') return true;
  if (EVENT_FAMILY_PATTERN.test(f)) return EVENT_TYPE_NAMES.some((t) => t.startsWith(f.slice(0, -1)));
  return isEventType(f);
}

/** The refusal a bad filter gets: it names every type a subscription may list. */
export const EVENT_TYPE_FILTER_MESSAGE = `must be "*", a family like "space.*", or one of: ${EVENT_TYPE_NAMES.join(', ')}`;

export function matchesEventType(filters: readonly string[], eventType: string): boolean {
  return filters.some((f) => f === '*' || f === eventType || (f.endsWith('.*') && eventType.startsWith(f.slice(0, -1))));
}

/**
 * Events a subscription never receives about itself: a webhook that cannot take deliveries
 * is not sent the news of its own failure (the other endpoints of the tenant are).
 */
export const SELF_EXCLUDED_EVENT_TYPES: ReadonlySet<string> = new Set(['webhook.delivery_exhausted', 'webhook.disabled']);
