/** Replay while the bus is down: the replay fails, and the deliveries it touched stay replayable. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getQueueSender } from '../../src/shared/events/queue-sender';
import { dependencyUnavailable } from '../../src/shared/core/errors';
import { makeEvent } from '../../src/shared/core/events';
import { QUEUES } from '../../src/shared/ports';
import { createDelivery, deliveryIdFor, findDelivery, newDelivery } from '../../src/shared/webhooks/delivery-store';
import { call } from '../helpers/api-call';
import { createTenantWithKey } from '../helpers/identity';
import { startWebhookReceiver } from '../../local/webhook-receiver';
import { useTestHost } from '../helpers/test-host';
import { webhooksHost } from '../helpers/host-presets';

const h = useTestHost(webhooksHost());

afterEach(() => {
  vi.restoreAllMocks();
});

describe('webhook replay during a bus outage', () => {
  it('leaves a dead delivery dead (not stuck "pending" with no message) when the replay cannot enqueue it', async () => {
    const t = await createTenantWithKey({ scopes: ['webhooks:manage'] });
    const r = await startWebhookReceiver();
    try {
      const created = await call(`${h.api}/v1/webhooks`, { method: 'POST', headers: { 'x-api-key': t.apiKey }, body: { url: r.url, event_types: ['*'] } });
      expect(created.status).toBe(201);
      const hookId = String(created.body.data?.id);
      r.secrets.push(String(created.body.data?.secret));

      // A delivery that exhausted its attempts earlier: dead-lettered, replayable.
      const event = makeEvent('space.created', t.tenantId, { space: { id: 'spc_1', name: 'Docs' } }, 'spc_1', new Date(Date.now() - 60_000));
      const deliveryId = deliveryIdFor(event.event_id, hookId);
      const at = new Date(Date.now() - 60_000);
      const dead = newDelivery({ tenantId: t.tenantId, deliveryId, webhookId: hookId, event, attempt: 1, generation: 1 }, at);
      await createDelivery({ ...dead, status: 'dead', attempts: 3, deadAt: at.toISOString(), nextAttemptAt: null });

      const replay = () =>
        call(`${h.api}/v1/webhooks/${hookId}/replay`, {
          method: 'POST',
          headers: { 'x-api-key': t.apiKey },
          body: { since: new Date(Date.now() - 120_000).toISOString() },
        });

      const sender = getQueueSender();
      const send = sender.send.bind(sender);
      vi.spyOn(sender, 'send').mockImplementation((queue, body, options) =>
        queue === QUEUES.webhookDeliveries ? Promise.reject(dependencyUnavailable('service-bus')) : send(queue, body, options),
      );
      const failed = await replay();
      expect(failed.status).toBe(503);
      expect((await findDelivery(t.tenantId, deliveryId))?.status).toBe('dead');

      vi.restoreAllMocks();
      const ok = await replay();
      expect(ok.status).toBe(202);
      expect(ok.body.data).toMatchObject({ replayed: 1 });
      const [got] = await r.waitFor(1);
      expect(got.json.event_id).toBe(event.event_id);
    } finally {
      await r.close();
    }
  });
});
