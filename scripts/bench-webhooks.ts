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
 * Targets: >= 200 deliveries/s; p50 < 100 ms. Loopback only.
 *
 * Three processes, as in Azure they are three sides: this one holds the host (the Function App);
 * the emulators (Cosmos DB, the Service Bus AMQP stand-in) run in one of their own, as
 * `npm run load:local` runs them; the outside world — the clients making changes and the
 * subscriber's receiver — runs in a third (this script with --outside), so neither the load
 * generator nor the subscriber's signature checks are charged to the host. BENCH_ONE_PROCESS=1
 * runs everything in this process instead (every part on one core).
 * BENCH_PACED / BENCH_BURST_1 / BENCH_BURST_50 / BENCH_CONCURRENCY override 100 / 600 / 40 / 8.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { installFunctionsCore } from '../local/functions-core';
import { startEmulators } from '../local/emulators';
import { forkEmulators } from '../local/emulators-process';
import { startLocalHost } from '../local/host';
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

/** Milliseconds on a clock every process on this machine shares (performance.now() is per process). */
const wallNow = (): number => performance.timeOrigin + performance.now();

async function post(url: string, key: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { data?: Record<string, unknown> };
  if (res.status !== 201 || !json.data) throw new Error(`POST ${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json.data;
}

const spaceIdOf = (r: ReceivedWebhook): string => String((r.json.data as { space?: { id?: string } } | undefined)?.space?.id);

/** Runs task(0..events-1) with CONCURRENCY workers, each taking the next number as it frees up. */
async function concurrently(events: number, task: (n: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < events) await task(next++);
    }),
  );
}

/** `started` and the values of `sentAt` are wallNow() readings. */
function figures(got: ReceivedWebhook[], sentAt: Map<string, number>, started: number): Figures {
  const receivedAt = (r: ReceivedWebhook): number => performance.timeOrigin + r.receivedAt;
  const last = Math.max(...got.map(receivedAt));
  const latencies = got
    .map((r) => receivedAt(r) - (sentAt.get(spaceIdOf(r)) ?? NaN))
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

/** What the outside world does for the bench: subscribe, make changes, and receive the webhooks. */
interface Outside {
  /** `count` webhooks for space.created on the tenant with `key`, one receiver path each, under `label`. */
  subscribe(api: string, key: string, label: string, count: number): Promise<void>;
  /** Changes one at a time, each waiting for all its deliveries. */
  paced(label: string, events: number): Promise<Figures>;
  /** CONCURRENCY clients making changes as fast as they can. */
  burst(label: string, events: number): Promise<Figures>;
  /** Waits for one delivery per subscription of `label` for each id in `sentAt` (wallNow() readings) and reports them. */
  collect(label: string, sentAt: Record<string, number>, started: number): Promise<Figures>;
  close(): Promise<void>;
}

class Subscribers {
  readonly paths = new Set<string>();
  constructor(
    readonly api: string,
    readonly key: string,
  ) {}
}

/** The outside world in this process. */
class LocalOutside implements Outside {
  readonly #labels = new Map<string, Subscribers>();
  constructor(readonly receiver: WebhookReceiver) {}

  #of(label: string): Subscribers {
    const s = this.#labels.get(label);
    if (!s) throw new Error(`no subscribers named ${label}`);
    return s;
  }

  #mine(s: Subscribers): ReceivedWebhook[] {
    return this.receiver.received.filter((r) => s.paths.has(r.path));
  }

  async #deliveries(s: Subscribers, count: number, timeoutMs: number): Promise<void> {
    await this.receiver.waitFor(count, timeoutMs, (r) => s.paths.has(r.path));
  }

  async #change(s: Subscribers, name: string): Promise<{ id: string; at: number }> {
    const space = await post(`${s.api}/v1/spaces`, s.key, { name });
    return { id: String(space.id), at: wallNow() };
  }

  async subscribe(api: string, key: string, label: string, count: number): Promise<void> {
    const s = new Subscribers(api, key);
    this.#labels.set(label, s);
    for (let i = 0; i < count; i++) {
      const path = `/${label}/${i}`;
      const hook = await post(`${api}/v1/webhooks`, key, { url: `http://127.0.0.1:${this.receiver.port}${path}`, event_types: ['space.created'] });
      this.receiver.secretsByPath.set(path, [String(hook.secret)]);
      s.paths.add(path);
    }
  }

  async paced(label: string, events: number): Promise<Figures> {
    const s = this.#of(label);
    const before = this.#mine(s).length;
    const responseAt = new Map<string, number>();
    const started = wallNow();
    for (let n = 0; n < events; n++) {
      const c = await this.#change(s, `${label} paced ${n}`);
      responseAt.set(c.id, c.at);
      await this.#deliveries(s, before + (n + 1) * s.paths.size, 30_000);
    }
    return figures(this.#mine(s).slice(before), responseAt, started);
  }

  async burst(label: string, events: number): Promise<Figures> {
    const s = this.#of(label);
    const before = this.#mine(s).length;
    const responseAt = new Map<string, number>();
    const started = wallNow();
    await concurrently(events, async (n) => {
      const c = await this.#change(s, `${label} burst ${n}`);
      responseAt.set(c.id, c.at);
    });
    await this.#deliveries(s, before + events * s.paths.size, 300_000);
    return figures(this.#mine(s).slice(before), responseAt, started);
  }

  async collect(label: string, sentAt: Record<string, number>, started: number): Promise<Figures> {
    const s = this.#of(label);
    const ids = new Map(Object.entries(sentAt));
    const ours = (r: ReceivedWebhook): boolean => s.paths.has(r.path) && ids.has(spaceIdOf(r));
    await this.receiver.waitFor(ids.size * s.paths.size, 300_000, ours);
    return figures(this.receiver.received.filter(ours), ids, started);
  }

  close(): Promise<void> {
    return this.receiver.close();
  }
}

type Call = { [K in Exclude<keyof Outside, 'close'>]: { id: number; method: K; args: Parameters<Outside[K]> } }[Exclude<keyof Outside, 'close'>];
type Answer = { id: number; result?: unknown; error?: string };

/** The outside world in a process of its own (this script with --outside), driven over IPC. */
function forkOutside(): Promise<Outside> {
  const child: ChildProcess = fork(__filename, ['--outside'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Structured clone, not JSON: a percentile of no samples (NaN) must arrive as NaN, not null.
    serialization: 'advanced',
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  child.on('message', (m: Answer) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.result);
  });
  const failAll = (why: string): void => {
    for (const p of pending.values()) p.reject(new Error(why));
    pending.clear();
  };
  child.on('exit', (code, signal) => failAll(`the outside process exited (${code ?? signal})`));
  // A send to a process that has gone emits 'error'; the calls waiting on it fail instead.
  child.on('error', (err) => failAll(`the outside process: ${err.message}`));
  const call = <R>(method: Call['method'], args: unknown[]): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: (v) => resolve(v as R), reject });
      child.send({ id, method, args });
    });
  const outside: Outside = {
    subscribe: (...args) => call('subscribe', args),
    paced: (...args) => call('paced', args),
    burst: (...args) => call('burst', args),
    collect: (...args) => call('collect', args),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null || !child.connected) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(outside));
    child.once('exit', (code) => reject(new Error(`the outside process exited with ${code} before it was ready`)));
  });
}

/** The --outside process: a receiver and the clients, answering the bench's calls. */
async function serveOutside(): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) throw new Error('bench-webhooks --outside: start it with fork (it answers over IPC)');
  const outside = new LocalOutside(await startWebhookReceiver());
  process.on('message', (m: Call) => {
    const run = (outside[m.method] as (...a: unknown[]) => Promise<unknown>).apply(outside, m.args);
    run.then(
      (result) => send({ id: m.id, result } satisfies Answer),
      (err: unknown) => send({ id: m.id, error: err instanceof Error ? err.message : String(err) } satisfies Answer),
    );
  });
  process.once('disconnect', () => void outside.close().then(() => process.exit(0)));
  send({ ready: true });
}

/** Events published in-process (the call a change handler makes), CONCURRENCY at a time. */
async function pipeline(outside: Outside, label: string, tenantId: string, events: number): Promise<Figures> {
  const publishedAt: Record<string, number> = {};
  const started = wallNow();
  await concurrently(events, async (n) => {
    const id = `spc_pipeline_${n}`;
    await publishEvent(makeEvent('space.created', tenantId, { space: { id } }, id));
    publishedAt[id] = wallNow();
  });
  return outside.collect(label, publishedAt, started);
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
  const outside = oneProcess ? new LocalOutside(await startWebhookReceiver()) : await forkOutside();
  const api = `${host.url}/api`;
  const tenant = async (label: string): Promise<{ key: string; tenantId: string }> => {
    const t = await createTenant({ name: `bench ${label}`, tier: 'enterprise' }, 'bench');
    return { key: t.apiKey.key, tenantId: t.tenant.id };
  };
  const subscribed = async (label: string, count: number): Promise<{ tenantId: string }> => {
    const t = await tenant(label);
    await outside.subscribe(api, t.key, label, count);
    return t;
  };
  try {
    await subscribed('warmup', 2);
    await outside.burst('warmup', 40);

    await subscribed('one', 1);
    const onePaced = await outside.paced('one', PACED);
    const oneBurst = await outside.burst('one', BURST_1);
    const pipe = await subscribed('pipeline', 1);
    const onePipe = await pipeline(outside, 'pipeline', pipe.tenantId, BURST_1);

    await subscribed('fifty', 50);
    const fiftyPaced = await outside.paced('fifty', Math.max(10, Math.round(PACED / 5)));
    const fiftyBurst = await outside.burst('fifty', BURST_50);

    const layout = oneProcess
      ? 'one process: clients, host, emulators, receiver'
      : 'three processes: host | Cosmos DB and Service Bus stand-ins | clients and receiver';
    console.log(`bench:webhooks — change -> signed webhook at a loopback receiver (${layout})`);
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
  } catch (err) {
    // A stalled run says where its messages are (only the in-process stand-in can be asked).
    if (standIn) {
      for (const q of host.broker.queueNames()) {
        const c = host.broker.counts(q);
        if (Object.values(c).some((n) => n > 0)) console.error(`pending on "${q}": ${JSON.stringify(c)}`);
      }
    }
    throw err;
  } finally {
    await outside.close();
    await host.stop();
    await resetServices();
    await emulators.stop();
  }
}

if (process.argv[2] === '--outside') {
  serveOutside().catch((err: unknown) => {
    process.stderr.write(`bench-webhooks --outside: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
} else {
  runBench(main);
}
