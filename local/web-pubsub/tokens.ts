/** The stand-in's token checks: HS256 JWTs signed with the access key, audience as Azure checks it. */
import { jwtVerify, type JWTPayload } from 'jose';

export interface ClientClaims {
  userId: string | undefined;
  roles: string[];
  groups: string[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

/** The access key imported once: given raw bytes, jose imports them again on every verify (seen in bench:webhooks' profile). */
const imported = new WeakMap<Uint8Array, Promise<CryptoKey>>();
function hmacKey(key: Uint8Array): Promise<CryptoKey> {
  let k = imported.get(key);
  if (!k) imported.set(key, (k = crypto.subtle.importKey('raw', Uint8Array.from(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])));
  return k;
}

async function verify(token: string, key: Uint8Array, audiences: string[]): Promise<JWTPayload | undefined> {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(key), { algorithms: ['HS256'], audience: audiences, clockTolerance: 0 });
    return payload;
  } catch {
    return undefined;
  }
}

/** A REST call's Bearer token; `aud` is the request URL (with or without its query string). */
export async function verifyRestToken(authorization: string | undefined, key: Uint8Array, url: URL): Promise<boolean> {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m?.[1]) return false;
  const noQuery = `${url.origin}${url.pathname}`;
  return (await verify(m[1], key, [url.href, noQuery])) !== undefined;
}

/** A client's access_token; `aud` is `{endpoint}/client/hubs/{hub}`. */
export async function verifyClientToken(token: string, key: Uint8Array, audience: string): Promise<ClientClaims | undefined> {
  const p = await verify(token, key, [audience, `${audience}/`]);
  if (!p) return undefined;
  return { userId: typeof p.sub === 'string' ? p.sub : undefined, roles: strings(p.role), groups: strings(p['webpubsub.group']) };
}
