/** What the API shows of webhook records (snake_case; secrets only where the endpoint says so). */
import type { AttemptLog } from './delivery-store';
import type { WebhookRecord } from './webhook-store';

export function webhookView(w: WebhookRecord) {
  const current = w.secrets.find((s) => s.expiresAt === null);
  return {
    id: w.id,
    url: w.url,
    event_types: w.eventTypes,
    description: w.description,
    enabled: w.enabled,
    disabled_reason: w.disabledReason,
    failing_since: w.failingSince,
    last_success_at: w.lastSuccessAt,
    last_failure_at: w.lastFailureAt,
    secret_created_at: current?.createdAt ?? null,
    created_at: w.createdAt,
    updated_at: w.updatedAt,
  };
}

export function attemptView(a: AttemptLog) {
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
