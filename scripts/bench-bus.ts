/**
 * npm run bench:bus — Service Bus through the local AMQP stand-in with the real SDK, against the
 * in-process path, in one run: sends/s in batches, and publish→handler latency p50/p99 one message
 * at a time. The old in-process broker (src/shared/adapters/local-queue.ts) was retired: its logic
 * became the stand-in's store, so "in-process" is that store called directly, as the broker was.
 * Targets: ≥ 2,000 messages/s sent in batches through the stand-in.
 */
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { startServiceBusStandIn } from '../local/service-bus/server';
import { percentile, runBench } from './bench-lib';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 500);
const TARGET_SENDS = 2_000;
const queueProps = (name: string) => ({ name, lockDurationMs: 60_000, maxDeliveryCount: 10, duplicateDetectionWindowMs: 600_000 });

runBench(async () => {
  const sb = await startServiceBusStandIn({ queues: [queueProps('bench-send'), queueProps('bench-latency'), queueProps('bench-inproc')] });
  const client = new ServiceBusClient(sb.connectionString);
  try {
    // 1. Sends/s in batches through AMQP (messages accepted by the stand-in).
    const sender = client.createSender('bench-send');
    await sender.sendMessages({ body: { warmup: true } });
    let started = Date.now();
    for (let sent = 0; sent < MESSAGES;) {
      const batch = await sender.createMessageBatch();
      while (sent < MESSAGES && batch.count < BATCH && batch.tryAddMessage({ body: { n: sent, pad: 'x'.repeat(200) }, messageId: `m-${sent}` })) sent++;
      await sender.sendMessages(batch);
    }
    const amqpRate = MESSAGES / ((Date.now() - started) / 1000);
    started = Date.now();
    for (let i = 0; i < MESSAGES; i++) sb.store.sendNow('bench-inproc', { n: i, pad: 'x'.repeat(200) }, { messageId: `i-${i}` });
    const inprocRate = MESSAGES / Math.max(1e-3, (Date.now() - started) / 1000);
    sb.store.clear();

    // 2. publish→handler latency, one message in flight at a time.
    const latSender = client.createSender('bench-latency');
    const receiver = client.createReceiver('bench-latency');
    let onMessage: ((m: ServiceBusReceivedMessage) => void) | undefined;
    const sub = receiver.subscribe(
      { processMessage: (m) => Promise.resolve(onMessage?.(m)), processError: () => Promise.resolve() },
      { autoCompleteMessages: true, maxConcurrentCalls: 16 },
    );
    const amqpLat: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES + 20; i++) {
      const t0 = performance.now();
      const got = new Promise<void>((resolve) => (onMessage = () => resolve()));
      await latSender.sendMessages({ body: { i }, messageId: `l-${i}` });
      await got;
      if (i >= 20) amqpLat.push(performance.now() - t0);
    }
    await sub.close();
    const inprocLat: number[] = [];
    const store = sb.store;
    for (let i = 0; i < LATENCY_SAMPLES + 20; i++) {
      const t0 = performance.now();
      const got = new Promise<void>((resolve) => {
        const off = store.onAvailable((q) => {
          if (q !== 'bench-inproc') return;
          off();
          setImmediate(() => {
            const [m] = store.receive('bench-inproc', 1);
            if (m) store.complete('bench-inproc', m.lockToken as string);
            resolve();
          });
        });
      });
      store.sendNow('bench-inproc', { i }, { messageId: `li-${i}` });
      await got;
      if (i >= 20) inprocLat.push(performance.now() - t0);
    }
    const fmt = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `p50 ${percentile(s, 50).toFixed(2)} ms, p99 ${percentile(s, 99).toFixed(2)} ms`;
    };
    process.stdout.write(
      [
        `bench:bus — ${MESSAGES} messages in batches of ${BATCH}; ${LATENCY_SAMPLES} latency samples (shared machine)`,
        `  sends/s, AMQP stand-in + @azure/service-bus: ${Math.round(amqpRate)}  (target ≥ ${TARGET_SENDS}: ${amqpRate >= TARGET_SENDS ? 'met' : 'NOT met'})`,
        `  sends/s, in-process (store directly):        ${Math.round(inprocRate)}`,
        `  (the old in-process broker was retired; its logic is the stand-in's store, called directly here)`,
        `  publish→handler, AMQP stand-in + SDK: ${fmt(amqpLat)}`,
        `  publish→handler, in-process:          ${fmt(inprocLat)}`,
        '',
      ].join('\n'),
    );
    if (amqpRate < TARGET_SENDS) process.exitCode = 1;
    await Promise.all([receiver.close(), latSender.close(), sender.close()]);
  } finally {
    await client.close();
    await sb.stop();
  }
});
