import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceBusStandIn, type ServiceBusStandIn } from '../../local/service-bus/server';
import { QUEUES } from '../../src/shared/ports';

const retryOptions = { maxRetries: 0, timeoutInMs: 5_000 };

describe('Service Bus stand-in with the real @azure/service-bus client', () => {
  let sb: ServiceBusStandIn;
  let client: ServiceBusClient;
  beforeAll(async () => {
    sb = await startServiceBusStandIn({
      queues: [
        { name: QUEUES.events, lockDurationMs: 60_000, maxDeliveryCount: 3, duplicateDetectionWindowMs: 60_000 },
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
});
