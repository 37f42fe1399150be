/** Redis stopped mid-test: requests keep being served, limited by the in-process fallback. */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, whenReady } from '../../src/shared/adapters/redis';
import { call } from '../helpers/api-call';
import { startTestHost, type TestHost } from '../helpers/test-host';
import { identityHost } from '../helpers/host-presets';
import { createTenantWithKey } from '../helpers/identity';
import { freePort } from '../helpers/free-port';

let h: TestHost;
let redis: ChildProcess;
let port: number;

beforeAll(async () => {
  port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = createRedisClient({ host: '127.0.0.1', port });
  for (let i = 0; i < 50 && !(await whenReady(probe, 200)); i++) await probe.connect().catch(() => undefined);
  probe.disconnect();
  h = await startTestHost(identityHost({ REDIS_PORT: String(port), RATE_LIMIT_TIER_LIMITS: '{"free":"8/minute"}', REDIS_TIMEOUT_MS: '100' }));
});
afterAll(async () => {
  await h.stop();
  redis.kill('SIGKILL');
});

describe('rate limiting when Redis goes away', () => {
  it('keeps serving requests from the fallback and still limits them', async () => {
    const t = await createTenantWithKey({ tier: 'free' });
    const who = () => call(`${h.api}/v1/auth/whoami`, { headers: { 'x-api-key': t.apiKey } });
    for (let i = 0; i < 3; i++) expect((await who()).status).toBe(200);
    const counted = createRedisClient({ host: '127.0.0.1', port });
    await whenReady(counted, 2_000);
    expect((await counted.keys('rl:*')).length).toBeGreaterThan(0);
    counted.disconnect();

    const exited = new Promise((resolve) => redis.once('exit', resolve));
    redis.kill('SIGKILL');
    await exited;

    const after = [];
    for (let i = 0; i < 10; i++) after.push(await who());
    // The fallback counts from the outage on: 8 more are served, then 429 with Retry-After.
    expect(after.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429, 429]);
    expect(after[0]?.headers.get('x-ratelimit-limit')).toBe('8');
    expect(Number(after[9]?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
