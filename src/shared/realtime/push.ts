/**
 * The real-time push: each event becomes one message on the `realtime-push` queue (sent by
 * events-fanout beside the webhook deliveries), and the realtime-push function sends the envelope
 * to the event's groups. A failed push re-enqueues itself, scheduled with backoff, for the groups
 * still owed, until REALTIME_PUSH_MAX_AGE_SECONDS after the event; webhooks never wait for it.
 */
import { getConfig } from '../config';
import type { EventEnvelope } from '../core/events';
import { groupsForEvent } from '../core/realtime-groups';
import { getQueueSender } from '../events/queue-sender';
import type { Logger } from '../logger';
import { QUEUES } from '../ports';
import { shapeForSubscriptions, type ShapedMessage } from '../graphql/subscriptions';
import { sendToGroup } from './realtime';

export interface PushMessage {
  event: EventEnvelope;
  /** The groups still owed this event (all of them on the first attempt). */
  groups: string[];
  attempt: number;
  /**
   * GraphQL subscription results still owed (each group its own shaped payload). Absent on the
   * first attempt: the matching subscriptions are looked up then.
   */
  graphql?: ShapedMessage[];
}

export function isPushMessage(body: unknown): body is PushMessage {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return (
    typeof b.attempt === 'number' &&
    Array.isArray(b.groups) &&
    b.groups.every((g) => typeof g === 'string') &&
    typeof b.event === 'object' &&
    b.event !== null &&
    typeof (b.event as Record<string, unknown>).event_id === 'string'
  );
}

/** Seconds before retry n (1, 2, 4 … capped at 30). */
export const pushRetryDelaySeconds = (attempt: number): number => Math.min(30, 2 ** Math.max(0, attempt - 1));

/** Queues the push of an event (nothing when the event concerns no group). */
export async function enqueuePush(event: EventEnvelope): Promise<void> {
  const groups = groupsForEvent(event);
  if (groups.length === 0) return;
  const message: PushMessage = { event, groups, attempt: 1 };
  await getQueueSender().send(QUEUES.realtimePush, message, { messageId: `${event.event_id}:push:1`, subject: event.event_type });
}

/** Sends the event to its groups; what failed is re-enqueued for later. Returns the groups sent. */
export async function deliverPush(message: PushMessage, log: Logger, now = Date.now()): Promise<number> {
  const graphql =
    message.graphql ??
    (await shapeForSubscriptions(message.event, log).catch((e: unknown) => {
      // A failed lookup must not hold back the plain push; GraphQL subscribers miss this event.
      log.warn('graphql subscriptions not looked up', { event_id: message.event.event_id, error: e instanceof Error ? e.message : String(e) });
      return [];
    }));
  const [results, gqlResults] = await Promise.all([
    Promise.allSettled(message.groups.map((g) => sendToGroup(g, message.event))),
    Promise.allSettled(graphql.map((m) => sendToGroup(m.group, m.payload))),
  ]);
  const failed = message.groups.filter((_, i) => results[i]?.status === 'rejected');
  const failedGql = graphql.filter((_, i) => gqlResults[i]?.status === 'rejected');
  if (failed.length === 0 && failedGql.length === 0) return message.groups.length;
  const ageSeconds = (now - Date.parse(message.event.timestamp)) / 1_000;
  const delay = pushRetryDelaySeconds(message.attempt);
  if (!(ageSeconds + delay <= getConfig().REALTIME_PUSH_MAX_AGE_SECONDS)) {
    log.warn('real-time push given up (event too old)', { event_id: message.event.event_id, groups: failed.length, attempt: message.attempt });
    return message.groups.length - failed.length;
  }
  const next: PushMessage = { event: message.event, groups: failed, attempt: message.attempt + 1, graphql: failedGql };
  await getQueueSender().send(QUEUES.realtimePush, next, {
    messageId: `${message.event.event_id}:push:${next.attempt}`,
    subject: message.event.event_type,
    scheduledEnqueueTime: new Date(now + delay * 1_000),
  });
  log.info('real-time push failed; retry scheduled', { event_id: message.event.event_id, groups: failed.length, attempt: next.attempt, delay_s: delay });
  return message.groups.length - failed.length;
}
