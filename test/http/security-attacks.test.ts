/** The attacker's pass over the running host (issue 9 item 4): what failed first is fixed; the rest held. */
import { randomInt } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from '../helpers/api-call';
import { IDENTITY_FUNCTIONS, identityHost, TEST_JWT_SECRET } from '../helpers/host-presets';
import { createKeyFor, createTenantWithKey } from '../helpers/identity';
import { setSetting, useTestHost } from '../helpers/test-host';

const h = useTestHost({
  ...identityHost({ RATE_LIMIT_TIER_LIMITS: '{"free":"5/minute"}', API_KEY_CACHE_SECONDS: '60', LOG_LEVEL: 'debug' }),
  functions: [...IDENTITY_FUNCTIONS, 'src/functions/spaces-create.ts', 'src/functions/spaces-update.ts', 'src/functions/spaces-list.ts'],
});
let api: string;
beforeAll(() => {
  api = h.api;
});
const who = (headers: Record<string, string>) => call(`${api}/v1/auth/whoami`, { headers });
/** GET whoami from a loopback source address of its own (a fresh anonymous counter); the status. */
function whoFrom(localAddress: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(`${api}/v1/auth/whoami`);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, localAddress, agent: false, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('revocation reaches tokens', () => {
  it('a bearer token minted from a key stops working when the key is revoked', async () => {
    const t = await createTenantWithKey({ scopes: ['keys:manage', 'spaces:read'] });
    const other = await createKeyFor(t.tenantId, ['spaces:read']);
    const tokens = (await call(`${api}/v1/auth/token`, other.apiKey, { method: 'POST' })).body.data;
    expect((await who({ authorization: `Bearer ${tokens.access_token}` })).status).toBe(200);
    expect((await call(`${api}/v1/api-keys/${other.keyId}`, t.apiKey, { method: 'DELETE' })).status).toBe(204);
    const after = await who({ authorization: `Bearer ${tokens.access_token}` });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('UNAUTHENTICATED');
  });
});

describe('rate limits cannot be sidestepped', () => {
  it('refused credentials count against the caller’s address, so guessing keys is limited too', async () => {
    setSetting('RATE_LIMIT_DEFAULT', '5/minute');
    try {
      const t = await createTenantWithKey({ tier: 'free' });
      const from = `127.${randomInt(1, 250)}.${randomInt(1, 250)}.${randomInt(1, 250)}`;
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push(await whoFrom(from, { 'x-api-key': `${t.apiKey.slice(0, -4)}${String(i).padStart(4, 'Z')}` }));
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5)).toEqual([429, 429]);
    } finally {
      setSetting('RATE_LIMIT_DEFAULT', '100000/hour');
    }
  });

  it('a tenant’s keys share its tier’s limit: more keys are not more requests', async () => {
    const t = await createTenantWithKey({ tier: 'free', scopes: ['spaces:read'] });
    const keys = [t, ...(await Promise.all([1, 2, 3].map(() => createKeyFor(t.tenantId, ['spaces:read']))))];
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await who({ 'x-api-key': keys[i % keys.length]!.apiKey })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
  });

  it('the header name’s case changes nothing; padded or doubled keys are refused', async () => {
    const t = await createTenantWithKey({ tier: 'pro' });
    expect((await who({ 'X-API-KEY': t.apiKey })).status).toBe(200);
    expect((await who({ 'x-api-key': ` ${t.apiKey} ` })).status).toBe(200); // fetch trims header values, as HTTP does
    expect((await who({ 'x-api-key': `${t.apiKey}, ${t.apiKey}` })).status).toBe(401);
    expect((await who({ 'x-api-key': `${t.apiKey}\t x` })).status).toBe(401);
  });
});

describe('JSON bodies cannot pollute prototypes', () => {
  it('__proto__ and constructor.prototype are refused or dropped, and nothing is polluted', async () => {
    const t = await createTenantWithKey({ scopes: ['spaces:write', 'spaces:read'] });
    const raw = (body: string, url = `${api}/v1/spaces`, method = 'POST') =>
      call(url, t.apiKey, { method, headers: { 'content-type': 'application/json' }, body });
    expect((await raw('{"name":"p","__proto__":{"polluted":"yes"}}')).status).toBe(400);
    expect((await raw('{"name":"p","constructor":{"prototype":{"polluted":"yes"}}}')).status).toBe(400);
    const created = await raw('{"name":"p","metadata":{"__proto__":{"polluted":"yes"},"constructor":"x","ok":"1"}}');
    expect([201, 400]).toContain(created.status);
    if (created.status === 201) {
      expect(Object.keys(created.body.data.metadata)).not.toContain('__proto__');
      const patched = await raw('{"metadata":{"__proto__":{"polluted":"yes"}}}', `${api}/v1/spaces/${created.body.data.id}`, 'PATCH');
      expect([200, 400]).toContain(patched.status);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('secrets stay out of the logs', () => {
  it('no API key, access token, refresh token or signing secret appears in any log line, even at debug', async () => {
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array): boolean => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return true;
    };
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    let secrets: string[] = [];
    try {
      const t = await createTenantWithKey({ scopes: ['keys:manage', 'spaces:read'] });
      const pair = (await call(`${api}/v1/auth/token`, t.apiKey, { method: 'POST' })).body.data;
      await who({ authorization: `Bearer ${pair.access_token}` });
      const next = (await call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: pair.refresh_token } })).body.data;
      await call(`${api}/v1/auth/refresh`, { method: 'POST', body: { refresh_token: pair.refresh_token } }); // reuse: family revoked, logged
      await who({ 'x-api-key': `${t.apiKey.slice(0, -1)}x` });
      await who({ authorization: `Bearer ${pair.access_token}x` });
      const created = (await call(`${api}/v1/api-keys`, t.apiKey, { method: 'POST', body: { name: 'n', scopes: ['spaces:read'] } })).body.data;
      secrets = [t.apiKey, pair.access_token, pair.refresh_token, next.refresh_token, created.key, TEST_JWT_SECRET];
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(lines.length).toBeGreaterThan(3); // the requests were logged
    const all = lines.join('');
    for (const s of secrets) expect(s && all.includes(s)).toBe(false);
  });
});

describe('cursors belong to one list of one tenant', () => {
  it('a spaces cursor is refused by another tenant’s list and by another list', async () => {
    const a = await createTenantWithKey({ scopes: ['spaces:write', 'spaces:read', 'keys:manage'] });
    const b = await createTenantWithKey({ scopes: ['spaces:read'] });
    for (const name of ['one', 'two']) await call(`${api}/v1/spaces`, a.apiKey, { method: 'POST', body: { name } });
    const page = await call(`${api}/v1/spaces?limit=1`, a.apiKey);
    const cursor = page.body.pagination.cursor as string;
    expect(cursor).toBeTruthy();
    expect((await call(`${api}/v1/spaces?limit=1&cursor=${encodeURIComponent(cursor)}`, a.apiKey)).status).toBe(200);
    for (const [url, key] of [
      [`${api}/v1/spaces?limit=1&cursor=${encodeURIComponent(cursor)}`, b.apiKey],
      [`${api}/v1/api-keys?limit=1&cursor=${encodeURIComponent(cursor)}`, a.apiKey],
    ] as const) {
      const r = await call(url, key);
      expect(r.status).toBe(400);
      expect(r.body.error.details).toContainEqual({ field: 'cursor', issue: 'is not a valid cursor for this list' });
    }
  });
});
