/** What the API shows of webhook records (snake_case; secrets only where the endpoint says so). */
import type { AttemptLog } from './delivery-store';
import type { AttemptDto, WebhookDto, WebhookHealthDto } from './schemas';
import { failingSince, type WebhookHealth } from './webhook-health';
import type { WebhookRecord } from './webhook-store';

export function webhookView(w: WebhookRecord): WebhookDto {
  const current = w.secrets.find((s) => s.expiresAt === null);
  return {
    id: w.id,
    url: w.url,
    event_types: w.eventTypes,
    description: w.description,
    enabled: w.enabled,
    disabled_reason: w.disabledReason,
    secret_created_at: current?.createdAt ?? null,
    created_at: w.createdAt,
    updated_at: w.updatedAt,
  };
}

/** GET /webhooks/{id} adds how deliveries have been going. */
export function healthView(h: WebhookHealth): WebhookHealthDto {
  return { failing_since: failingSince(h), last_success_at: h.lastSuccessAt, last_failure_at: h.lastFailureAt };
}

export function attemptView(a: AttemptLog): AttemptDto {
  return {
    id: a.id,
    delivery_id: a.deliveryId,
    event_id: a.eventId,
    event_type: a.eventType,
    attempt: a.attempt,
    success: a.success,
    status_code: a.statusCode,
    duration_ms: a.durationMs,
    error: a.error,
    created_at: a.createdAt,
  };
}
