/**
 * npm run bench:http — GET /api/health through the local host and, in the same run and under the
 * same load, a bare node:http server returning the same JSON. Prints requests/s and p50/p99 of each
 * and their ratio. Target: the host keeps >= 35% of the bare server's throughput, p99 < 20 ms.
 * Loopback only. BENCH_SECONDS / BENCH_CONNECTIONS override the defaults (10 s, 50 connections).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { installFunctionsCore } from '../local/functions-core';
import { startLocalHost } from '../local/host';
import { CONNECTIONS, figuresRow, load, runBench, SECONDS } from './bench-lib';

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

  const viaHost = await load(healthUrl);
  const viaBare = await load(bareUrl);
  await host.stop();
  bare.close();

  const ratio = viaHost.rps / viaBare.rps;
  console.log(`bench:http — GET /api/health, ${CONNECTIONS} connections, ${SECONDS} s each, loopback`);
  console.log(figuresRow('local host', viaHost));
  console.log(figuresRow('bare node:http', viaBare));
  console.log(`throughput ratio host/bare: ${(ratio * 100).toFixed(1)}% (target >= 35%)   host p99 ${viaHost.p99} ms (target < 20 ms)`);
  const ok = ratio >= 0.35 && viaHost.p99 < 20 && viaHost.errors === 0 && viaHost.non2xx === 0;
  console.log(ok ? 'targets: MET' : 'targets: NOT MET');
  process.exitCode = ok ? 0 : 1;
}

runBench(main);
