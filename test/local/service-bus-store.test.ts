import { describe, expect, it } from 'vitest';
import { ServiceBusStore } from '../../local/service-bus/store';
import { QUEUES } from '../../src/shared/ports';

interface Props {
  maxDeliveryCount?: number;
  duplicateDetectionWindowMs?: number;
  lockDurationMs?: number;
  redeliveryDelayMs?: number;
}
/** A store with the queues these tests use, all with the given properties. */
function makeStore(p: Props = {}): ServiceBusStore {
  const props = {
    maxDeliveryCount: p.maxDeliveryCount ?? 10,
    duplicateDetectionWindowMs: p.duplicateDetectionWindowMs ?? 600_000,
    lockDurationMs: p.lockDurationMs ?? 60_000,
  };
  return new ServiceBusStore({
    queues: [QUEUES.events, 'q', 'stuck', 'soon'].map((name) => ({ name, ...props })),
    redeliveryDelayMs: p.redeliveryDelayMs ?? 0,
  });
}

describe('ServiceBusStore (the stand-in state: peek-lock, as Service Bus)', () => {
  it('delivers a sent message under a lock and removes it on complete', async () => {
    const broker = makeStore();
    broker.sendNow(
      QUEUES.events,
      { a: 1, when: new Date('2024-01-02T03:04:05Z'), gone: undefined },
      {
        messageId: 'm-1',
        subject: 'space.created',
        applicationProperties: { tenantId: 't1' },
      },
    );
    const [m] = broker.receive(QUEUES.events);
    expect(m).toMatchObject({
      messageId: 'm-1',
      subject: 'space.created',
      applicationProperties: { tenantId: 't1' },
      deliveryCount: 1,
      contentType: 'application/json',
      // The body crosses the wire as JSON.
      body: { a: 1, when: '2024-01-02T03:04:05.000Z' },
    });
    expect(m?.lockToken).toBeTruthy();
    expect(broker.receive(QUEUES.events)).toEqual([]); // locked: invisible to others
    broker.complete(QUEUES.events, m?.lockToken as string);
    expect(broker.counts(QUEUES.events)).toMatchObject({ active: 0, locked: 0 });
    expect(() => broker.complete(QUEUES.events, m?.lockToken as string)).toThrow(/not held/);
  });

  it('shapes event envelopes as the Service Bus adapter does (event id as MessageId, type as Subject)', async () => {
    const broker = makeStore();
    broker.sendNow(QUEUES.events, { event_id: 'evt_1', event_type: 'space.created', tenant_id: 'acme', data: {} });
    const [m] = broker.receive(QUEUES.events);
    expect(m).toMatchObject({ messageId: 'evt_1', subject: 'space.created', applicationProperties: { tenantId: 'acme' } });
  });

  it('drops a message whose MessageId was seen within the duplicate-detection window', async () => {
    const broker = makeStore();
    broker.sendNow(QUEUES.events, { n: 1 }, { messageId: 'dup' });
    broker.sendNow(QUEUES.events, { n: 2 }, { messageId: 'dup' });
    broker.sendNow(QUEUES.events, { n: 3 }, { messageId: 'other' });
    const got = broker.receive(QUEUES.events, 10);
    expect(got.map((m) => m.body)).toEqual([{ n: 1 }, { n: 3 }]);
    // The id stays remembered after the first copy is consumed.
    for (const m of got) broker.complete(QUEUES.events, m.lockToken as string);
    expect(broker.sendNow(QUEUES.events, { n: 4 }, { messageId: 'dup' })).toBe(false);
  });

  it('accepts the same MessageId again once the window has passed', async () => {
    const broker = makeStore({ duplicateDetectionWindowMs: 1 });
    broker.sendNow(QUEUES.events, { n: 1 }, { messageId: 'again' });
    await new Promise((r) => setTimeout(r, 5));
    broker.sendNow(QUEUES.events, { n: 2 }, { messageId: 'again' });
    expect(broker.receive(QUEUES.events, 10).map((m) => m.body)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('counts deliveries across abandons and dead-letters after the maximum', () => {
    const broker = makeStore({ maxDeliveryCount: 3 });
    broker.sendNow('q', 'payload', { messageId: 'p' });
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [m] = broker.receive('q');
      counts.push(m?.deliveryCount as number);
      broker.abandon('q', m?.lockToken as string);
    }
    expect(counts).toEqual([1, 2, 3]);
    expect(broker.receive('q')).toEqual([]);
    const [dead] = broker.deadLetters('q');
    expect(dead).toMatchObject({ messageId: 'p', body: 'payload', deliveryCount: 3, deadLetterReason: 'MaxDeliveryCountExceeded' });
  });

  it('makes a message visible again when its lock expires unsettled', async () => {
    const broker = makeStore({ lockDurationMs: 20 });
    broker.sendNow('q', { x: 1 });
    const [m] = broker.receive('q');
    await new Promise<void>((resolve) => broker.onAvailable(() => resolve()));
    const [again] = broker.receive('q');
    expect(again).toMatchObject({ body: { x: 1 }, deliveryCount: 2 });
    expect(() => broker.complete('q', m?.lockToken as string)).toThrow(/not held/);
    broker.complete('q', again?.lockToken as string);
  });

  it('dead-letters on request with a reason', () => {
    const broker = makeStore();
    broker.sendNow('q', { x: 1 });
    const [m] = broker.receive('q');
    broker.deadLetter('q', m?.lockToken as string, 'BadPayload', 'x is not allowed');
    expect(broker.deadLetters('q')).toMatchObject([{ deadLetterReason: 'BadPayload', deadLetterErrorDescription: 'x is not allowed' }]);
  });

  it('keeps a scheduled message invisible until its time', async () => {
    const broker = makeStore();
    const at = new Date(Date.now() + 200);
    broker.sendNow('q', { later: true }, { scheduledEnqueueTime: at });
    expect(broker.receive('q')).toEqual([]);
    expect(broker.counts('q').scheduled).toBe(1);
    await broker.waitForIdle(5_000); // scheduled messages do not count by default
    expect(broker.receive('q')).toEqual([]);
    await new Promise<void>((resolve) => {
      const off = broker.onAvailable(() => {
        off();
        resolve();
      });
    });
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
    expect(broker.receive('q')[0]).toMatchObject({ body: { later: true }, enqueuedTimeUtc: at });
  });

  it('waitForIdle waits for in-flight messages and reports what is pending on timeout', async () => {
    const broker = makeStore();
    broker.sendNow('q', 1);
    const [m] = broker.receive('q');
    let idle = false;
    const waiting = broker.waitForIdle(5_000).then(() => (idle = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(idle).toBe(false);
    broker.complete('q', m?.lockToken as string);
    await waiting;
    expect(idle).toBe(true);

    broker.sendNow('stuck', 1);
    await expect(broker.waitForIdle(50)).rejects.toThrow(/stuck/);
    await expect(broker.waitForIdle(50, { queues: ['q'] })).resolves.toBeUndefined();
    broker.sendNow('soon', 1, { scheduledEnqueueTime: new Date(Date.now() + 60_000) });
    await expect(broker.waitForIdle(50, { queues: ['soon'], scheduledWithinMs: 120_000 })).rejects.toThrow(/soon/);
    broker.clear();
  });

  it('gives redelivery after an abandon with delay its own wait, counted as busy', async () => {
    const broker = makeStore({ redeliveryDelayMs: 50 });
    broker.sendNow('q', 1);
    const [m] = broker.receive('q');
    broker.abandon('q', m?.lockToken as string);
    expect(broker.receive('q')).toEqual([]);
    expect(broker.counts('q').delayed).toBe(1);
    await expect(broker.waitForIdle(10)).rejects.toThrow(/did not become idle/);
    await new Promise<void>((resolve) => broker.onAvailable(() => resolve()));
    expect(broker.receive('q')[0]).toMatchObject({ deliveryCount: 2 });
  });

  it('cancels a scheduled message by its sequence number', () => {
    const broker = makeStore();
    broker.sendNow('q', { later: true }, { messageId: 'c-1', scheduledEnqueueTime: new Date(Date.now() + 60_000) });
    const [scheduled] = broker.peek('q');
    expect(scheduled?.state).toBe('scheduled');
    expect(broker.cancelScheduled('q', scheduled?.sequenceNumber as number)).toBe(true);
    expect(broker.cancelScheduled('q', scheduled?.sequenceNumber as number)).toBe(false);
    expect(broker.counts('q')).toMatchObject({ scheduled: 0, active: 0 });
  });

  it('defers a received message: no longer delivered, still peekable', () => {
    const broker = makeStore();
    broker.sendNow('q', { x: 1 });
    const [m] = broker.receive('q');
    broker.defer('q', m?.lockToken as string);
    expect(broker.receive('q')).toEqual([]);
    expect(broker.peek('q')).toMatchObject([{ state: 'deferred', body: { x: 1 } }]);
  });
});
