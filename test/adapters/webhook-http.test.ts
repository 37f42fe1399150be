import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postWebhook } from '../../src/shared/adapters/webhook-http';
import { resolveWebhookTarget } from '../../src/shared/core/ssrf';
import { generateWebhookSecret, signWebhook } from '../../src/shared/core/webhook-signing';
import { resolveHost } from '../../src/shared/adapters/dns';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/webhook-receiver';

const loopback = { requireHttps: false, allowPrivateTargets: true };
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function send(url: string, secrets: string[], timeoutMs = 5_000) {
  const body = JSON.stringify({ event_type: 'space.created', event_id: 'evt_abc', data: { n: 1 } });
  const headers = signWebhook({ msgId: 'evt_abc', timestamp: new Date(), payload: body, secrets });
  const target = await resolveWebhookTarget(url, loopback, resolveHost);
  return postWebhook({ target, body, headers: { ...headers }, timeoutMs });
}

describe('webhook POST to a real loopback receiver', () => {
  it('delivers a body the standardwebhooks library verifies', async () => {
    receiver = await startWebhookReceiver();
    const secret = generateWebhookSecret();
    receiver.secrets = [secret];
    const r = await send(receiver.url, [secret]);
    expect(r.ok).toBe(true);
    expect(r.statusCode).toBe(200);
    expect(r.errorCode).toBeUndefined();
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    const [got] = await receiver.waitFor(1);
    expect(got.verifiedWith).toEqual([secret]);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.json.event_id).toBe('evt_abc');
  });

  it('during a rotation both the old and the new secret verify the same delivery', async () => {
    receiver = await startWebhookReceiver();
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    receiver.secrets = [oldSecret, newSecret];
    await send(receiver.url, [newSecret, oldSecret]);
    const [got] = await receiver.waitFor(1);
    expect(got.verifiedWith.sort()).toEqual([oldSecret, newSecret].sort());
    expect(got.headers['webhook-signature']?.split(' ')).toHaveLength(2);
  });

  it('connects to the checked address even when the URL names a host', async () => {
    receiver = await startWebhookReceiver();
    const body = '{}';
    const target = await resolveWebhookTarget(`http://hooks.example:${receiver.port}/in`, loopback, async () => [{ address: '127.0.0.1', family: 4 }]);
    const r = await postWebhook({ target, body, headers: {}, timeoutMs: 5_000 });
    expect(r.ok).toBe(true);
    const [got] = await receiver.waitFor(1);
    expect(got.headers.host).toBe(`hooks.example:${receiver.port}`);
    expect(got.path).toBe('/in');
  });

  it('reports a receiver that never answers as TIMEOUT', async () => {
    receiver = await startWebhookReceiver();
    receiver.reply = () => ({ hang: true });
    const r = await send(receiver.url, [generateWebhookSecret()], 300);
    expect(r).toMatchObject({ ok: false, statusCode: null, errorCode: 'TIMEOUT' });
    expect(receiver.received).toHaveLength(1);
  });

  it('does not follow a 302: it is a failure and the redirect target sees nothing', async () => {
    const other = await startWebhookReceiver();
    try {
      receiver = await startWebhookReceiver();
      receiver.reply = () => ({ status: 302, headers: { location: other.url } });
      const r = await send(receiver.url, [generateWebhookSecret()]);
      expect(r).toMatchObject({ ok: false, statusCode: 302, errorCode: 'REDIRECT_NOT_FOLLOWED' });
      expect(other.received).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('captures a failure status and its Retry-After', async () => {
    receiver = await startWebhookReceiver();
    receiver.reply = () => ({ status: 503, headers: { 'retry-after': '42' } });
    const r = await send(receiver.url, [generateWebhookSecret()]);
    expect(r).toMatchObject({ ok: false, statusCode: 503, errorCode: 'HTTP_ERROR', retryAfterSeconds: 42 });
  });

  it('reports a closed port as CONNECTION_REFUSED', async () => {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const r = await send(`http://127.0.0.1:${port}/`, [generateWebhookSecret()]);
    expect(r).toMatchObject({ ok: false, statusCode: null, errorCode: 'CONNECTION_REFUSED' });
  });
});
