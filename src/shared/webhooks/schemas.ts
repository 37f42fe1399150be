/** Request and response schemas of the webhook endpoints (the pipeline makes request objects strict). */
import { z } from 'zod';
import { EVENT_TYPE_FILTER_MESSAGE, isValidEventTypeFilter } from '../core/event-filter';
import { MAX_WEBHOOK_URL_LENGTH } from '../core/ssrf';
import { pageQuery } from '../http/pagination';
import { WEBHOOK_ID_PATTERN } from './webhook-store';

export const MAX_EVENT_TYPES = 50;

export const webhookIdParams = z.object({ id: z.string().regex(WEBHOOK_ID_PATTERN, 'is not a webhook id') });

const eventTypes = z
  .array(z.string().refine(isValidEventTypeFilter, { message: EVENT_TYPE_FILTER_MESSAGE }))
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

/** A subscription as the API shows it (never its secret): webhookView's return type. */
export const webhookDto = z
  .object({
    id: z.string().regex(WEBHOOK_ID_PATTERN),
    url: z.string(),
    event_types: z.array(z.string()),
    description: z.string().nullable(),
    enabled: z.boolean(),
    disabled_reason: z.enum(['manual', 'failing']).nullable(),
    secret_created_at: instant.nullable(),
    created_at: instant,
    updated_at: instant,
  })
  .meta({ id: 'Webhook' });
export type WebhookDto = z.output<typeof webhookDto>;

export const webhookHealthDto = z.object({
  failing_since: instant.nullable(),
  last_success_at: instant.nullable(),
  last_failure_at: instant.nullable(),
});
export type WebhookHealthDto = z.output<typeof webhookHealthDto>;

export const webhookDetailDto = webhookDto.extend(webhookHealthDto.shape).meta({ id: 'WebhookDetail' });

const secretNote = 'The signing secret (whsec_…); shown once, store it now.';
export const webhookWithSecretDto = webhookDto.extend({ secret: z.string().meta({ description: secretNote }) }).meta({ id: 'WebhookWithSecret' });

export const rotatedWebhookDto = webhookWithSecretDto.extend({ previous_secret_expires_at: instant.nullable() }).meta({ id: 'RotatedWebhook' });

export const attemptDto = z
  .object({
    id: z.string(),
    delivery_id: z.string().nullable(),
    event_id: z.string(),
    event_type: z.string(),
    attempt: z.number().int().min(0),
    success: z.boolean(),
    status_code: z.number().int().nullable(),
    duration_ms: z.number().min(0),
    error: z.string().nullable(),
    created_at: instant,
  })
  .meta({ id: 'DeliveryAttempt' });
export type AttemptDto = z.output<typeof attemptDto>;

export const replayResultDto = z
  .object({
    replayed: z.number().int().min(0),
    truncated: z.boolean(),
    status: z.enum(['failed', 'all']),
    since: instant,
    until: instant,
  })
  .meta({ id: 'ReplayResult' });
