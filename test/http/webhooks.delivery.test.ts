/**
 * Event delivery end to end through the local host: publishEvent (as a feature's handler calls it)
 * -> outbox -> events queue -> events-fanout -> webhook-deliveries queue -> webhook-deliver -> a real
 * receiver on 127.0.0.1 that verifies every signature with the standardwebhooks library.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getContainer } from '../../src/shared/adapters/cosmos';
import { makeEvent, type EventEnvelope } from '../../src/shared/core/events';
import { publishEvent, recordEvent } from '../../src/shared/events/publisher';
import { readOutboxItem } from '../../src/shared/events/outbox-store';
import { readWebhookHealth, writeWebhookHealth } from '../../src/shared/webhooks/webhook-health';
import { deliveryIdFor } from '../../src/shared/webhooks/delivery-store';
import { QUEUES } from '../../src/shared/ports';
import { call } from '../helpers/api-call';
import { createTenantWithKey, type TenantWithKey } from '../helpers/identity';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../local/webhook-receiver';
import { eventually, setSetting, useTestHost } from '../helpers/test-host';
import { webhooksHost } from '../helpers/host-presets';

const h = useTestHost(webhooksHost());
let api: string;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  api = h.api;
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver();
  receivers.push(r);
  return r;
}

interface Hook {
  id: string;
  secret: string;
}

async function subscribe(t: TenantWithKey, r: WebhookReceiver, eventTypes: string[] = ['*'], extra: Record<string, unknown> = {}): Promise<Hook> {
  const res = await call(`${api}/v1/webhooks`, {
    method: 'POST',
    headers: { 'x-api-key': t.apiKey },
    body: { url: r.url, event_types: eventTypes, ...extra },
  });
  expect(res.status).toBe(201);
  const hook = { id: String(res.body.data?.id), secret: String(res.body.data?.secret) };
  r.secrets.push(hook.secret);
  return hook;
}

const tenant = () => createTenantWithKey({ scopes: ['webhooks:manage'] });
const spaceEvent = (t: TenantWithKey, type: 'space.created' | 'space.updated' | 'space.deleted' | 'document.added' = 'space.created'): EventEnvelope =>
  type === 'document.added'
    ? makeEvent(type, t.tenantId, { document: { id: 'doc_1' } }, 'spc_1')
    : makeEvent(type, t.tenantId, { space: { id: 'spc_1', name: 'Docs' }, changed_fields: [] }, 'spc_1');

/** Lets queued and soon-scheduled work finish. */
const settle = (withinMs = 0) => h.host.broker.waitForIdle(20_000, { scheduledWithinMs: withinMs });

async function logs(t: TenantWithKey, hook: Hook): Promise<Array<Record<string, unknown>>> {
  const r = await call(`${api}/v1/webhooks/${hook.id}/logs?limit=100`, { headers: { 'x-api-key': t.apiKey } });
  expect(r.status).toBe(200);
  return r.body.data;
}

/** Waits until the webhook's log holds exactly `n` attempts, and returns them. */
const logsOfLength = (t: TenantWithKey, hook: Hook, n: number) =>
  eventually(async () => {
    const rows = await logs(t, hook);
    return rows.length === n ? rows : undefined;
  });

const ofEvent = (e: EventEnvelope) => (w: ReceivedWebhook) => w.json.event_id === e.event_id;

describe('webhook delivery', () => {
  it('delivers a published event, signed, verifiable with standardwebhooks, and logs the attempt', async () => {
    const t = await tenant();
    const r = await receiver();
    const hook = await subscribe(t, r, ['space.created']);
    const event = spaceEvent(t);
    await publishEvent(event);
    const [got] = await r.waitFor(1);
    expect(got.verifiedWith).toEqual([hook.secret]);
    expect(got.headers['webhook-id']).toBe(event.event_id);
    expect(got.json).toEqual(event);
    expect((await readOutboxItem(t.tenantId, event.event_id))?.status).toBe('sent');
    const l = await logsOfLength(t, hook, 1);
    expect(l[0]).toMatchObject({ event_id: event.event_id, event_type: 'space.created', attempt: 1, success: true, status_code: 200, error: null });
    expect(typeof l[0]?.duration_ms).toBe('number');
  });

  it('filters by event type (exact, family, *)', async () => {
    const t = await tenant();
    const exact = await receiver();
    const family = await receiver();
    const all = await receiver();
    await subscribe(t, exact, ['space.deleted']);
    await subscribe(t, family, ['document.*']);
    await subscribe(t, all, ['*']);
    const e1 = spaceEvent(t, 'space.deleted');
    const e2 = spaceEvent(t, 'document.added');
    const e3 = spaceEvent(t, 'space.updated');
    for (const e of [e1, e2, e3]) await publishEvent(e);
    await all.waitFor(3);
    await settle();
    expect(exact.received.map((w) => w.json.event_id)).toEqual([e1.event_id]);
    expect(family.received.map((w) => w.json.event_id)).toEqual([e2.event_id]);
    expect(all.received.map((w) => w.json.event_id).sort()).toEqual([e1, e2, e3].map((e) => e.event_id).sort());
  });

  it('a disabled subscription receives nothing', async () => {
    const t = await tenant();
    const off = await receiver();
    const on = await receiver();
    await subscribe(t, off, ['*'], { enabled: false });
    await subscribe(t, on, ['*']);
    await publishEvent(spaceEvent(t));
    await on.waitFor(1);
    await settle();
    expect(off.received).toHaveLength(0);
  });

  it("another tenant's events never reach a subscription", async () => {
    const t1 = await tenant();
    const t2 = await tenant();
    const r1 = await receiver();
    const r2 = await receiver();
    await subscribe(t1, r1);
    await subscribe(t2, r2);
    const e2 = spaceEvent(t2);
    await publishEvent(e2);
    await r2.waitFor(1);
    await settle();
    expect(r1.received).toHaveLength(0);
    expect(r2.received.map((w) => w.json.tenant_id)).toEqual([t2.tenantId]);
  });

  it('the same event published twice is delivered once (idempotent by event id)', async () => {
    const t = await tenant();
    const r = await receiver();
    await subscribe(t, r);
    const event = spaceEvent(t);
    await publishEvent(event);
    await publishEvent(event);
    await r.waitFor(1);
    await settle();
    // Even past the bus's duplicate detection (a relay re-publish hours later), fan-out finds the
    // delivery it already made.
    h.host.broker.clear();
    await publishEvent(event);
    await settle();
    expect(r.received.filter(ofEvent(event))).toHaveLength(1);
  });

  it('two copies of one delivery message arriving together POST once (the attempt is claimed)', async () => {
    const t = await tenant();
    const r = await receiver();
    const hook = await subscribe(t, r);
    const event = spaceEvent(t);
    const message = { tenantId: t.tenantId, deliveryId: deliveryIdFor(event.event_id, hook.id), webhookId: hook.id, event, attempt: 1, generation: 1 };
    // Different message ids, so the bus's duplicate detection does not help.
    h.host.broker.sendNow(QUEUES.webhookDeliveries, message, { messageId: 'copy-1' });
    h.host.broker.sendNow(QUEUES.webhookDeliveries, message, { messageId: 'copy-2' });
    await r.waitFor(1);
    await settle();
    expect(r.received.filter(ofEvent(event))).toHaveLength(1);
    expect(await logs(t, hook)).toHaveLength(1);
  });

  it('retries failures on the schedule until the receiver succeeds', async () => {
    const t = await tenant();
    const r = await receiver();
    r.reply = (n) => (n < 2 ? { status: 503 } : { status: 200 });
    const hook = await subscribe(t, r);
    const event = spaceEvent(t);
    await publishEvent(event);
    const got = await r.waitFor(3, 15_000);
    expect(got.every((w) => w.json.event_id === event.event_id && w.verifiedWith.length === 1)).toBe(true);
    expect(new Set(got.map((w) => w.headers['webhook-id']))).toEqual(new Set([event.event_id]));
    const l = await logsOfLength(t, hook, 3);
    expect(l.map((x) => [x.attempt, x.status_code, x.success])).toEqual([
      [3, 200, true],
      [2, 503, false],
      [1, 503, false],
    ]);
    await settle(5_000);
    expect(r.received).toHaveLength(3);
    // the logs are cursor-paginated
    const page1 = await call(`${api}/v1/webhooks/${hook.id}/logs?limit=2`, { headers: { 'x-api-key': t.apiKey } });
    const p1 = page1.body.pagination as { cursor: string; has_next: boolean };
    expect(p1.has_next).toBe(true);
    const page2 = await call(`${api}/v1/webhooks/${hook.id}/logs?limit=2&cursor=${encodeURIComponent(p1.cursor)}`, { headers: { 'x-api-key': t.apiKey } });
    expect([...(page1.body.data as unknown as unknown[]), ...(page2.body.data as unknown as unknown[])]).toHaveLength(3);
    const forged = await call(`${api}/v1/webhooks/${hook.id}/logs?cursor=abc.def`, { headers: { 'x-api-key': t.apiKey } });
    expect(forged.status).toBe(400);
  });

  it('a receiver that times out is a failure, retried', async () => {
    setSetting('HTTP_TIMEOUT', '1');
    try {
      const t = await tenant();
      const r = await receiver();
      r.reply = (n) => (n === 0 ? { hang: true } : { status: 204 });
      const hook = await subscribe(t, r);
      await publishEvent(spaceEvent(t));
      await r.waitFor(2, 15_000);
      const l = await logsOfLength(t, hook, 2);
      expect(l.map((x) => [x.attempt, x.error, x.success])).toEqual([
        [2, null, true],
        [1, 'TIMEOUT', false],
      ]);
    } finally {
      setSetting('HTTP_TIMEOUT', undefined);
    }
  });

  it('a 3xx is not followed: it is a failure and the redirect target sees nothing', async () => {
    const t = await tenant();
    const target = await receiver();
    const r = await receiver();
    r.reply = (n) => (n === 0 ? { status: 302, headers: { location: target.url } } : { status: 200 });
    const hook = await subscribe(t, r);
    await publishEvent(spaceEvent(t));
    await r.waitFor(2, 15_000);
    const l = await logsOfLength(t, hook, 2);
    expect(l[1]).toMatchObject({ attempt: 1, status_code: 302, success: false, error: 'REDIRECT_NOT_FOLLOWED' });
    expect(target.received).toHaveLength(0);
  });

  it('exhausts into the dead-letter store, tells the other endpoints, and a replay brings it back', async () => {
    const t = await tenant();
    const broken = await receiver();
    broken.reply = () => ({ status: 500 });
    const watcher = await receiver();
    const hook = await subscribe(t, broken, ['space.*']);
    const watch = await subscribe(t, watcher, ['webhook.delivery_exhausted']);
    const event = spaceEvent(t, 'space.updated');
    await publishEvent(event);
    // 1 + 3 retries (WEBHOOK_RETRY_SCHEDULE=1,1,1), then the news reaches the other endpoint.
    const [news] = await watcher.waitFor(1, 20_000);
    expect(broken.received.filter(ofEvent(event))).toHaveLength(4);
    expect(news.verifiedWith).toEqual([watch.secret]);
    expect(news.json).toMatchObject({
      event_type: 'webhook.delivery_exhausted',
      tenant_id: t.tenantId,
      data: { webhook_id: hook.id, event_id: event.event_id, event_type: 'space.updated', attempts: 4, last_status_code: 500 },
    });
    // the broken endpoint is not sent news of its own failure
    expect(broken.received.every((w) => w.json.event_type === 'space.updated')).toBe(true);

    // dead-lettered: recorded and replayable
    const deliveries = await getContainer('webhookDeliveries');
    const { resources } = await deliveries.items
      .query(
        { query: 'SELECT * FROM c WHERE c.kind = "delivery" AND c.webhookId = @w', parameters: [{ name: '@w', value: hook.id }] },
        { partitionKey: t.tenantId },
      )
      .fetchAll();
    expect(resources).toHaveLength(1);
    expect(resources[0]).toMatchObject({ status: 'dead', attempts: 4, eventId: event.event_id });

    broken.reply = () => ({ status: 200 });
    const replay = await call(`${api}/v1/webhooks/${hook.id}/replay`, {
      method: 'POST',
      headers: { 'x-api-key': t.apiKey },
      body: { since: new Date(Date.now() - 3_600_000).toISOString() },
    });
    expect(replay.status).toBe(202);
    expect(replay.body.data).toMatchObject({ replayed: 1, truncated: false, status: 'failed' });
    const all = await broken.waitFor(5, 10_000);
    expect(all[4]).toMatchObject({ json: event, verifiedWith: [hook.secret] });
    await settle();
    const again = await call(`${api}/v1/webhooks/${hook.id}/replay`, {
      method: 'POST',
      headers: { 'x-api-key': t.apiKey },
      body: { since: new Date(Date.now() - 3_600_000).toISOString() },
    });
    expect(again.body.data).toMatchObject({ replayed: 0 });
  });

  it('replays all events of a time range, including ones from before the subscription', async () => {
    const t = await tenant();
    const early = await receiver();
    await subscribe(t, early);
    const e1 = spaceEvent(t, 'space.created');
    const e2 = spaceEvent(t, 'space.deleted');
    await publishEvent(e1);
    await publishEvent(e2);
    await early.waitFor(2);
    const late = await receiver();
    const hook = await subscribe(t, late, ['space.deleted']);
    const r = await call(`${api}/v1/webhooks/${hook.id}/replay`, {
      method: 'POST',
      headers: { 'x-api-key': t.apiKey },
      body: { since: new Date(Date.now() - 3_600_000).toISOString(), status: 'all' },
    });
    expect(r.status).toBe(202);
    expect(r.body.data).toMatchObject({ replayed: 1, status: 'all' });
    const [got] = await late.waitFor(1);
    expect(got.json).toEqual(e2);
    // bounded by WEBHOOK_REPLAY_MAX
    const star = await receiver();
    const all = await subscribe(t, star, ['*']);
    setSetting('WEBHOOK_REPLAY_MAX', '1');
    try {
      const bounded = await call(`${api}/v1/webhooks/${all.id}/replay`, {
        method: 'POST',
        headers: { 'x-api-key': t.apiKey },
        body: { since: new Date(Date.now() - 3_600_000).toISOString(), status: 'all' },
      });
      expect(bounded.body.data).toMatchObject({ replayed: 1, truncated: true });
      const [first] = await star.waitFor(1);
      expect(first.json).toEqual(e1);
    } finally {
      setSetting('WEBHOOK_REPLAY_MAX', undefined);
    }
  });

  it('signs with the old and the new secret during a rotation', async () => {
    const t = await tenant();
    const r = await receiver();
    const hook = await subscribe(t, r);
    const rot = await call(`${api}/v1/webhooks/${hook.id}/rotate-secret`, { method: 'POST', headers: { 'x-api-key': t.apiKey } });
    const newSecret = String(rot.body.data?.secret);
    r.secrets.push(newSecret);
    await publishEvent(spaceEvent(t));
    const [got] = await r.waitFor(1);
    expect(got.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(got.verifiedWith.sort()).toEqual([hook.secret, newSecret].sort());
  });

  it('with no overlap the old secret stops signing at once', async () => {
    setSetting('WEBHOOK_SECRET_OVERLAP_HOURS', '0');
    try {
      const t = await tenant();
      const r = await receiver();
      const hook = await subscribe(t, r);
      const rot = await call(`${api}/v1/webhooks/${hook.id}/rotate-secret`, { method: 'POST', headers: { 'x-api-key': t.apiKey } });
      r.secrets.push(String(rot.body.data?.secret));
      await publishEvent(spaceEvent(t));
      const [got] = await r.waitFor(1);
      expect(got.verifiedWith).toEqual([rot.body.data?.secret]);
    } finally {
      setSetting('WEBHOOK_SECRET_OVERLAP_HOURS', undefined);
    }
  });

  it('POST /test sends a signed webhook.test event now and returns the attempt', async () => {
    const t = await tenant();
    const r = await receiver();
    const hook = await subscribe(t, r, ['space.created']);
    const res = await call(`${api}/v1/webhooks/${hook.id}/test`, { method: 'POST', headers: { 'x-api-key': t.apiKey } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ event_type: 'webhook.test', attempt: 1, success: true, status_code: 200, error: null });
    expect(r.received).toHaveLength(1);
    expect(r.received[0]).toMatchObject({ verifiedWith: [hook.secret], json: { event_type: 'webhook.test', tenant_id: t.tenantId } });
    r.reply = () => ({ status: 418 });
    const bad = await call(`${api}/v1/webhooks/${hook.id}/test`, { method: 'POST', headers: { 'x-api-key': t.apiKey } });
    expect(bad.body.data).toMatchObject({ success: false, status_code: 418, error: 'HTTP_ERROR' });
    expect((await logs(t, hook)).map((x) => x.event_type)).toEqual(['webhook.test', 'webhook.test']);
  });

  it('an outbox event that was never published is re-published by the relay', async () => {
    setSetting('OUTBOX_STALE_SECONDS', '1');
    try {
      const t = await tenant();
      const r = await receiver();
      await subscribe(t, r);
      const event = spaceEvent(t);
      await recordEvent(event); // stored, then "crash": never sent
      await h.host.fireTimer('outbox-relay');
      expect(r.received).toHaveLength(0); // not stale yet
      await new Promise((res) => setTimeout(res, 1_100));
      await h.host.fireTimer('outbox-relay');
      const [got] = await r.waitFor(1);
      expect(got.json).toEqual(event);
      expect((await readOutboxItem(t.tenantId, event.event_id))?.status).toBe('sent');
      await h.host.fireTimer('outbox-relay');
      await settle();
      expect(r.received).toHaveLength(1);
    } finally {
      setSetting('OUTBOX_STALE_SECONDS', undefined);
    }
  });

  it('disables an endpoint that has failed everything for WEBHOOK_DISABLE_AFTER_DAYS and emits webhook.disabled', async () => {
    const t = await tenant();
    const broken = await receiver();
    broken.reply = () => ({ status: 503 });
    const watcher = await receiver();
    const hook = await subscribe(t, broken, ['space.*']);
    await subscribe(t, watcher, ['webhook.disabled']);
    // It has been failing for 6 days (default limit 5).
    const health = await readWebhookHealth(t.tenantId, hook.id);
    await writeWebhookHealth({ ...health, failingSince: new Date(Date.now() - 6 * 86_400_000).toISOString() });
    await publishEvent(spaceEvent(t));
    const [news] = await watcher.waitFor(1, 10_000);
    expect(news.json).toMatchObject({ event_type: 'webhook.disabled', data: { webhook_id: hook.id, last_status_code: 503 } });
    const got = await call(`${api}/v1/webhooks/${hook.id}`, { headers: { 'x-api-key': t.apiKey } });
    expect(got.body.data).toMatchObject({ enabled: false, disabled_reason: 'failing', failing_since: expect.any(String) });
    await settle(5_000);
    const before = broken.received.length;
    await publishEvent(spaceEvent(t, 'space.deleted'));
    await settle(5_000);
    expect(broken.received).toHaveLength(before);
  });

  it('refuses to deliver to a private address when private targets are not allowed (DNS may change)', async () => {
    const t = await tenant();
    const r = await receiver();
    const hook = await subscribe(t, r);
    setSetting('WEBHOOK_ALLOW_PRIVATE_TARGETS', 'false');
    try {
      await publishEvent(spaceEvent(t));
      const l = await eventually(async () => {
        const rows = await logs(t, hook);
        return rows.length >= 1 ? rows : undefined;
      });
      expect(l[0]).toMatchObject({ attempt: 1, success: false, status_code: null, error: 'TARGET_REFUSED' });
      expect(r.received).toHaveLength(0);
    } finally {
      setSetting('WEBHOOK_ALLOW_PRIVATE_TARGETS', 'true');
    }
    await settle(5_000);
  });
});
