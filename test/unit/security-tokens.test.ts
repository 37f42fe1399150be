import { createHmac, generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { issueAccessToken, verifyAccessToken, type TokenSettings } from '../../src/shared/core/tokens';

const settings: TokenSettings = { secret: 'a-test-secret-of-enough-length-0123456789', issuer: 'eva-api', audience: 'eva-api', expiresInMinutes: 30 };
const now = new Date('2026-06-01T12:00:00Z');
const t = Math.floor(now.getTime() / 1000);
const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const claims = (over: Record<string, unknown> = {}) => ({
  sub: 'key_1',
  tenant_id: 'acme',
  scopes: ['spaces:read'],
  jti: 'j1',
  iss: 'eva-api',
  aud: 'eva-api',
  iat: t,
  nbf: t,
  exp: t + 600,
  ...over,
});
/** A token signed by hand, so headers and claims can be anything. */
const hs256 = (header: Record<string, unknown>, payload: Record<string, unknown>, secret = settings.secret): string => {
  const body = `${b64(header)}.${b64(payload)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
};
const refused = (token: string) => expect(verifyAccessToken(settings, token, now)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });

describe('access tokens against an attacker', () => {
  it('accepts its own token (the baseline the refusals are measured against)', async () => {
    const { token } = await issueAccessToken(settings, { sub: 'key_1', tenantId: 'acme', scopes: ['spaces:read'] }, now);
    await expect(verifyAccessToken(settings, token, now)).resolves.toMatchObject({ tenantId: 'acme' });
    await expect(verifyAccessToken(settings, hs256({ alg: 'HS256', typ: 'JWT' }, claims()), now)).resolves.toMatchObject({ sub: 'key_1' });
  });

  it('refuses alg none, other algorithms, and RS/HS confusion with a public key as the HMAC secret', async () => {
    await refused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`);
    await refused(`${b64({ alg: 'None' })}.${b64(claims())}.`);
    await refused(hs256({ alg: 'HS512' }, claims()));
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await refused(await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey));
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await refused(hs256({ alg: 'HS256' }, claims(), pem));
  });

  it('ignores kid, jku and embedded keys: only the configured secret verifies', async () => {
    await refused(hs256({ alg: 'HS256', kid: '../../../../dev/null' }, claims(), ''));
    await refused(hs256({ alg: 'HS256', jwk: { kty: 'oct', k: b64('attacker') } }, claims(), 'attacker'));
    await refused(hs256({ alg: 'HS256', jku: 'http://127.0.0.1:1/keys' }, claims(), 'attacker'));
    // A kid on a correctly signed token changes nothing.
    await expect(verifyAccessToken(settings, hs256({ alg: 'HS256', kid: 'whatever' }, claims()), now)).resolves.toBeDefined();
  });

  it('refuses expired, not-yet-valid, future-issued, foreign and incomplete tokens', async () => {
    await refused(hs256({ alg: 'HS256' }, claims({ exp: t - 31 })));
    await refused(hs256({ alg: 'HS256' }, claims({ nbf: t + 31 })));
    await refused(hs256({ alg: 'HS256' }, claims({ iat: t + 3600, nbf: t, exp: t + 7200 })));
    await refused(hs256({ alg: 'HS256' }, claims({ iss: 'someone-else' })));
    await refused(hs256({ alg: 'HS256' }, claims({ aud: 'other-api' })));
    await refused(hs256({ alg: 'HS256' }, claims({ tenant_id: undefined })));
    await refused(hs256({ alg: 'HS256' }, claims({ tenant_id: '' })));
    await refused(hs256({ alg: 'HS256' }, claims({ scopes: ['spaces:read', 'root'] })));
    await refused(hs256({ alg: 'HS256' }, claims({ exp: undefined })));
    await refused(hs256({ alg: 'HS256' }, claims({ exp: '9999999999' })));
    // Within the 30 s skew allowance a token still works.
    await expect(verifyAccessToken(settings, hs256({ alg: 'HS256' }, claims({ exp: t - 10, nbf: t + 10, iat: t + 10 })), now)).resolves.toBeDefined();
  });
});
