/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): headers webhook-id,
 * webhook-timestamp and webhook-signature ("v1,<base64 HMAC-SHA256>"), one signature per
 * active secret, space-separated, so receivers keep verifying while a secret rotates.
 * The HMAC itself comes from the `standardwebhooks` library, the same code receivers use.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

export interface StandardWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** A new signing secret: whsec_ + base64 of 32 random bytes (the spec allows 24 to 64). */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64');
}

export function isWebhookSecret(value: string): boolean {
  if (!value.startsWith(WEBHOOK_SECRET_PREFIX)) return false;
  const raw = Buffer.from(value.slice(WEBHOOK_SECRET_PREFIX.length), 'base64');
  return raw.length >= 24 && raw.length <= 64;
}

// Building a Webhook decodes the secret; secrets are few and reused on every delivery.
const signers = new Map<string, Webhook>();
function signerFor(secret: string): Webhook {
  let s = signers.get(secret);
  if (!s) {
    if (signers.size > 1_000) signers.clear();
    s = new Webhook(secret);
    signers.set(secret, s);
  }
  return s;
}

export interface SignInput {
  /** The message id: the event id, stable across retries so receivers can de-duplicate. */
  msgId: string;
  /** Signing time: the moment of this attempt (receivers reject timestamps older than 5 minutes). */
  timestamp: Date;
  /** The exact bytes sent as the body. */
  payload: string;
  /** Active secrets, newest first; each adds one signature. */
  secrets: readonly string[];
}

export function signWebhook(input: SignInput): StandardWebhookHeaders {
  if (input.secrets.length === 0) throw new Error('signWebhook needs at least one secret');
  const signatures = input.secrets.map((s) => signerFor(s).sign(input.msgId, input.timestamp, input.payload));
  return {
    'webhook-id': input.msgId,
    'webhook-timestamp': String(Math.floor(input.timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
