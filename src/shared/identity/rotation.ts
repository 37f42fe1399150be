/**
 * Timed key rotation (the keys-rotate timer) and the same rotation as a command.
 * One pass over the live keys:
 * - a key past its expiry (or the end of its grace period) is deactivated (revoked_at set);
 * - a key expiring within KEY_EXPIRY_WARNING_DAYS gets one `api_key.expiring` event;
 * - a key older than KEY_MAX_AGE_DAYS is rotated: a successor with the same settings is created
 *   (its secret sealed until the tenant reads the successor once via GET /api/v1/api-keys/{id}),
 *   the old key keeps working for KEY_ROTATION_GRACE_DAYS, and `api_key.rotated` is emitted.
 */
import { makeEvent } from '../core/events';
import type { EventPublisher } from '../ports';
import { getLogger } from '../services';
import { rotateApiKey, type RotatedApiKey } from './api-keys';
import { listLiveApiKeys, replaceApiKey } from './api-key-store';
import { forgetKey } from './caches';
import type { ApiKeyRecord } from './records';

const DAY_MS = 86_400_000;

export interface RotationSettings {
  maxAgeDays: number;
  graceDays: number;
  warningDays: number;
}

export interface RotationSummary {
  deactivated: number;
  warned: number;
  rotated: number;
  failed: number;
}

export const noopPublisher: EventPublisher = { publish: () => Promise.resolve() };

function rotatedEvent(r: RotatedApiKey, reason: 'max_age' | 'manual') {
  return makeEvent('api_key.rotated', r.record.tenantId, {
    key_id: r.previous.keyId,
    new_key_id: r.record.keyId,
    new_key_prefix: r.record.prefix,
    old_key_expires_at: r.previous.expiresAt,
    grace_period_days: r.gracePeriodDays,
    reason,
  });
}

async function deactivate(k: ApiKeyRecord, now: Date): Promise<void> {
  const { _etag, ...doc } = k;
  await replaceApiKey({ ...doc, revokedAt: now.toISOString(), sealedKey: null }, _etag);
  forgetKey(k);
}

export async function runKeyRotation(settings: RotationSettings, publisher: EventPublisher = noopPublisher, now: Date = new Date()): Promise<RotationSummary> {
  const summary: RotationSummary = { deactivated: 0, warned: 0, rotated: 0, failed: 0 };
  const log = getLogger();
  for (const k of await listLiveApiKeys()) {
    try {
      const expires = k.expiresAt ? Date.parse(k.expiresAt) : undefined;
      if (expires !== undefined && expires <= now.getTime()) {
        await deactivate(k, now);
        summary.deactivated++;
        continue;
      }
      // A key in its grace period already has a successor: warn about its end, never rotate it again.
      if (expires !== undefined && !k.expiryWarnedAt && expires - now.getTime() <= settings.warningDays * DAY_MS) {
        const { _etag, ...doc } = k;
        await replaceApiKey({ ...doc, expiryWarnedAt: now.toISOString() }, _etag);
        await publisher.publish(
          makeEvent('api_key.expiring', k.tenantId, {
            key_id: k.keyId,
            key_prefix: k.prefix,
            expires_at: k.expiresAt,
            successor_key_id: k.rotatedToKeyId,
          }),
        );
        summary.warned++;
        continue;
      }
      const age = now.getTime() - Date.parse(k.createdAt);
      if (settings.maxAgeDays > 0 && !k.rotatedToKeyId && age >= settings.maxAgeDays * DAY_MS) {
        const r = await rotateApiKey(k.tenantId, k.keyId, settings.graceDays, {
          actor: 'system',
          createdBy: 'rotation',
          sealSecret: true,
          now,
        });
        await publisher.publish(rotatedEvent(r, 'max_age'));
        summary.rotated++;
      }
    } catch (err) {
      // One key's failure (e.g. a concurrent change: 412) must not stop the others; the next run retries.
      summary.failed++;
      log.warn('key rotation step failed', { key_id: k.keyId, tenant_id: k.tenantId, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return summary;
}

/** Rotates every active, not yet rotated key of a tenant now (the `keys rotate` command). */
export async function rotateTenantKeys(
  tenantId: string,
  graceDays: number,
  publisher: EventPublisher = noopPublisher,
  now: Date = new Date(),
): Promise<RotatedApiKey[]> {
  const out: RotatedApiKey[] = [];
  for (const k of await listLiveApiKeys(tenantId)) {
    if (k.rotatedToKeyId || (k.expiresAt && Date.parse(k.expiresAt) <= now.getTime())) continue;
    const r = await rotateApiKey(tenantId, k.keyId, graceDays, { actor: 'system', createdBy: 'cli', now });
    await publisher.publish(rotatedEvent(r, 'manual'));
    out.push(r);
  }
  return out;
}
