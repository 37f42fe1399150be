import { createHmac } from 'node:crypto';
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAND_IN_KEY, STAND_IN_KEY_NAME, startServiceBusStandIn, type ServiceBusStandIn } from '../../local/service-bus/server';
import { QUEUES } from '../../src/shared/ports';

const retryOptions = { maxRetries: 0, timeoutInMs: 5_000 };

describe('Service Bus stand-in with the real @azure/service-bus client', () => {
  let sb: ServiceBusStandIn;
  let client: ServiceBusClient;
  beforeAll(async () => {
    sb = await startServiceBusStandIn({
      // One queue per test, so no test sees another's messages.
      queues: [
        ...[QUEUES.events, 'dup', 'sched', 'dead', 'defer', 'reconnect', 'many'].map((name) => ({
          name,
          lockDurationMs: 60_000,
          maxDeliveryCount: 3,
          duplicateDetectionWindowMs: 60_000,
        })),
        { name: 'short-lock', lockDurationMs: 300, maxDeliveryCount: 10, duplicateDetectionWindowMs: 0 },
      ],
    });
    client = new ServiceBusClient(sb.connectionString, { retryOptions });
  });
  afterAll(async () => {
    await client.close();
    await sb.stop();
  });

  it('sends single messages and batches, and receives them in peek-lock with delivery count and lock token', async () => {
    const sender = client.createSender(QUEUES.events);
    await sender.sendMessages({ body: { n: 1 }, messageId: 'single-1', subject: 's', applicationProperties: { tenantId: 't1' } });
    const batch = await sender.createMessageBatch();
    for (let i = 2; i <= 4; i++) expect(batch.tryAddMessage({ body: { n: i }, messageId: `batch-${i}` })).toBe(true);
    await sender.sendMessages(batch);
    const receiver = client.createReceiver(QUEUES.events);
    const got = await receiver.receiveMessages(4, { maxWaitTimeInMs: 2_000 });
    expect(got.map((m) => m.body)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    const [first] = got;
    expect(first?.subject).toBe('s');
    expect(first?.applicationProperties).toEqual({ tenantId: 't1' });
    expect(first?.deliveryCount).toBe(0);
    expect(sb.store.isLocked(QUEUES.events, first?.lockToken as string)).toBe(true);
    for (const m of got) await receiver.completeMessage(m);
    expect(sb.store.counts(QUEUES.events)).toMatchObject({ active: 0, locked: 0 });
    await receiver.close();
    await sender.close();
  });

  it('drops a MessageId seen within the duplicate detection window', async () => {
    const sender = client.createSender('dup');
    await sender.sendMessages({ body: 'first', messageId: 'dup-1' });
    await sender.sendMessages({ body: 'second', messageId: 'dup-1' });
    await sender.sendMessages([
      { body: 'third', messageId: 'dup-1' },
      { body: 'other', messageId: 'dup-2' },
    ]);
    const receiver = client.createReceiver('dup');
    const got = await receiver.receiveMessages(10, { maxWaitTimeInMs: 500 });
    expect(got.map((m) => m.body)).toEqual(['first', 'other']);
    for (const m of got) await receiver.completeMessage(m);
    await receiver.close();
    await sender.close();
  });

  it('schedules messages (sequence numbers back), cancels one, and delivers the other at its time', async () => {
    const sender = client.createSender('sched');
    // Far enough ahead that a loaded machine is still before it when the "not yet" receive runs.
    const at = new Date(Date.now() + 3_000);
    const [keep, cancel] = await sender.scheduleMessages([{ body: 'keep' }, { body: 'cancel' }], at);
    expect(keep?.toNumber()).toBeGreaterThan(0);
    expect(cancel?.toNumber()).toBe((keep?.toNumber() ?? 0) + 1);
    const peeked = await client.createReceiver('sched').peekMessages(10);
    expect(peeked.map((m) => [m.body, m.state])).toEqual([
      ['keep', 'scheduled'],
      ['cancel', 'scheduled'],
    ]);
    await sender.cancelScheduledMessages(cancel as NonNullable<typeof cancel>);
    // The annotation on a plain send schedules too.
    await sender.sendMessages({ body: 'annotated', scheduledEnqueueTimeUtc: at });
    const receiver = client.createReceiver('sched');
    expect(await receiver.receiveMessages(5, { maxWaitTimeInMs: 100 })).toEqual([]);
    // Received as they come due; a loaded machine may hand them over in more than one batch.
    const all: Awaited<ReturnType<typeof receiver.receiveMessages>> = [];
    const deadline = Date.now() + 10_000;
    while (all.length < 2 && Date.now() < deadline) all.push(...(await receiver.receiveMessages(5, { maxWaitTimeInMs: 2_000 })));
    expect(all.map((m) => m.body).sort()).toEqual(['annotated', 'keep']);
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
    for (const m of all) await receiver.completeMessage(m);
    await receiver.close();
    await sender.close();
  });

  it('redelivers a message whose lock expired, with a higher delivery count; the stale lock is refused', async () => {
    sb.store.sendNow('short-lock', { x: 1 }, { messageId: 'lock-1' });
    const receiver = client.createReceiver('short-lock', { maxAutoLockRenewalDurationInMs: 0 });
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    expect(first?.deliveryCount).toBe(0);
    expect(first?.lockedUntilUtc?.getTime()).toBeLessThanOrEqual(Date.now() + 300);
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3_000 });
    expect(again).toMatchObject({ messageId: 'lock-1', deliveryCount: 1 });
    await expect(receiver.completeMessage(first as NonNullable<typeof first>)).rejects.toMatchObject({ code: 'MessageLockLost' });
    await receiver.renewMessageLock(again as NonNullable<typeof again>);
    await receiver.completeMessage(again as NonNullable<typeof again>);
    expect(sb.store.counts('short-lock')).toMatchObject({ active: 0, locked: 0 });
    await receiver.close();
  });

  it('dead-letters after maxDeliveryCount abandons (reason MaxDeliveryCountExceeded) and on request with reason and description', async () => {
    const sender = client.createSender('dead');
    await sender.sendMessages([
      { body: 'poison', messageId: 'poison-1' },
      { body: 'bad', messageId: 'bad-1' },
    ]);
    const receiver = client.createReceiver('dead');
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const got = await receiver.receiveMessages(2, { maxWaitTimeInMs: 1_000 });
      for (const m of got) {
        if (m.body === 'bad') await receiver.deadLetterMessage(m, { deadLetterReason: 'BadPayload', deadLetterErrorDescription: 'not a delivery' });
        else {
          counts.push(m.deliveryCount ?? -1);
          await receiver.abandonMessage(m);
        }
      }
    }
    expect(counts).toEqual([0, 1, 2]);
    const dlq = client.createReceiver('dead', { subQueueType: 'deadLetter' });
    const dead = await dlq.receiveMessages(5, { maxWaitTimeInMs: 1_000 });
    expect(dead.map((m) => [m.body, m.deadLetterReason, m.deadLetterErrorDescription]).sort()).toEqual([
      ['bad', 'BadPayload', 'not a delivery'],
      ['poison', 'MaxDeliveryCountExceeded', 'Message could not be consumed after 3 delivery attempts.'],
    ]);
    for (const m of dead) await dlq.completeMessage(m);
    await Promise.all([dlq.close(), receiver.close(), sender.close()]);
  });

  it('defers a message: it is no longer delivered but can still be peeked', async () => {
    const sender = client.createSender('defer');
    await sender.sendMessages({ body: 'later', messageId: 'defer-1' });
    const receiver = client.createReceiver('defer');
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    await receiver.deferMessage(m as NonNullable<typeof m>);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    expect((await receiver.peekMessages(5, { fromSequenceNumber: m?.sequenceNumber })).map((p) => [p.body, p.state])).toEqual([['later', 'deferred']]);
    await Promise.all([receiver.close(), sender.close()]);
  });

  it('refuses a token signed with the wrong key (401 on put-token)', async () => {
    const wrong = sb.connectionString.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=not-the-key');
    const bad = new ServiceBusClient(wrong, { retryOptions });
    try {
      await expect(bad.createSender(QUEUES.events).sendMessages({ body: 'x' })).rejects.toMatchObject({ code: 'UnauthorizedAccess' });
    } finally {
      await bad.close();
    }
  });

  it('refuses an expired SAS token, and accepts the same token signed with a future expiry', async () => {
    const sas = (expiresInS: number): string => {
      const audience = encodeURIComponent(`sb://127.0.0.1:${sb.port}/${QUEUES.events}`);
      const se = Math.floor(Date.now() / 1000) + expiresInS;
      const sig = encodeURIComponent(createHmac('sha256', STAND_IN_KEY).update(`${audience}\n${se}`).digest('base64'));
      return `SharedAccessSignature sr=${audience}&sig=${sig}&se=${se}&skn=${STAND_IN_KEY_NAME}`;
    };
    const withToken = (token: string): ServiceBusClient =>
      new ServiceBusClient(`Endpoint=sb://127.0.0.1:${sb.port};SharedAccessSignature=${token};UseDevelopmentEmulator=true`, { retryOptions });
    const expired = withToken(sas(-60));
    const fresh = withToken(sas(3_600));
    try {
      await expect(expired.createSender(QUEUES.events).sendMessages({ body: 'x' })).rejects.toMatchObject({ code: 'UnauthorizedAccess' });
      await fresh.createSender(QUEUES.events).sendMessages({ body: 'with a fresh token', messageId: 'sas-fresh' });
      expect(sb.store.peek(QUEUES.events).map((m) => m.body)).toContain('with a fresh token');
    } finally {
      await Promise.all([expired.close(), fresh.close()]);
    }
  });

  it('recovers when the connection drops mid-receive: the SDK reconnects and delivery goes on', async () => {
    const resilient = new ServiceBusClient(sb.connectionString, { retryOptions: { maxRetries: 10, retryDelayInMs: 50, timeoutInMs: 5_000 } });
    const receiver = resilient.createReceiver('reconnect');
    const sender = resilient.createSender('reconnect');
    const got: unknown[] = [];
    const subscription = receiver.subscribe(
      {
        processMessage: async (m) => void got.push(m.body),
        processError: async () => undefined, // the drop is reported here; the SDK recovers by itself
      },
      { autoCompleteMessages: true },
    );
    try {
      await sender.sendMessages({ body: 'before', messageId: 'r-1' });
      await expect.poll(() => got, { timeout: 5_000 }).toEqual(['before']);
      await sb.store.waitForIdle(5_000, { queues: ['reconnect'] }); // its completion has arrived
      sb.dropConnections();
      await sender.sendMessages({ body: 'after', messageId: 'r-2' });
      await expect.poll(() => got, { timeout: 10_000 }).toEqual(['before', 'after']);
      await sb.store.waitForIdle(5_000, { queues: ['reconnect'] });
    } finally {
      await subscription.close();
      await Promise.all([receiver.close(), sender.close()]);
      await resilient.close();
    }
  });
  it('keeps delivering on one receiver link past 2,048 settled messages (the AMQP session window is freed)', async () => {
    // Regression: the stand-in never let go of deliveries a peek-lock receiver had settled, so each
    // receiver's session stopped for good after 2,048 messages (bench:webhooks lost its last 5%).
    const total = 2_100;
    const sender = client.createSender('many');
    for (let sent = 0; sent < total;) {
      const batch = await sender.createMessageBatch();
      while (sent < total && batch.tryAddMessage({ body: sent, messageId: `many-${sent}` })) sent++;
      await sender.sendMessages(batch);
    }
    const receiver = client.createReceiver('many');
    let completed = 0;
    const subscription = receiver.subscribe(
      {
        processMessage: async (m) => {
          await receiver.completeMessage(m);
          completed++;
        },
        processError: async () => undefined,
      },
      { autoCompleteMessages: false, maxConcurrentCalls: 32 },
    );
    try {
      await expect.poll(() => completed, { timeout: 20_000, interval: 100 }).toBe(total);
      expect(sb.store.counts('many')).toMatchObject({ active: 0, locked: 0 });
    } finally {
      await subscription.close();
      await Promise.all([receiver.close(), sender.close()]);
    }
  });
});
