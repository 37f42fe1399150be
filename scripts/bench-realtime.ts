/**
 * npm run bench:realtime — N concurrent Web PubSub clients (1,000, then 10,000) in a load process
 * of their own, each connected through GET /v1/realtime/negotiate and so joined to its tenant's
 * group; then BENCH_EVENTS spaces created through the API, one every BENCH_GAP_MS. Prints
 * connections held, memory per connection (the API process, which holds the stand-in, and the load
 * process), and change→every-client latency p50/p99 (event timestamp to receipt, over every
 * client × event). Target: p99 < 500 ms at 10,000. Loopback only; the stand-in stands in for the
 * service, so the API-side memory is the stand-in's, not Azure's. Needs ulimit -n above N
 * (each process holds N sockets); BENCH_SIZES overrides "1000,10000".
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { installFunctionsCore } from '../local/functions-core';
import { startEmulators } from '../local/emulators';
import { startLocalHost } from '../local/host';
import { resetConfig } from '../src/shared/config';
import { createTenant } from '../src/shared/identity/tenants';
import { resetServices } from '../src/shared/services';
import { percentile, runBench } from './bench-lib';

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
/** Load processes sharing the clients: one process receiving 10,000 copies of an event in turn would itself be the last client's delay. */
const LOAD_PROCESSES = Math.max(1, Number(process.env.BENCH_LOAD_PROCESSES ?? 2));
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20);
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 250);
const PHASE_TIMEOUT_MS = 300_000;

type Ready = { cmd: 'ready'; connected: number; failed: number; openSeconds: number; rssPerClient: number };
type Report = { cmd: 'report'; latencies: number[]; events: string[] };
type Reply = Ready | Report;

function next<T extends Reply['cmd']>(child: ChildProcess, cmd: T): Promise<Extract<Reply, { cmd: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`load process: no ${cmd} within ${PHASE_TIMEOUT_MS / 1000} s`)), PHASE_TIMEOUT_MS);
    const onMessage = (m: Reply) => {
      if (m.cmd !== cmd) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m as Extract<Reply, { cmd: T }>);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`load process exited (${code}) before ${cmd}`)));
  });
}

const mib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;

runBench(async () => {
  installFunctionsCore();
  process.env.RATE_LIMIT_ENABLED = 'false';
  process.env.LOG_LEVEL = 'warn';
  delete process.env.WEB_PUBSUB_CONNECTION_STRING;
  resetConfig();
  const emulators = await startEmulators({ blob: false });
  await resetServices();
  const dir = join(__dirname, '..', 'src', 'functions');
  const host = await startLocalHost({
    port: 0,
    serviceBus: emulators.serviceBus,
    functionFiles: ['spaces-create', 'events-fanout', 'realtime-negotiate', 'realtime-push'].map((f) => join(dir, `${f}.js`)),
  });
  const standIn = emulators.webPubSub;
  if (!standIn) throw new Error('the stand-in did not start');
  const api = `${host.url}/api`;
  let failedTarget = false;
  console.log(
    `bench:realtime  events per size: ${EVENTS}, one every ${GAP_MS} ms; clients split over ${LOAD_PROCESSES} load processes; ulimit -n must exceed the size`,
  );
  try {
    // Warm-up: the first changes open the AMQP links, the push function's Web PubSub client and
    // the JWT keys (hundreds of ms each time on this machine); they are not what is measured.
    const warm = await createTenant({ name: 'bench realtime warm-up', tier: 'enterprise' }, 'bench');
    for (let i = 0; i < 5; i++) {
      await fetch(`${api}/v1/spaces`, {
        method: 'POST',
        headers: { 'x-api-key': warm.apiKey.key, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `warm-up ${i}` }),
      });
    }
    await host.broker.waitForIdle(30_000);
    for (const n of SIZES) {
      const { apiKey } = await createTenant({ name: `bench realtime ${n}`, tier: 'enterprise' }, 'bench');
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      const k = Math.min(LOAD_PROCESSES, n);
      const shares = Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
      const children = shares.map((share) =>
        fork(join(__dirname, 'bench-realtime-load.js'), [api, apiKey.key, String(share), String(Math.ceil(100 / shares.length))], { stdio: 'inherit' }),
      );
      try {
        const readies = await Promise.all(children.map((c) => next(c, 'ready')));
        const ready = {
          connected: readies.reduce((a, r) => a + r.connected, 0),
          failed: readies.reduce((a, r) => a + r.failed, 0),
          openSeconds: Math.max(...readies.map((r) => r.openSeconds)),
          rssPerClient:
            readies.reduce((a, r) => a + r.rssPerClient * r.connected, 0) /
            Math.max(
              1,
              readies.reduce((a, r) => a + r.connected, 0),
            ),
        };
        global.gc?.();
        const held = [...standIn.state.connections.values()].filter((c) => c.socket).length;
        const serverPer = (process.memoryUsage().rss - rssBefore) / Math.max(1, held);
        for (let i = 0; i < EVENTS; i++) {
          const r = await fetch(`${api}/v1/spaces`, {
            method: 'POST',
            headers: { 'x-api-key': apiKey.key, 'content-type': 'application/json' },
            body: JSON.stringify({ name: `bench ${n} ${i}` }),
          });
          if (r.status !== 201) throw new Error(`POST /v1/spaces answered ${r.status}`);
          await new Promise((ok) => setTimeout(ok, GAP_MS));
        }
        await new Promise((ok) => setTimeout(ok, 2_000));
        const reports = await Promise.all(children.map((c) => next((c.send({ cmd: 'report' }), c), 'report')));
        const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
        const rep = {
          latencies: latencies.length,
          events: new Set(reports.flatMap((r) => r.events)).size,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
        };
        const expected = ready.connected * EVENTS;
        const ok = n < 10_000 || rep.p99 < 500;
        failedTarget ||= !ok || rep.latencies < expected;
        console.log(
          [
            `N=${n}: connections held ${held} (opened ${ready.connected}, failed ${ready.failed}, in ${ready.openSeconds.toFixed(1)} s, ${children.length} load processes)`,
            `  memory per connection: API process (stand-in) ${mib(serverPer)} RSS, load process ${mib(ready.rssPerClient)} RSS`,
            `  change -> every client: p50 ${rep.p50} ms, p99 ${rep.p99} ms over ${rep.latencies}/${expected} receipts of ${rep.events} events${n >= 10_000 ? `  (target p99 < 500 ms: ${ok ? 'met' : 'NOT met'})` : ''}`,
          ].join('\n'),
        );
      } finally {
        await Promise.all(
          children.map(async (c) => {
            c.send({ cmd: 'stop' });
            await new Promise((ok) => c.once('exit', ok));
          }),
        );
      }
    }
  } finally {
    await host.stop();
    await resetServices();
    await emulators.stop();
  }
  if (failedTarget) process.exitCode = 1;
});
