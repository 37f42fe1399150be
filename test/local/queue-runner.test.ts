import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../local/host';
import type { RegisteredFunction } from '../../local/functions-core';
import { maxAutoLockRenewalMsFrom, maxConcurrentCallsFrom, QueueRunner } from '../../local/queue-runner';
import { startServiceBusStandIn } from '../../local/service-bus/server';
import { deliveries } from '../fixtures/functions/queue-fixtures';

const fixtures = join(__dirname, '..', 'fixtures', 'functions');
let host: LocalHost;

beforeAll(async () => {
  process.env.FX_POISON_QUEUE = 'fx-poison';
  host = await startLocalHost({ port: 0, functionFiles: [join(fixtures, 'queue-fixtures.ts')], retryDelayMs: 5 });
});
afterAll(async () => {
  await host.stop();
  host.broker.clear();
});
beforeEach(() => {
  for (const list of Object.values(deliveries)) list.length = 0;
});

describe('local host queue delivery', () => {
  it('lists the queue functions, resolving %SETTING% queue names', () => {
    expect(host.functions()).toEqual(
      expect.arrayContaining([
        { name: 'fx-queue-ok', trigger: 'serviceBus', queueName: 'fx-ok' },
        { name: 'fx-queue-poison', trigger: 'serviceBus', queueName: 'fx-poison' },
      ]),
    );
  });

  it('delivers a sent message to the queue function with the binding trigger metadata, then completes it', async () => {
    host.broker.sendNow('fx-ok', { hello: 'world' }, { messageId: 'ok-1', subject: 'greeting', applicationProperties: { tenantId: 't1' } });
    await host.broker.waitForIdle(5_000);
    expect(deliveries.ok).toHaveLength(1);
    expect(deliveries.ok?.[0]).toMatchObject({
      body: { hello: 'world' },
      messageId: 'ok-1',
      deliveryCount: 1,
      subject: 'greeting',
      applicationProperties: { tenantId: 't1' },
    });
    expect(Number.isNaN(Date.parse(String(deliveries.ok?.[0]?.enqueuedTimeUtc)))).toBe(false);
    expect(host.broker.counts('fx-ok')).toMatchObject({ active: 0, locked: 0, deadLettered: 0 });
  });

  it('delivers many messages, each exactly once', async () => {
    for (let i = 0; i < 100; i++) host.broker.sendNow('fx-ok', { i }, { messageId: `many-${i}` });
    await host.broker.waitForIdle(10_000);
    const seen = (deliveries.ok ?? []).map((d) => (d.body as { i: number }).i).sort((a, b) => a - b);
    expect(seen).toEqual([...Array(100).keys()]);
  });

  it('drops a duplicate MessageId: the function runs once', async () => {
    host.broker.sendNow('fx-ok', { n: 1 }, { messageId: 'dup-1' });
    host.broker.sendNow('fx-ok', { n: 2 }, { messageId: 'dup-1' });
    await host.broker.waitForIdle(5_000);
    expect(deliveries.ok?.map((d) => d.body)).toEqual([{ n: 1 }]);
  });

  it('redelivers after a throw with a growing deliveryCount until the function succeeds', async () => {
    host.broker.sendNow('fx-flaky', { job: 1 }, { messageId: 'flaky-1' });
    await host.broker.waitForIdle(5_000);
    expect(deliveries.flaky?.map((d) => [d.messageId, d.deliveryCount])).toEqual([
      ['flaky-1', 1],
      ['flaky-1', 2],
      ['flaky-1', 3],
    ]);
    expect(host.broker.deadLetters('fx-flaky')).toHaveLength(0);
  });

  it('dead-letters a message after 10 failed deliveries', async () => {
    host.broker.sendNow('fx-poison', { bad: true }, { messageId: 'poison-1' });
    await host.broker.waitForIdle(10_000);
    expect(deliveries.poison?.map((d) => d.deliveryCount)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(host.broker.deadLetters('fx-poison')).toMatchObject([
      { messageId: 'poison-1', body: { bad: true }, deliveryCount: 10, deadLetterReason: 'MaxDeliveryCountExceeded' },
    ]);
  });

  it('does not deliver a scheduled message before its time', async () => {
    const at = new Date(Date.now() + 300);
    host.broker.sendNow('fx-scheduled', { later: true }, { messageId: 'sched-1', scheduledEnqueueTime: at });
    await host.broker.waitForIdle(5_000); // not waiting for scheduled messages
    expect(deliveries.scheduled).toHaveLength(0);
    await host.broker.waitForIdle(5_000, { scheduledWithinMs: 10_000 });
    expect(deliveries.scheduled).toHaveLength(1);
    expect(deliveries.scheduled?.[0]?.at).toBeGreaterThanOrEqual(at.getTime());
  });

  it('reads maxConcurrentCalls from host.json in either extension layout', () => {
    expect(maxConcurrentCallsFrom({ extensions: { serviceBus: { maxConcurrentCalls: 8 } } })).toBe(8);
    expect(maxConcurrentCallsFrom({ extensions: { serviceBus: { messageHandlerOptions: { maxConcurrentCalls: 4 } } } })).toBe(4);
    expect(maxConcurrentCallsFrom({ extensions: {} })).toBeUndefined();
    expect(maxConcurrentCallsFrom(undefined)).toBeUndefined();
    expect(maxAutoLockRenewalMsFrom({ extensions: { serviceBus: { maxAutoLockRenewalDuration: '00:05:00' } } })).toBe(300_000);
    expect(maxAutoLockRenewalMsFrom({})).toBeUndefined();
  });

  it('keeps renewing the lock of a handler that outlives the lock duration, so it runs once', async () => {
    // Lock generous enough that a loaded machine's timer lag can't expire it between renewals.
    const sb = await startServiceBusStandIn({ queues: [{ name: 'slow', lockDurationMs: 400, maxDeliveryCount: 10, duplicateDetectionWindowMs: 0 }] });
    const broker = sb.store;
    const calls: unknown[] = [];
    const fn: RegisteredFunction = {
      name: 'fx-slow',
      triggerName: 'trigger',
      trigger: { type: 'serviceBusTrigger', direction: 'in', queueName: 'slow' },
      bindings: {},
      handler: async (_body, context) => {
        calls.push(context.triggerMetadata?.deliveryCount);
        await new Promise((r) => setTimeout(r, 1_500)); // several lock durations
      },
    };
    const runner = new QueueRunner({ functions: [fn], connectionString: sb.connectionString });
    runner.start();
    broker.sendNow('slow', { x: 1 });
    await broker.waitForIdle(5_000);
    expect(calls).toEqual([1]);
    expect(broker.counts('slow')).toMatchObject({ active: 0, locked: 0, deadLettered: 0 });
    await runner.stop();
    await sb.stop();
  });

  it('runs at most maxConcurrentCalls handlers of a queue at once', async () => {
    const sb = await startServiceBusStandIn({ queues: [{ name: 'gated', lockDurationMs: 60_000, maxDeliveryCount: 10, duplicateDetectionWindowMs: 0 }] });
    const broker = sb.store;
    let running = 0;
    let peak = 0;
    const releases: Array<() => void> = [];
    const fn: RegisteredFunction = {
      name: 'fx-gated',
      triggerName: 'trigger',
      trigger: { type: 'serviceBusTrigger', direction: 'in', queueName: 'gated' },
      bindings: {},
      handler: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
      },
    };
    const runner = new QueueRunner({ functions: [fn], maxConcurrentCalls: 2, connectionString: sb.connectionString });
    runner.start();
    for (let i = 0; i < 5; i++) broker.sendNow('gated', { i });
    await expect.poll(() => releases.length).toBe(2);
    expect(broker.counts('gated')).toMatchObject({ active: 3, locked: 2 });
    // Release handlers one by one until every message has run.
    for (let done = 0; done < 5; done++) {
      await expect.poll(() => releases.length).toBeGreaterThan(0);
      releases.shift()?.();
    }
    await broker.waitForIdle(5_000);
    expect(peak).toBe(2);
    await runner.stop();
    await sb.stop();
  });
});
