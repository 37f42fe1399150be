/**
 * A consumer that crashed mid-attempt leaves its claim on the delivery. With a large HTTP_TIMEOUT
 * the claim (HTTP_TIMEOUT x 2 + 30 s) outlives the message's 60 s lock, so the redelivered message
 * finds it still held. It must neither burn the bus's delivery count (dead letter) nor leave the
 * delivery stuck "in flight": it waits for the claim to expire, then sends, exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeEvent } from '../../src/shared/core/events';
import { QUEUES } from '../../src/shared/ports';
import { createDelivery, deliveryIdFor, findDelivery, newDelivery, type DeliveryMessage } from '../../src/shared/webhooks/delivery-store';
import { call } from '../helpers/api-call';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/webhook-receiver';
import { eventually, useTestHost } from '../helpers/test-host';
import { webhooksHost } from '../helpers/host-presets';

const HTTP_TIMEOUT_S = 120;
const CLAIM_TTL_MS = HTTP_TIMEOUT_S * 2_000 + 30_000;

const h = useTestHost(webhooksHost({ HTTP_TIMEOUT: String(HTTP_TIMEOUT_S) }));
const receivers: WebhookReceiver[] = [];

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function subscribedTenant(): Promise<{ t: TenantWithKey; r: WebhookReceiver; hookId: string }> {
  const t = await createTenantWithKey({ scopes: ['webhooks:manage'] });
  const r = await startWebhookReceiver();
  receivers.push(r);
  const res = await call(`${h.api}/v1/webhooks`, { method: 'POST', headers: { 'x-api-key': t.apiKey }, body: { url: r.url, event_types: ['*'] } });
  expect(res.status).toBe(201);
  r.secrets.push(String(res.body.data?.secret));
  return { t, r, hookId: String(res.body.data?.id) };
}

/** The delivery record as a consumer leaves it when it dies after claiming attempt 1 at `claimedAt`. */
async function claimedBy(message: DeliveryMessage, claimedAt: Date): Promise<void> {
  const rec = newDelivery(message, claimedAt);
  expect(await createDelivery({ ...rec, inFlightAttempt: 1, inFlightSince: claimedAt.toISOString() })).toBeDefined();
}

function deliveryMessage(t: TenantWithKey, hookId: string): DeliveryMessage {
  const event = makeEvent('space.created', t.tenantId, { space: { id: 'spc_1', name: 'Docs' } }, 'spc_1');
  return { tenantId: t.tenantId, deliveryId: deliveryIdFor(event.event_id, hookId), webhookId: hookId, event, attempt: 1, generation: 1 };
}

const scheduledCopies = (deliveryId: string) =>
  h.host.broker.peek(QUEUES.webhookDeliveries).filter((m) => (m.body as DeliveryMessage).deliveryId === deliveryId);

describe('webhook delivery after a consumer crashed mid-attempt', () => {
  it('a redelivered message that finds a stale claim still held waits it out, then delivers once; nothing is dead-lettered', async () => {
    const { t, r, hookId } = await subscribedTenant();
    const message = deliveryMessage(t, hookId);
    // The crash left a claim with 3 s to live: far longer than the bus's 10 redeliveries take here.
    await claimedBy(message, new Date(Date.now() - CLAIM_TTL_MS + 3_000));
    h.host.broker.sendNow(QUEUES.webhookDeliveries, message, { messageId: 'redelivered-after-crash' });

    const [got] = await r.waitFor(1, 20_000);
    expect(got?.json.event_id).toBe(message.event.event_id);
    await h.settle();
    const stored = await eventually(async () => {
      const d = await findDelivery(t.tenantId, message.deliveryId);
      return d?.status === 'succeeded' ? d : undefined;
    });
    expect(stored).toMatchObject({ attempts: 1, inFlightAttempt: null, inFlightSince: null, lastStatusCode: 200 });
    expect(r.received).toHaveLength(1);
    expect(h.host.broker.deadLetters(QUEUES.webhookDeliveries)).toHaveLength(0);
    const logs = await call(`${h.api}/v1/webhooks/${hookId}/logs`, { headers: { 'x-api-key': t.apiKey } });
    expect(logs.body.data).toHaveLength(1);
  });

  it('copies that find a live claim send nothing and schedule one re-check at the claim expiry', async () => {
    const { t, r, hookId } = await subscribedTenant();
    const message = deliveryMessage(t, hookId);
    const claimedAt = new Date();
    await claimedBy(message, claimedAt);
    // Two copies with different ids (past the bus's duplicate detection) find the same claim.
    h.host.broker.sendNow(QUEUES.webhookDeliveries, message, { messageId: 'copy-1' });
    h.host.broker.sendNow(QUEUES.webhookDeliveries, message, { messageId: 'copy-2' });
    await h.settle();

    expect(r.received).toHaveLength(0);
    expect(h.host.broker.deadLetters(QUEUES.webhookDeliveries)).toHaveLength(0);
    const pending = scheduledCopies(message.deliveryId);
    expect(pending).toHaveLength(1);
    expect(pending[0]?.body).toEqual(message);
    // Just after the claim expires (2 s margin for clock skew between instances).
    expect(pending[0]?.scheduledEnqueueTimeUtc?.getTime()).toBe(claimedAt.getTime() + CLAIM_TTL_MS + 2_000);
    expect((await findDelivery(t.tenantId, message.deliveryId))?.inFlightSince).toBe(claimedAt.toISOString());
  });
});
