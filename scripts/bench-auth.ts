/**
 * npm run bench:auth — in one run, through the local host on loopback with real Redis
 * (REDIS_HOST, default 127.0.0.1) and the embedded Cosmos emulator:
 *   1. GET /api/health (no auth, no rate limit)
 *   2. GET /api/v1/auth/whoami with X-API-Key (auth + Redis rate limit)
 *   3. GET /api/v1/auth/whoami with a Bearer JWT (auth + Redis rate limit)
 * prints requests/s, p50 and p99 side by side, then measures authenticate() + rateLimit()
 * in-process, one call at a time, to show what auth plus rate limiting cost per request.
 * The HTTP load runs in a child process (autocannon), apart from the event loop it measures.
 * BENCH_SECONDS / BENCH_CONNECTIONS override the defaults (10 s, 50 connections).
 */
import { HttpRequest } from '@azure/functions';
import { installFunctionsCore } from '../local/functions-core';
import { startLocalHost } from '../local/host';
import { startEmulators } from '../local/emulators';
import { resetConfig } from '../src/shared/config';
import { authenticate, rateLimit } from '../src/shared/http/authenticate';
import { exchangeApiKey } from '../src/shared/identity/auth-tokens';
import { authenticateApiKey } from '../src/shared/identity/api-keys';
import { createTenant } from '../src/shared/identity/tenants';
import { resetServices } from '../src/shared/services';
import { CONNECTIONS, figuresRow, load, percentile, runBench, SECONDS } from './bench-lib';

/** authenticate + rateLimit in-process, sequentially: microseconds at p50/p99. */
async function direct(headers: Record<string, string>, n = 5_000): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const req = new HttpRequest({ url: 'http://127.0.0.1/api/v1/auth/whoami', method: 'GET', headers });
    const t0 = performance.now();
    const p = await authenticate(req, { scopes: [] });
    const rl = await rateLimit(p, req);
    times.push((performance.now() - t0) * 1000);
    if (!rl?.allowed) throw new Error('unexpectedly rate limited');
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL = 'warn';
  process.env.REDIS_HOST ??= '127.0.0.1';
  // A limit no bench run reaches, so every request pays the full Redis check and is served.
  process.env.RATE_LIMIT_TIER_LIMITS = '{"pro":"100000000/hour"}';
  installFunctionsCore();
  const emulators = await startEmulators({ blob: false });
  resetConfig();
  await resetServices();
  const host = await startLocalHost({
    port: 0,
    startTimers: false,
    functionFiles: ['dist/src/functions/health.js', 'dist/src/functions/auth-whoami.js'],
  });
  const { apiKey } = await createTenant({ id: `bench-${Date.now()}`, name: 'Bench', tier: 'pro' }, 'bench');
  const pair = await exchangeApiKey(await authenticateApiKey(apiKey.key), apiKey.key);
  const keyHeaders = { 'x-api-key': apiKey.key };
  const jwtHeaders = { authorization: `Bearer ${pair.access_token}` };
  const health = `${host.url}/api/health`;
  const whoami = `${host.url}/api/v1/auth/whoami`;

  const check = await fetch(whoami, { headers: keyHeaders });
  if (check.status !== 200 || !check.headers.get('x-ratelimit-limit')) throw new Error(`whoami answered ${check.status}`);

  // Warm-up (JIT, connections, caches).
  const warm = { connections: 10, seconds: 1 };
  await load(health, warm);
  await load(whoami, { ...warm, headers: keyHeaders });
  await load(whoami, { ...warm, headers: jwtHeaders });

  const rows = [
    ['GET /api/health', await load(health)],
    ['whoami, X-API-Key', await load(whoami, { headers: keyHeaders })],
    ['whoami, Bearer JWT', await load(whoami, { headers: jwtHeaders })],
  ] as const;
  const inKey = await direct(keyHeaders);
  const inJwt = await direct(jwtHeaders);
  await host.stop();
  await resetServices();
  await emulators.stop();

  console.log(`bench:auth — ${CONNECTIONS} connections, ${SECONDS} s each, loopback, Redis at ${process.env.REDIS_HOST}`);
  for (const [name, f] of rows) console.log(figuresRow(name, f));
  console.log('authenticate() + rateLimit() in-process, sequential (includes the Redis round trip):');
  console.log(`  API key  p50 ${inKey.p50.toFixed(0)} µs   p99 ${inKey.p99.toFixed(0)} µs`);
  console.log(`  JWT      p50 ${inJwt.p50.toFixed(0)} µs   p99 ${inJwt.p99.toFixed(0)} µs`);
  const ok = inKey.p50 < 1000 && inJwt.p50 < 1000 && rows.every(([, f]) => f.errors === 0 && f.non2xx === 0);
  console.log(ok ? 'target (auth + rate limit < 1 ms at p50): MET' : 'target (auth + rate limit < 1 ms at p50): NOT MET');
  process.exitCode = ok ? 0 : 1;
}

runBench(main);
