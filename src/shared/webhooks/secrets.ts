/** The signing secrets of a webhook: the current one plus previous ones during their overlap. */
import { generateWebhookSecret } from '../core/webhook-signing';
import type { WebhookSecret } from './webhook-store';

/** Secrets that sign now, newest first. */
export function activeSecrets(secrets: readonly WebhookSecret[], now: Date): string[] {
  return secrets.filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now.getTime()).map((s) => s.secret);
}

/**
 * A rotation: a new current secret; the previous current one keeps signing for `overlapHours`
 * (0 = retired at once), and secrets whose overlap has ended are dropped.
 */
export function rotateSecrets(secrets: readonly WebhookSecret[], now: Date, overlapHours: number): { secrets: WebhookSecret[]; secret: string } {
  const secret = generateWebhookSecret();
  const until = new Date(now.getTime() + overlapHours * 3_600_000).toISOString();
  const kept = secrets
    .map((s) => (s.expiresAt === null ? { ...s, expiresAt: until } : s))
    .filter((s) => overlapHours > 0 && Date.parse(s.expiresAt as string) > now.getTime());
  return { secret, secrets: [{ secret, createdAt: now.toISOString(), expiresAt: null }, ...kept] };
}
