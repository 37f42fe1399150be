/**
 * npm run bench:http — GET /api/health through the local host and, in the same run and under the
 * same load, a bare node:http server returning the same JSON. Prints requests/s and p50/p99 of each
 * and their ratio. Target: the host keeps >= 35% of the bare server's throughput, p99 < 20 ms.
 *
 * On a shared 2-core machine the bare server alone swings by a third from one 10 s run to the
 * next, so one host run beside one bare run measures the machine as much as the host. The bench
 * therefore runs BENCH_ROUNDS (default 3) rounds, each a host run then a bare run back to back,
 * prints every round, and judges the median round (ratio and p99 both).
 * Loopback only. BENCH_SECONDS / BENCH_CONNECTIONS override the defaults (10 s, 50 connections).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { installFunctionsCore } from '../local/functions-core';
import { startLocalHost } from '../local/host';
import { CONNECTIONS, figuresRow, load, median, runBench, SECONDS, type LoadFigures } from './bench-lib';

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

function bareServer(body: string): Promise<Server> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-Id': 'req_bench' });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL = 'warn';
  installFunctionsCore();
  const host = await startLocalHost({ port: 0, startTimers: false });
  const healthUrl = `${host.url}/api/health`;
  const sample = await (await fetch(healthUrl)).text();
  const bare = await bareServer(sample);
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/api/health`;

  // Warm both up so JIT and connection setup don't count.
  await load(healthUrl, { connections: 10, seconds: 1 });
  await load(bareUrl, { connections: 10, seconds: 1 });

  console.log(`bench:http — GET /api/health, ${CONNECTIONS} connections, ${SECONDS} s each, ${ROUNDS} rounds of host then bare, loopback`);
  const rounds: { host: LoadFigures; bare: LoadFigures; ratio: number }[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    const viaHost = await load(healthUrl);
    const viaBare = await load(bareUrl);
    rounds.push({ host: viaHost, bare: viaBare, ratio: viaHost.rps / viaBare.rps });
    console.log(`round ${i}`);
    console.log(figuresRow('  local host', viaHost));
    console.log(figuresRow('  bare node:http', viaBare));
    console.log(`  ratio host/bare: ${((viaHost.rps / viaBare.rps) * 100).toFixed(1)}%`);
  }
  await host.stop();
  bare.close();

  const ratio = median(rounds.map((r) => r.ratio));
  const p99 = median(rounds.map((r) => r.host.p99));
  const clean = rounds.every((r) => r.host.errors === 0 && r.host.non2xx === 0 && r.bare.errors === 0);
  console.log(`median of ${ROUNDS} rounds: throughput ratio host/bare ${(ratio * 100).toFixed(1)}% (target >= 35%), host p99 ${p99} ms (target < 20 ms)`);
  const ok = ratio >= 0.35 && p99 < 20 && clean;
  console.log(ok ? 'targets: MET' : 'targets: NOT MET');
  process.exitCode = ok ? 0 : 1;
}

runBench(main);
