/**
 * npm run bench:http — GET /api/health through the local host and, in the same run and under the
 * same load, a bare node:http server returning the same JSON. Prints requests/s and p50/p99 of each
 * and their ratio. Target: the host keeps >= 35% of the bare server's throughput, p99 < 20 ms.
 * Loopback only. BENCH_SECONDS / BENCH_CONNECTIONS override the defaults (10 s, 50 connections).
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { installFunctionsCore } from '../local/functions-core';
import { startLocalHost } from '../local/host';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

const run = promisify(execFile);
const AUTOCANNON = require.resolve('autocannon/autocannon.js');

/** The load runs in a child process, so the load generator doesn't share the event loop it measures. */
async function load(url: string, connections = CONNECTIONS, seconds = SECONDS): Promise<Figures> {
  const { stdout } = await run(process.execPath, [AUTOCANNON, '-j', '-c', String(connections), '-d', String(seconds), url], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const r = JSON.parse(stdout) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    errors: number;
    non2xx: number;
  };
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

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
  await load(healthUrl, 10, 1);
  await load(bareUrl, 10, 1);

  const viaHost = await load(healthUrl);
  const viaBare = await load(bareUrl);
  await host.stop();
  bare.close();

  const row = (name: string, f: Figures) =>
    `${name.padEnd(22)} ${f.rps.toFixed(0).padStart(8)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   errors ${f.errors}  non-2xx ${f.non2xx}`;
  const ratio = viaHost.rps / viaBare.rps;
  console.log(`bench:http — GET /api/health, ${CONNECTIONS} connections, ${SECONDS} s each, loopback`);
  console.log(row('local host', viaHost));
  console.log(row('bare node:http', viaBare));
  console.log(`throughput ratio host/bare: ${(ratio * 100).toFixed(1)}% (target >= 35%)   host p99 ${viaHost.p99} ms (target < 20 ms)`);
  const ok = ratio >= 0.35 && viaHost.p99 < 20 && viaHost.errors === 0 && viaHost.non2xx === 0;
  console.log(ok ? 'targets: MET' : 'targets: NOT MET');
  process.exitCode = ok ? 0 : 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
