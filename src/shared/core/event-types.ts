/**
 * Every event type the API emits, with what it means and the shape of its `data`: makeEvent only
 * takes these (a mistyped type fails the type-check), webhook subscriptions only accept these (or
 * a family of them, or "*"), and the table in docs/events-and-webhooks.md is checked against this
 * list by test/unit/event-types.test.ts.
 */
import { z } from 'zod';

/** A resource as its GET shows it; the schema names only its id (the rest is the resource's own DTO). */
const resource = z.object({ id: z.string() });
const nullableString = z.string().nullable();

export const EVENT_TYPES = {
  'space.created': { description: 'A space was created.', data: z.object({ space: resource }) },
  'space.updated': {
    description: 'A space was replaced (PUT) or changed (PATCH); `changed_fields` names what changed.',
    data: z.object({ space: resource, changed_fields: z.array(z.string()) }),
  },
  'space.deleted': { description: 'A space was deleted; its documents are removed in the background.', data: z.object({ space: resource }) },
  'document.added': { description: 'A document was uploaded and stored; processing follows.', data: z.object({ document: resource }) },
  'document.processed': { description: 'A document was extracted and chunked; it can now be asked about.', data: z.object({ document: resource }) },
  'document.failed': { description: 'A document could not be processed; `failure_reason` says why.', data: z.object({ document: resource }) },
  'document.deleted': { description: 'A document, its chunks and its bytes were deleted.', data: z.object({ document: resource }) },
  'query.completed': { description: 'A question was answered.', data: z.object({ query: resource }) },
  'query.failed': { description: 'A question could not be answered.', data: z.object({ query: resource }) },
  'api_key.rotated': {
    description: 'An API key was rotated (by age or on request); the old key works until its grace period ends.',
    data: z.object({
      key_id: z.string(),
      new_key_id: z.string(),
      new_key_prefix: z.string(),
      old_key_expires_at: nullableString,
      grace_period_days: z.number(),
      reason: z.enum(['max_age', 'manual']),
    }),
  },
  'api_key.expiring': {
    description: 'An API key expires within KEY_EXPIRY_WARNING_DAYS (sent once per key).',
    data: z.object({ key_id: z.string(), key_prefix: z.string(), expires_at: nullableString, successor_key_id: nullableString.optional() }),
  },
  'webhook.test': {
    description: 'Sent by POST /v1/webhooks/{id}/test to that subscription only.',
    data: z.object({ webhook_id: z.string(), message: z.string() }),
  },
  'webhook.delivery_exhausted': {
    description: 'A delivery failed its last retry and was dead-lettered (replayable).',
    data: z.object({
      webhook_id: z.string(),
      delivery_id: z.string(),
      event_id: z.string(),
      event_type: z.string(),
      attempts: z.number(),
      last_status_code: z.number().nullable(),
      last_error: nullableString,
    }),
  },
  'webhook.disabled': {
    description: 'A subscription failing for WEBHOOK_DISABLE_AFTER_DAYS was disabled.',
    data: z.object({
      webhook_id: z.string(),
      url: z.string(),
      failing_since: z.string(),
      last_status_code: z.number().nullable(),
      last_error: nullableString,
    }),
  },
} as const satisfies Record<string, { description: string; data: z.ZodObject }>;

export type EventType = keyof typeof EVENT_TYPES;

/** The `data` an event of this type carries. */
export type EventData<K extends EventType> = z.input<(typeof EVENT_TYPES)[K]['data']>;

export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];

export function isEventType(t: string): t is EventType {
  return Object.hasOwn(EVENT_TYPES, t);
}
