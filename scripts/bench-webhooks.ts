/**
 * npm run bench:webhooks — the whole event path through the local host: a change (POST
 * /api/v1/spaces) -> outbox -> events queue -> events-fanout -> webhook-deliveries ->
 * webhook-deliver -> a loopback receiver that verifies every signature with the standardwebhooks
 * library. For 1 and for 50 subscriptions per event it prints:
 *  - latency: changes made one at a time; event-to-receipt = from the change's HTTP response to
 *    the receiver holding the body (p50/p99; negative = the webhook arrived before the response);
 *  - throughput under load: 8 clients making changes as fast as they can; deliveries/s from the
 *    first request to the last receipt (and the latency under that load);
 *  - for 1 subscription also the pipeline alone: events published in-process with publishEvent,
 *    as a handler does, since one delivery per change is capped by the change endpoint itself.
 * Targets: >= 200 deliveries/s; p50 < 100 ms. Loopback only. The emulators (Cosmos DB, the Service
 * Bus AMQP stand-in) run in a process of their own, as `npm run load:local` runs them: in Azure they
 * are other machines, and sharing the host's event loop would charge their work to the host. The
 * client, the host and the receiver share this process. BENCH_ONE_PROCESS=1 runs the emulators in
 * this process too (every part on one core).
 * BENCH_PACED / BENCH_BURST_1 / BENCH_BURST_50 / BENCH_CONCURRENCY override 100 / 600 / 40 / 8.
 */
import { installFunctionsCore } from '../local/functions-core';
import { startEmulators } from '../local/emulators';
import { forkEmulators } from '../local/emulators-process';
import { startLocalHost, type LocalHost } from '../local/host';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../local/webhook-receiver';
import { resetConfig } from '../src/shared/config';
import { makeEvent } from '../src/shared/core/events';
import { publishEvent } from '../src/shared/events/publisher';
import { createTenant } from '../src/shared/identity/tenants';
import { resetServices } from '../src/shared/services';
import { percentile as pct, runBench } from './bench-lib';

const PACED = Number(process.env.BENCH_PACED ?? 100);
const BURST_1 = Number(process.env.BENCH_BURST_1 ?? 600);
const BURST_50 = Number(process.env.BENCH_BURST_50 ?? 40);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

interface Figures {
  deliveries: number;
  perSecond: number;
  p50: number;
  p99: number;
  unverified: number;
}

async function post(url: string, key: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { data?: Record<string, unknown> };
  if (res.status !== 201 || !json.data) throw new Error(`POST ${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json.data;
}

const spaceIdOf = (r: ReceivedWebhook): string => String((r.json.data as { space?: { id?: string } } | undefined)?.space?.id);

class Subscribers {
  readonly paths = new Set<string>();
  constructor(
    readonly api: string,
    readonly key: string,
    readonly receiver: WebhookReceiver,
  ) {}

  static async create(host: LocalHost, receiver: WebhookReceiver, label: string, count: number): Promise<Subscribers> {
    const { apiKey } = await createTenant({ name: `bench ${label}`, tier: 'enterprise' }, 'bench');
    const s = new Subscribers(`${host.url}/api`, apiKey.key, receiver);
    for (let i = 0; i < count; i++) await s.subscribe(`/${label}/${i}`);
    return s;
  }

  /** One more webhook for space.created, delivered to the receiver at `path`. */
  async subscribe(path: string): Promise<void> {
    const hook = await post(`${this.api}/v1/webhooks`, this.key, { url: `http://127.0.0.1:${this.receiver.port}${path}`, event_types: ['space.created'] });
    this.receiver.secretsByPath.set(path, [String(hook.secret)]);
    this.paths.add(path);
  }

  mine(): ReceivedWebhook[] {
    return this.receiver.received.filter((r) => this.paths.has(r.path));
  }

  async change(n: string): Promise<{ id: string; at: number }> {
    const space = await post(`${this.api}/v1/spaces`, this.key, { name: `bench ${n}` });
    return { id: String(space.id), at: performance.now() };
  }
}

function figures(got: ReceivedWebhook[], responseAt: Map<string, number>, started: number): Figures {
  const last = Math.max(...got.map((r) => r.receivedAt));
  const latencies = got
    .map((r) => r.receivedAt - (responseAt.get(spaceIdOf(r)) ?? NaN))
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  return {
    deliveries: got.length,
    perSecond: got.length / ((last - started) / 1_000),
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    unverified: got.filter((r) => r.verifiedWith.length !== 1).length,
  };
}

/** Prints the stand-in's queues that still hold messages (set in main), so a stalled run says where. */
let reportPending: (() => void) | undefined;

/** Waits until the subscriber's paths have received `count` webhooks. */
async function deliveries(s: Subscribers, count: number, timeoutMs: number): Promise<void> {
  try {
    await s.receiver.waitFor(count, timeoutMs, (r) => s.paths.has(r.path));
  } catch (err) {
    reportPending?.();
    throw err;
  }
}

/** Changes one at a time, each waiting for all its deliveries. */
async function paced(s: Subscribers, events: number, tag: string): Promise<Figures> {
  const before = s.mine().length;
  const responseAt = new Map<string, number>();
  const started = performance.now();
  for (let n = 0; n < events; n++) {
    const c = await s.change(`${tag} ${n}`);
    responseAt.set(c.id, c.at);
    await deliveries(s, before + (n + 1) * s.paths.size, 30_000);
  }
  return figures(s.mine().slice(before), responseAt, started);
}

/** Runs task(0..events-1) with CONCURRENCY workers, each taking the next number as it frees up. */
async function concurrently(events: number, task: (n: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < events) await task(next++);
    }),
  );
}

/** CONCURRENCY clients making changes as fast as they can. */
async function burst(s: Subscribers, events: number, tag: string): Promise<Figures> {
  const before = s.mine().length;
  const responseAt = new Map<string, number>();
  const started = performance.now();
  await concurrently(events, async (n) => {
    const c = await s.change(`${tag} ${n}`);
    responseAt.set(c.id, c.at);
  });
  await deliveries(s, before + events * s.paths.size, 300_000);
  return figures(s.mine().slice(before), responseAt, started);
}

/** Events published in-process (the call a change handler makes), CONCURRENCY at a time. */
async function pipeline(s: Subscribers, tenantId: string, events: number): Promise<Figures> {
  const before = s.mine().length;
  const publishedAt = new Map<string, number>();
  const started = performance.now();
  await concurrently(events, async (n) => {
    const id = `spc_pipeline_${n}`;
    await publishEvent(makeEvent('space.created', tenantId, { space: { id } }, id));
    publishedAt.set(id, performance.now());
  });
  await deliveries(s, before + events * s.paths.size, 300_000);
  return figures(s.mine().slice(before), publishedAt, started);
}

const fmt = (f: Figures): string =>
  `${String(f.deliveries).padStart(5)} deliveries  ${f.perSecond.toFixed(0).padStart(5)} deliveries/s   p50 ${f.p50.toFixed(1).padStart(7)} ms   p99 ${f.p99.toFixed(1).padStart(7)} ms   unverified ${f.unverified}`;

async function main(): Promise<void> {
  Object.assign(process.env, {
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    RATE_LIMIT_ENABLED: 'false',
  });
  const oneProcess = process.env.BENCH_ONE_PROCESS === '1';
  resetConfig();
  installFunctionsCore();
  const emulators = oneProcess ? await startEmulators({ blob: false }) : await forkEmulators();
  if ('env' in emulators) Object.assign(process.env, emulators.env);
  resetConfig();
  await resetServices();
  const standIn = 'serviceBus' in emulators ? emulators.serviceBus : undefined;
  const host = await startLocalHost({ port: 0, startTimers: false, serviceBus: standIn });
  const receiver = await startWebhookReceiver();
  if (standIn) {
    reportPending = () => {
      for (const q of host.broker.queueNames()) {
        const c = host.broker.counts(q);
        if (Object.values(c).some((n) => n > 0)) console.error(`pending on "${q}": ${JSON.stringify(c)}`);
      }
    };
  }
  try {
    const warm = await Subscribers.create(host, receiver, 'warmup', 2);
    await burst(warm, 40, 'warmup');

    const one = await Subscribers.create(host, receiver, 'one', 1);
    const onePaced = await paced(one, PACED, 'one paced');
    const oneBurst = await burst(one, BURST_1, 'one burst');
    const pipeTenant = await createTenant({ name: 'bench pipeline', tier: 'enterprise' }, 'bench');
    const pipe = new Subscribers(`${host.url}/api`, pipeTenant.apiKey.key, receiver);
    await pipe.subscribe('/pipeline/0');
    const onePipe = await pipeline(pipe, pipeTenant.tenant.id, BURST_1);

    const fifty = await Subscribers.create(host, receiver, 'fifty', 50);
    const fiftyPaced = await paced(fifty, Math.max(10, Math.round(PACED / 5)), 'fifty paced');
    const fiftyBurst = await burst(fifty, BURST_50, 'fifty burst');

    console.log(
      `bench:webhooks — change -> signed webhook at a loopback receiver (${oneProcess ? 'one process: client, host, emulators, receiver' : 'client, host and receiver in one process; Cosmos DB and Service Bus stand-ins in another'})`,
    );
    console.log(` 1 subscription/event,  changes one at a time:        ${fmt(onePaced)}`);
    console.log(` 1 subscription/event,  ${CONCURRENCY} clients, HTTP changes:     ${fmt(oneBurst)}`);
    console.log(` 1 subscription/event,  ${CONCURRENCY} publishers, in-process:    ${fmt(onePipe)}   (latency from publishEvent's return)`);
    console.log(`50 subscriptions/event, changes one at a time:        ${fmt(fiftyPaced)}`);
    console.log(`50 subscriptions/event, ${CONCURRENCY} clients, HTTP changes:     ${fmt(fiftyBurst)}`);
    const all = [onePaced, oneBurst, onePipe, fiftyPaced, fiftyBurst];
    const throughputOk = Math.max(oneBurst.perSecond, onePipe.perSecond) >= 200 && fiftyBurst.perSecond >= 200;
    const latencyOk = onePaced.p50 < 100 && fiftyPaced.p50 < 100;
    const verified = all.every((f) => f.unverified === 0);
    console.log(
      `targets: >= 200 deliveries/s ${throughputOk ? 'MET' : 'NOT MET'}; p50 < 100 ms (changes one at a time) ${latencyOk ? 'MET' : 'NOT MET'}; every signature verified ${verified ? 'yes' : 'NO'}`,
    );
    process.exitCode = throughputOk && latencyOk && verified ? 0 : 1;
  } finally {
    await receiver.close();
    await host.stop();
    await resetServices();
    await emulators.stop();
  }
}

runBench(main);
