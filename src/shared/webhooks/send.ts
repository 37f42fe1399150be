/**
 * One signed POST of an event to a webhook: the SSRF guard on freshly resolved addresses,
 * Standard Webhooks signatures with every active secret, the timeout, no redirects.
 */
import { getConfig } from '../config';
import { resolveHost } from '../adapters/dns';
import { postWebhook, type WebhookPostResult } from '../adapters/webhook-http';
import { isAppError } from '../core/errors';
import type { EventEnvelope } from '../core/events';
import { resolveWebhookTarget, type SsrfPolicy } from '../core/ssrf';
import { signWebhook } from '../core/webhook-signing';
import { activeSecrets } from './secrets';
import type { WebhookRecord } from './webhook-store';

export function webhookTargetPolicy(): SsrfPolicy {
  const c = getConfig();
  return { requireHttps: c.ENVIRONMENT === 'production', allowPrivateTargets: c.WEBHOOK_ALLOW_PRIVATE_TARGETS };
}

export async function sendEvent(webhook: WebhookRecord, event: EventEnvelope, now: Date = new Date()): Promise<WebhookPostResult> {
  const started = performance.now();
  let target;
  try {
    target = await resolveWebhookTarget(webhook.url, webhookTargetPolicy(), resolveHost);
  } catch (err) {
    // The URL passed at creation; now its name is gone or points somewhere refused (DNS changed).
    const refused = isAppError(err) && err.code === 'VALIDATION_ERROR';
    return {
      ok: false,
      statusCode: null,
      durationMs: Math.round(performance.now() - started),
      errorCode: refused ? 'TARGET_REFUSED' : 'DNS_FAILURE',
    };
  }
  const body = JSON.stringify(event);
  const headers = signWebhook({ msgId: event.event_id, timestamp: now, payload: body, secrets: activeSecrets(webhook.secrets, now) });
  return postWebhook({ target, body, headers: { ...headers }, timeoutMs: getConfig().HTTP_TIMEOUT * 1_000 });
}
