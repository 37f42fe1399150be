import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/core/errors';
import {
  isWellFormedRefreshToken,
  issueAccessToken,
  newRefreshToken,
  newTokenFamilyId,
  verifyAccessToken,
  type TokenSettings,
} from '../../src/shared/core/tokens';

const settings: TokenSettings = {
  secret: 'test-secret-0123456789abcdef0123456789',
  issuer: 'eva-api',
  audience: 'eva-api',
  expiresInMinutes: 30,
};
const subject = { sub: 'key_1', tenantId: 'acme', tier: 'pro' as const, scopes: ['spaces:read' as const] };
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function expectUnauthenticated(p: Promise<unknown>): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe('UNAUTHENTICATED');
}

function signRaw(payload: Record<string, unknown>, secret = settings.secret) {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
}

describe('access tokens', () => {
  it('round-trips the claims', async () => {
    const issued = await issueAccessToken(settings, subject);
    expect(issued.expiresIn).toBe(1800);
    const v = await verifyAccessToken(settings, issued.token);
    expect(v).toMatchObject({ sub: 'key_1', tenantId: 'acme', tier: 'pro', scopes: ['spaces:read'], jti: issued.jti });
    const payload = JSON.parse(Buffer.from(issued.token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: 'eva-api', aud: 'eva-api', sub: 'key_1', tenant_id: 'acme', tier: 'pro' });
    for (const c of ['exp', 'nbf', 'iat', 'jti']) expect(payload[c]).toBeDefined();
  });

  it('rejects an expired token, but tolerates small clock skew', async () => {
    const past = new Date(Date.now() - 31 * 60_000);
    const { token } = await issueAccessToken(settings, subject, past);
    await expectUnauthenticated(verifyAccessToken(settings, token));
    const justExpired = await issueAccessToken(settings, subject, new Date(Date.now() - 30 * 60_000 - 5_000));
    await expect(verifyAccessToken(settings, justExpired.token)).resolves.toMatchObject({ tenantId: 'acme' });
  });

  it('rejects a token whose nbf is in the future', async () => {
    const { token } = await issueAccessToken(settings, subject, new Date(Date.now() + 10 * 60_000));
    await expectUnauthenticated(verifyAccessToken(settings, token));
  });

  it('rejects a token signed with another secret', async () => {
    const { token } = await issueAccessToken({ ...settings, secret: 'another-secret-0123456789abcdef012345' }, subject);
    await expectUnauthenticated(verifyAccessToken(settings, token));
  });

  it('accepts a token signed with JWT_PREVIOUS_SECRET_KEY during the rotation window, and only then', async () => {
    const old = 'previous-secret-0123456789abcdef0123456';
    const { token } = await issueAccessToken({ ...settings, secret: old }, subject);
    await expectUnauthenticated(verifyAccessToken(settings, token));
    await expect(verifyAccessToken({ ...settings, previousSecret: old }, token)).resolves.toMatchObject({ tenantId: 'acme' });
    // New tokens are signed with the current secret, which the previous one does not verify.
    const fresh = await issueAccessToken({ ...settings, previousSecret: old }, subject);
    await expectUnauthenticated(verifyAccessToken({ ...settings, secret: old }, fresh.token));
    // The previous secret does not rescue an expired token, nor one signed with a third secret.
    const expired = await issueAccessToken({ ...settings, secret: old }, subject, new Date(Date.now() - 31 * 60_000));
    await expectUnauthenticated(verifyAccessToken({ ...settings, previousSecret: old }, expired.token));
    const foreign = await issueAccessToken({ ...settings, secret: 'third-secret-0123456789abcdef0123456789' }, subject);
    await expectUnauthenticated(verifyAccessToken({ ...settings, previousSecret: old }, foreign.token));
  });

  it('rejects alg none', async () => {
    const { token } = await issueAccessToken(settings, subject);
    const [, payload] = token.split('.');
    await expectUnauthenticated(verifyAccessToken(settings, `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`));
    await expectUnauthenticated(verifyAccessToken(settings, `${b64({ alg: 'none' })}.${payload}`));
  });

  it('rejects another HMAC algorithm even with the right secret', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ tenant_id: 'acme', scopes: [] })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('key_1')
      .setIssuer('eva-api')
      .setAudience('eva-api')
      .setJti('j')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(settings.secret));
    await expectUnauthenticated(verifyAccessToken(settings, token));
  });

  it('rejects a changed payload', async () => {
    const { token } = await issueAccessToken(settings, subject);
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const changed = b64({ ...claims, tenant_id: 'other', scopes: ['admin:all'] });
    expect(changed).not.toBe(p);
    await expectUnauthenticated(verifyAccessToken(settings, `${h}.${changed}.${s}`));
  });

  it('rejects a token without tenant_id, or with a wrong issuer/audience, or unknown scopes', async () => {
    const now = Math.floor(Date.now() / 1000);
    const base = { sub: 'key_1', iss: 'eva-api', aud: 'eva-api', jti: 'j1', iat: now, nbf: now, exp: now + 600, scopes: [] };
    await expect(verifyAccessToken(settings, await signRaw({ ...base, tenant_id: 'acme' }))).resolves.toMatchObject({
      tenantId: 'acme',
    });
    await expectUnauthenticated(verifyAccessToken(settings, await signRaw(base)));
    await expectUnauthenticated(verifyAccessToken(settings, await signRaw({ ...base, tenant_id: '' })));
    await expectUnauthenticated(verifyAccessToken(settings, await signRaw({ ...base, tenant_id: 'acme', iss: 'evil' })));
    await expectUnauthenticated(verifyAccessToken(settings, await signRaw({ ...base, tenant_id: 'acme', aud: 'other' })));
    await expectUnauthenticated(verifyAccessToken(settings, await signRaw({ ...base, tenant_id: 'acme', scopes: ['root:everything'] })));
    const { exp: _exp, ...noExp } = base;
    await expectUnauthenticated(verifyAccessToken(settings, await signRaw({ ...noExp, tenant_id: 'acme' })));
  });

  it('rejects garbage', async () => {
    for (const t of ['', 'abc', 'a.b.c', 'eva_sk_x', '...']) await expectUnauthenticated(verifyAccessToken(settings, t));
  });
});

describe('refresh tokens', () => {
  it('are opaque, random and well-formed', () => {
    const a = newRefreshToken();
    const b = newRefreshToken();
    expect(a).not.toBe(b);
    expect(isWellFormedRefreshToken(a)).toBe(true);
    expect(isWellFormedRefreshToken(a.slice(1))).toBe(false);
    expect(isWellFormedRefreshToken('')).toBe(false);
    expect(newTokenFamilyId()).toMatch(/^fam_[0-9a-f]{24}$/);
  });
});
