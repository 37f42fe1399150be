/**
 * Opaque, signed pagination cursors. A cursor wraps a store's continuation token (for Cosmos a JSON
 * string) and the scope of the list it belongs to (e.g. "spaces:tenant-a"), signed with HMAC-SHA256,
 * so a client can neither forge a token nor replay one from another list or tenant. A cursor that
 * does not verify is a VALIDATION_ERROR, never a 500 or a store error.
 *
 * Hand-written on node:crypto: a JWS (jose) would do the signing but adds a header and async calls
 * to something that is ten lines of HMAC with a constant-time compare.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { validationError } from './errors';

/** Longest cursor accepted (continuation tokens are small; this bounds work on hostile input). */
export const MAX_CURSOR_LENGTH = 4096;
const VERSION = 1;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface CursorPayload {
  /** The store's continuation token. */
  token: string;
  /** What list the cursor belongs to; decoding with another scope fails. */
  scope: string;
}

const invalidCursor = () => validationError([{ field: 'cursor', issue: 'is not a valid cursor for this list' }]);

function sign(secret: string | Buffer, body: string): Buffer {
  return createHmac('sha256', secret).update(`eva-cursor.${body}`).digest();
}

export function encodeCursor(payload: CursorPayload, secret: string | Buffer): string {
  const body = Buffer.from(JSON.stringify({ v: VERSION, s: payload.scope, t: payload.token }), 'utf8').toString('base64url');
  return `${body}.${sign(secret, body).toString('base64url')}`;
}

/**
 * Returns the continuation token inside a cursor made by encodeCursor with the same secret and scope.
 * @throws AppError VALIDATION_ERROR (field "cursor") for anything else.
 */
export function decodeCursor(cursor: string, scope: string, secret: string | Buffer): string {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) throw invalidCursor();
  const parts = cursor.split('.');
  if (parts.length !== 2) throw invalidCursor();
  const [body, mac] = parts as [string, string];
  if (!BASE64URL.test(body) || !BASE64URL.test(mac)) throw invalidCursor();
  const given = Buffer.from(mac, 'base64url');
  const expected = sign(secret, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidCursor();
  const { v, s, t } = parsed as Record<string, unknown>;
  if (v !== VERSION || s !== scope || typeof t !== 'string' || t.length === 0) throw invalidCursor();
  return t;
}
