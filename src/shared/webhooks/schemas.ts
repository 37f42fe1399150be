/** Request schemas of the webhook endpoints (the pipeline makes objects strict). */
import { z } from 'zod';
import { isValidEventTypeFilter } from '../core/event-filter';
import { MAX_WEBHOOK_URL_LENGTH } from '../core/ssrf';
import { pageQuery } from '../http/pagination';
import { WEBHOOK_ID_PATTERN } from './webhook-store';

export const MAX_EVENT_TYPES = 50;

export const webhookIdParams = z.object({ id: z.string().regex(WEBHOOK_ID_PATTERN, 'is not a webhook id') });

const eventTypes = z
  .array(z.string().refine(isValidEventTypeFilter, { message: 'must be an event type like "space.created", a family like "space.*", or "*"' }))
  .min(1)
  .max(MAX_EVENT_TYPES)
  .refine((a) => new Set(a).size === a.length, { message: 'must not repeat an event type' });

/** POST and PUT take the whole subscription (PUT replaces it; optional fields fall back to defaults). */
export const webhookBody = z.object({
  url: z.string().trim().min(1).max(MAX_WEBHOOK_URL_LENGTH),
  event_types: eventTypes,
  description: z.string().trim().max(500).nullable().optional(),
  enabled: z.boolean().optional(),
});
export type WebhookBody = z.output<typeof webhookBody>;

export const logsQuery = pageQuery;

export const listQuery = logsQuery;

const instant = z.iso.datetime({ offset: true });

export const replayBody = z
  .object({
    since: instant,
    until: instant.optional(),
    /** "failed" (default): dead-lettered and cancelled deliveries; "all": every event of the range. */
    status: z.enum(['failed', 'all']).default('failed'),
  })
  .refine((b) => b.until === undefined || Date.parse(b.until) >= Date.parse(b.since), {
    message: 'until must not be before since',
    path: ['until'],
  })
  .refine((b) => Date.parse(b.since) <= Date.now(), { message: 'must not be in the future', path: ['since'] });
export type ReplayBody = z.output<typeof replayBody>;
