/**
 * Seals a short secret (AES-256-GCM) with a key derived from a setting, for the one case a
 * secret must wait to be shown: a successor API key minted by the rotation timer, revealed
 * once to its tenant and then erased.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const deriveKey = (secret: string): Buffer => createHmac('sha256', secret).update('eva-api/sealed-secret/v1').digest();

export function seal(plaintext: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secret), iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url');
}

/** The sealed text, or undefined if it was not sealed with this secret or was altered. */
export function unseal(sealed: string, secret: string): string | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < 29) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', deriveKey(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
