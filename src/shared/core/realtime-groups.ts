/**
 * Real-time group names and which groups an event goes to. Groups: `tenant:{tenant_id}` (space
 * events of the tenant) and `space:{space_id}` (everything about one space: the space itself, its
 * documents, its queries). Other features (GraphQL subscriptions) send to these same groups.
 */
import type { EventEnvelope } from './events';

export const tenantGroup = (tenantId: string): string => `tenant:${tenantId}`;
export const spaceGroup = (spaceId: string): string => `space:${spaceId}`;

/** Space events go to the tenant's and the space's group; other events of a space to the space's group only. */
export function groupsForEvent(event: EventEnvelope): string[] {
  const groups: string[] = [];
  if (event.event_type.startsWith('space.')) groups.push(tenantGroup(event.tenant_id));
  if (event.space_id) groups.push(spaceGroup(event.space_id));
  return groups;
}
