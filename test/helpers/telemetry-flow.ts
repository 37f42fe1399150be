/**
 * The flow the telemetry tests trace: a client's POST /v1/spaces (with its own W3C traceparent)
 * -> outbox -> `events` queue -> events-fanout -> `webhook-deliveries` queue -> webhook-deliver ->
 * a signed POST to a receiver on 127.0.0.1. Imported dynamically, after telemetry has (or has not)
 * started, because it loads the Azure SDKs.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { startWebhookReceiver, type ReceivedWebhook } from '../../local/webhook-receiver';
import { call } from './api-call';
import { WEBHOOK_FUNCTIONS, webhooksHost } from './host-presets';
import { createTenantWithKey } from './identity';
import { startTestHost } from './test-host';

export interface TracedFlow {
  /** The trace id the client sent. */
  traceId: string;
  /** The webhook request the receiver got for the space.created event. */
  delivered: ReceivedWebhook;
  stop(): Promise<void>;
}

export async function runChangeToDeliveryFlow(): Promise<TracedFlow> {
  const host = await startTestHost({ ...webhooksHost(), functions: [...WEBHOOK_FUNCTIONS, 'src/functions/spaces-create.ts'] });
  const receiver = await startWebhookReceiver();
  try {
    const t = await createTenantWithKey({ scopes: ['webhooks:manage', 'spaces:write'] });
    const sub = await call(`${host.api}/v1/webhooks`, t.apiKey, { method: 'POST', body: { url: receiver.url, event_types: ['space.created'] } });
    expect(sub.status).toBe(201);
    receiver.secrets.push(String(sub.body.data.secret));

    const traceId = randomBytes(16).toString('hex');
    const created = await call(`${host.api}/v1/spaces`, t.apiKey, {
      method: 'POST',
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      body: { name: 'Traced space' },
    });
    expect(created.status).toBe(201);
    const [delivered] = await receiver.waitFor(1, 20_000, (w) => w.json.event_type === 'space.created');
    await host.settle();
    return {
      traceId,
      delivered: delivered,
      stop: async () => {
        await receiver.close();
        await host.stop();
      },
    };
  } catch (err) {
    await receiver.close();
    await host.stop();
    throw err;
  }
}
