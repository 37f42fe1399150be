/**
 * The full `data` schema of every event type, for the OpenAPI `webhooks` section: the resources
 * as their DTOs (core/event-types.ts names only their ids). Keyed by the one catalogue,
 * EVENT_TYPES, so a type added there and not here (or the reverse) fails the type-check.
 */
import { z } from 'zod';
import { EVENT_TYPE_NAMES, type EventType } from '../core/event-types';
import { documentDto } from '../documents/document-schemas';
import { queryDto } from '../queries/query-schemas';
import { spaceDto } from '../spaces/space-schemas';

export interface WebhookEventSpec {
  summary: string;
  data: z.ZodType;
}

const instant = z.iso.datetime({ offset: true });
const deliveryFailure = {
  last_status_code: z.number().int().nullable().meta({ description: 'The receiver’s last HTTP status; null when it never answered.' }),
  last_error: z.string().nullable().meta({ description: 'TIMEOUT, CONNECTION_REFUSED… when the receiver never answered.' }),
};

export const WEBHOOK_EVENTS: Readonly<Record<EventType, WebhookEventSpec>> = {
  'space.created': { summary: 'A space was created.', data: z.object({ space: spaceDto }) },
  'space.updated': {
    summary: 'A space was changed (PUT or PATCH).',
    data: z.object({ space: spaceDto, changed_fields: z.array(z.string()).meta({ description: 'The fields the change touched.' }) }),
  },
  'space.deleted': { summary: 'A space was deleted (its documents and queries go with it).', data: z.object({ space: spaceDto }) },
  'document.added': { summary: 'A document was uploaded; processing is queued.', data: z.object({ document: documentDto }) },
  'document.processed': { summary: 'A document was extracted and indexed; it can be asked about.', data: z.object({ document: documentDto }) },
  'document.failed': { summary: 'A document could not be processed (see failure_reason).', data: z.object({ document: documentDto }) },
  'document.deleted': { summary: 'A document was deleted.', data: z.object({ document: documentDto }) },
  'query.completed': { summary: 'A query has its answer.', data: z.object({ query: queryDto }) },
  'query.failed': { summary: 'A query could not be answered (see error).', data: z.object({ query: queryDto }) },
  'webhook.test': {
    summary: 'Sent by POST /v1/webhooks/{id}/test to that webhook only.',
    data: z.object({ webhook_id: z.string(), message: z.string() }),
  },
  'webhook.delivery_exhausted': {
    summary: 'A delivery to another webhook of the tenant failed on every retry and was dead-lettered (replayable).',
    data: z.object({
      webhook_id: z.string(),
      delivery_id: z.string(),
      event_id: z.string(),
      event_type: z.string(),
      attempts: z.number().int().min(1),
      ...deliveryFailure,
    }),
  },
  'webhook.disabled': {
    summary: 'Another webhook of the tenant was disabled after failing for WEBHOOK_DISABLE_AFTER_DAYS.',
    data: z.object({ webhook_id: z.string(), url: z.string(), failing_since: instant, ...deliveryFailure }),
  },
  'api_key.rotated': {
    summary: 'An API key was rotated (on request or at its maximum age); the old one works until its grace period ends.',
    data: z.object({
      key_id: z.string(),
      new_key_id: z.string(),
      new_key_prefix: z.string(),
      old_key_expires_at: instant.nullable(),
      grace_period_days: z.number().int().min(0),
      reason: z.enum(['max_age', 'manual']),
    }),
  },
  'api_key.expiring': {
    summary: 'An API key expires soon (KEY_EXPIRY_WARNING_DAYS ahead).',
    data: z.object({ key_id: z.string(), key_prefix: z.string(), expires_at: instant.nullable(), successor_key_id: z.string().nullable() }),
  },
};

export const WEBHOOK_EVENT_TYPES: readonly EventType[] = [...EVENT_TYPE_NAMES].sort();
