/**
 * Real-time events through the Web PubSub stand-in, with the real @azure/web-pubsub-client and
 * @azure/web-pubsub server SDK: negotiate, push after an HTTP change, roles, tenant isolation,
 * recovery, 1008 restart, token and key checks, limits.
 */
import { SignJWT } from 'jose';
import { WebPubSubClient } from '@azure/web-pubsub-client';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { WebSocket } from 'ws';
import { createServer } from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { call } from '../helpers/api-call';
import { createTenantWithKey } from '../helpers/identity';
import { connectRealtime, negotiateUrl, type RealtimeTestClient } from '../helpers/realtime-client';
import { eventually, useTestHost } from '../helpers/test-host';
import { webhooksHost } from '../helpers/host-presets';
import { startWebhookReceiver } from '../../local/webhook-receiver';
import { startWebPubSubStandIn, type WebPubSubStandIn } from '../../local/web-pubsub/server';

const h = useTestHost(webhooksHost({ RATE_LIMIT_ENABLED: 'false' }, ['src/functions/spaces-create.ts', 'src/functions/realtime-negotiate.ts']));

const open: RealtimeTestClient[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.stop();
});
const connect = async (apiKey: string, spaces: string[] = []): Promise<RealtimeTestClient> => {
  const c = await connectRealtime(h.api, apiKey, spaces);
  open.push(c);
  return c;
};

/** The stand-in started again by the outage test (on the same port and key). */
let restarted: WebPubSubStandIn | undefined;
afterAll(async () => {
  await restarted?.stop();
});

const standIn = () => {
  const s = restarted ?? h.webPubSub;
  if (!s) throw new Error('the test host started no Web PubSub stand-in');
  return s;
};
const accessKey = (): string => /AccessKey=([^;]+)/.exec(standIn().connectionString)?.[1] ?? '';
const serviceClient = (key = accessKey()) =>
  new WebPubSubServiceClient(`Endpoint=${standIn().endpoint};AccessKey=${key};Version=1.0;`, 'eva', {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });

async function createSpace(apiKey: string, name: string): Promise<string> {
  const r = await call(`${h.api}/v1/spaces`, { method: 'POST', headers: { 'x-api-key': apiKey }, body: { name } });
  expect(r.status).toBe(201);
  return String(r.body.data.id);
}

describe('negotiate', () => {
  it('returns a client URL, the readable groups and the lifetime', async () => {
    const t = await createTenantWithKey();
    const space = await createSpace(t.apiKey, 'Negotiated');
    const r = await call(`${h.api}/v1/realtime/negotiate?space_id=${space}`, { headers: { 'x-api-key': t.apiKey } });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ groups: [`tenant:${t.tenantId}`, `space:${space}`], expires_in: 3600 });
    expect(String(r.body.data.url)).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/client\/hubs\/eva\?access_token=/);
  });

  it("refuses no credential (401), another tenant's space (404), bad ids and unknown fields (400)", async () => {
    const a = await createTenantWithKey();
    const b = await createTenantWithKey();
    const spaceOfA = await createSpace(a.apiKey, 'Private');
    expect((await call(`${h.api}/v1/realtime/negotiate`)).status).toBe(401);
    const other = await call(`${h.api}/v1/realtime/negotiate?space_id=${spaceOfA}`, { headers: { 'x-api-key': b.apiKey } });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('NOT_FOUND');
    expect((await call(`${h.api}/v1/realtime/negotiate?space_id=..%2Fx`, { headers: { 'x-api-key': b.apiKey } })).status).toBe(400);
    expect((await call(`${h.api}/v1/realtime/negotiate?group=tenant:x`, { headers: { 'x-api-key': b.apiKey } })).status).toBe(400);
    const noScope = await createTenantWithKey({ scopes: ['webhooks:manage'] });
    expect((await call(`${h.api}/v1/realtime/negotiate`, { headers: { 'x-api-key': noScope.apiKey } })).status).toBe(403);
  });
});

describe('push', () => {
  it("a client receives space.created after the HTTP change; tenant B never sees tenant A's events", async () => {
    const a = await createTenantWithKey();
    const b = await createTenantWithKey();
    const ca = await connect(a.apiKey);
    const cb = await connect(b.apiKey);
    const spaceA = await createSpace(a.apiKey, 'Of A');
    const [ev] = await ca.waitFor(1, (d) => d.event_type === 'space.created');
    expect(ev).toMatchObject({ event_type: 'space.created', tenant_id: a.tenantId, space_id: spaceA });
    expect(ca.messages[0]?.group).toBe(`tenant:${a.tenantId}`);
    const spaceB = await createSpace(b.apiKey, 'Of B');
    await cb.waitFor(1, (d) => d.space_id === spaceB);
    await h.settle();
    expect(cb.messages.map((m) => (m.data as { tenant_id: string }).tenant_id)).toEqual([b.tenantId]);
    expect(ca.messages.every((m) => (m.data as { tenant_id: string }).tenant_id === a.tenantId)).toBe(true);
  });

  it('joining a group the token does not allow fails with Forbidden; an allowed space group joins', async () => {
    const a = await createTenantWithKey();
    const b = await createTenantWithKey();
    const spaceB = await createSpace(b.apiKey, 'Not yours');
    const spaceA = await createSpace(a.apiKey, 'Yours');
    const ca = await connect(a.apiKey, [spaceA]);
    await expect(ca.client.joinGroup(`tenant:${b.tenantId}`)).rejects.toMatchObject({ errorDetail: { name: 'Forbidden' } });
    await expect(ca.client.joinGroup(`space:${spaceB}`)).rejects.toMatchObject({ errorDetail: { name: 'Forbidden' } });
    await expect(ca.client.joinGroup(`space:${spaceA}`)).resolves.toBeDefined();
    // No send role: clients never publish to the groups.
    await expect(ca.client.sendToGroup(`space:${spaceA}`, { forged: true }, 'json')).rejects.toMatchObject({ errorDetail: { name: 'Forbidden' } });
  });

  it('with Web PubSub down, webhooks still deliver on time; the push arrives once it is back', async () => {
    const r = await startWebhookReceiver();
    try {
      const t = await createTenantWithKey({ scopes: ['webhooks:manage', 'spaces:write', 'spaces:read'] });
      const hook = await call(`${h.api}/v1/webhooks`, { method: 'POST', headers: { 'x-api-key': t.apiKey }, body: { url: r.url, event_types: ['space.*'] } });
      r.secrets.push(String(hook.body.data?.secret));
      const c = await connect(t.apiKey);
      const { port } = standIn();
      const key = accessKey();
      await standIn().stop();
      // While it is down, the port answers 503 and counts the push attempts (REST POSTs).
      let pushAttempts = 0;
      const down = createServer((req, res) => {
        if (req.method === 'POST' && req.url?.startsWith('/api/hubs/')) pushAttempts++;
        res.writeHead(503).end();
      });
      await new Promise<void>((ok) => down.listen(port, '127.0.0.1', ok));
      const started = Date.now();
      const space = await createSpace(t.apiKey, 'During the outage');
      const [delivered] = await r.waitFor(1);
      expect(delivered?.json).toMatchObject({ event_type: 'space.created', space_id: space });
      // On time: the webhook did not wait for the push or its retries (the first retry is 1 s later).
      expect(Date.now() - started).toBeLessThan(1_000);
      // Two failed tries (the event's two groups) and one retry of both: the next is 4 s away.
      await eventually(async () => (pushAttempts >= 4 ? true : undefined), 10_000, 'two push attempts');
      expect(c.messages).toHaveLength(0);
      down.closeAllConnections();
      await new Promise<void>((ok) => down.close(() => ok()));
      const back = (restarted = await startWebPubSubStandIn({ port, accessKey: key }));
      try {
        const [pushed] = await c.waitFor(1, (d) => d.space_id === space, 15_000);
        expect(pushed).toMatchObject({ event_type: 'space.created', tenant_id: t.tenantId });
        // The client came back as a fresh connection (its recovery was refused with 1008).
        expect(c.connections.length).toBe(2);
      } finally {
        c.stop();
        expect(back.port).toBe(port);
      }
    } finally {
      await r.close();
    }
  }, 40_000);
});

describe('the stand-in speaks the Web PubSub protocols', () => {
  const rawClient = async (
    token: string,
    protocol = 'json.reliable.webpubsub.azure.v1',
  ): Promise<{ ws: WebSocket; frames: Record<string, unknown>[]; closed: Promise<number> }> => {
    const ws = new WebSocket(`ws://127.0.0.1:${standIn().port}/client/hubs/eva?access_token=${token}`, protocol);
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (d) => frames.push(JSON.parse((d as Buffer).toString()) as Record<string, unknown>));
    const closed = new Promise<number>((ok) => ws.on('close', (code) => ok(code)));
    await new Promise<void>((ok, fail) => {
      ws.once('open', () => ok());
      ws.once('error', fail);
    });
    await eventually(async () => (frames.length > 0 ? true : undefined), 5_000, 'connected');
    return { ws, frames, closed };
  };
  const clientToken = async (claims: Record<string, unknown>, key = accessKey()) =>
    (await serviceClient(key).getClientAccessToken({ userId: 'u-raw', ...claims })).token;

  it('a client whose socket is cut mid-stream recovers and receives every message exactly once, in order', async () => {
    const t = await createTenantWithKey();
    const c = await connect(t.apiKey);
    const group = `tenant:${t.tenantId}`;
    const sdk = serviceClient();
    const total = 60;
    for (let i = 0; i < total; i++) {
      if (i === 20) standIn().cutSocket(c.connections[0] ?? '');
      await sdk.group(group).sendToAll({ n: i });
    }
    const got = await c.waitFor(total, (d) => typeof d.n === 'number', 20_000);
    await new Promise((ok) => setTimeout(ok, 300));
    expect(c.messages.map((m) => (m.data as { n: number }).n)).toEqual([...Array(total).keys()]);
    expect(got).toHaveLength(total);
    // Recovered, not restarted: still the first connection.
    expect(c.connections).toHaveLength(1);
  });

  it('close code 1008 (recovery refused) makes the client start afresh and rejoin its groups', async () => {
    const t = await createTenantWithKey();
    const space = await createSpace(t.apiKey, 'Rejoined');
    const client = new WebPubSubClient({ getClientAccessUrl: () => negotiateUrl(h.api, t.apiKey, []) }, { messageRetryOptions: { maxRetries: 0 } });
    const seen: unknown[] = [];
    const ids: string[] = [];
    client.on('group-message', (e) => seen.push(e.message.data));
    client.on('connected', (e) => ids.push(e.connectionId));
    await client.start();
    try {
      // Joined by the client itself (the token's groups do not include it): only a rejoin brings it back.
      const url = await negotiateUrl(h.api, t.apiKey, [space]);
      expect(url).toContain('access_token=');
      await expect(client.joinGroup(`space:${space}`)).rejects.toMatchObject({ errorDetail: { name: 'Forbidden' } });
      await client.joinGroup(`tenant:${t.tenantId}`);
      standIn().forget(ids[0] ?? '');
      await eventually(async () => (ids.length === 2 ? true : undefined), 15_000, 'a fresh connection');
      expect(ids[1]).not.toBe(ids[0]);
      await eventually(
        async () =>
          standIn()
            .state.get('eva', ids[1] ?? '')
            ?.groups.has(`tenant:${t.tenantId}`)
            ? true
            : undefined,
        5_000,
        'rejoin',
      );
      await serviceClient().group(`tenant:${t.tenantId}`).sendToAll({ after: 'restart' });
      // (The space.created push may reach the first connection too: look for this message itself.)
      await eventually(
        async () => (seen.some((d) => (d as { after?: string }).after === 'restart') ? true : undefined),
        5_000,
        'a message on the new connection',
      );
    } finally {
      client.stop();
    }
  }, 30_000);

  it('REST calls with a wrong key or a wrong audience get 401', async () => {
    await expect(serviceClient('d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=').sendToAll({ x: 1 })).rejects.toMatchObject({ statusCode: 401 });
    const url = `${standIn().endpoint}/api/hubs/eva/:send?api-version=2024-12-01`;
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('http://elsewhere/api')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(accessKey()));
    const wrongAud = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/json' }, body: '{}' });
    expect(wrongAud.status).toBe(401);
    const right = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(url)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(accessKey()));
    expect((await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${right}`, 'content-type': 'application/json' }, body: '{}' })).status).toBe(
      202,
    );
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
  });

  it('expired and forged client tokens are refused at the upgrade', async () => {
    const aud = `${standIn().endpoint}/client/hubs/eva`;
    const key = new TextEncoder().encode(accessKey());
    const expired = await new SignJWT({ role: [] })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(aud)
      .setSubject('u')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 5)
      .sign(key);
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(aud)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-key'));
    for (const token of [expired, forged, 'garbage']) {
      const status = await new Promise<number>((ok) => {
        const ws = new WebSocket(`ws://127.0.0.1:${standIn().port}/client/hubs/eva?access_token=${token}`, 'json.reliable.webpubsub.azure.v1');
        ws.on('unexpected-response', (_req, res) => ok(res.statusCode ?? 0));
        ws.on('open', () => ok(101));
        ws.on('error', () => undefined);
      });
      expect(status).toBe(401);
    }
    const client = new WebPubSubClient(`ws://127.0.0.1:${standIn().port}/client/hubs/eva?access_token=${expired}`, { autoReconnect: false });
    await expect(client.start()).rejects.toThrow();
  });

  it('server SDK: user and connection sends, group membership, existence checks, close', async () => {
    const sdk = serviceClient();
    const a = await rawClient(await clientToken({ userId: 'u-a' }), 'json.webpubsub.azure.v1');
    const connected = a.frames[0] as { event: string; connectionId: string; userId: string; reconnectionToken?: string };
    expect(connected).toMatchObject({ type: 'system', event: 'connected', userId: 'u-a' });
    expect(connected.reconnectionToken).toBeUndefined();
    await sdk.sendToUser('u-a', 'hello', { contentType: 'text/plain' });
    await sdk.sendToConnection(connected.connectionId, { to: 'conn' });
    expect(await sdk.connectionExists(connected.connectionId)).toBe(true);
    expect(await sdk.userExists('u-a')).toBe(true);
    expect(await sdk.userExists('nobody')).toBe(false);
    await sdk.group('g1').addConnection(connected.connectionId);
    expect(await sdk.groupExists('g1')).toBe(true);
    await sdk.group('g1').sendToAll({ g: 1 });
    await sdk.sendToAll({ all: true }, { excludedConnections: [connected.connectionId] });
    await sdk.group('g1').removeConnection(connected.connectionId);
    expect(await sdk.groupExists('g1')).toBe(false);
    await sdk.group('g2').addUser('u-a');
    expect(await sdk.groupExists('g2')).toBe(true);
    await sdk.group('g2').removeUser('u-a');
    await sdk.removeConnectionFromAllGroups(connected.connectionId);
    await eventually(async () => (a.frames.length >= 4 ? true : undefined), 5_000, 'frames');
    expect(a.frames.slice(1, 4)).toEqual([
      { type: 'message', from: 'server', dataType: 'text', data: 'hello' },
      { type: 'message', from: 'server', dataType: 'json', data: { to: 'conn' } },
      { type: 'message', from: 'group', group: 'g1', dataType: 'json', data: { g: 1 } },
    ]);
    await sdk.closeConnection(connected.connectionId, { reason: 'bye' });
    expect(await a.closed).toBe(1008);
    expect(a.frames.at(-1)).toMatchObject({ type: 'system', event: 'disconnected', message: 'bye' });
    expect(await sdk.connectionExists(connected.connectionId)).toBe(false);
  });

  it('ping gets pong; acks say Duplicate for a repeated ackId; more than 1,000 unacknowledged messages close the connection', async () => {
    const a = await rawClient(await clientToken({ roles: ['webpubsub.joinLeaveGroup.lim'] }));
    a.ws.send(JSON.stringify({ type: 'ping' }));
    a.ws.send(JSON.stringify({ type: 'joinGroup', group: 'lim', ackId: 7 }));
    a.ws.send(JSON.stringify({ type: 'joinGroup', group: 'lim', ackId: 7 }));
    a.ws.send(JSON.stringify({ type: 'joinGroup', group: 'other', ackId: 8 }));
    await eventually(async () => (a.frames.length >= 5 ? true : undefined), 5_000, 'replies');
    expect(a.frames.slice(1, 5)).toEqual([
      { type: 'pong' },
      { type: 'ack', ackId: 7, success: true },
      { type: 'ack', ackId: 7, success: false, error: { name: 'Duplicate', message: expect.any(String) } },
      { type: 'ack', ackId: 8, success: false, error: { name: 'Forbidden', message: expect.any(String) } },
    ]);
    const sdk = serviceClient();
    await sdk.group('lim').sendToAll({ i: 0 });
    await eventually(async () => (a.frames.length >= 6 ? true : undefined), 5_000, 'a numbered message');
    expect(a.frames[5]).toMatchObject({ type: 'message', from: 'group', group: 'lim', sequenceId: 1 });
    // This client never sends sequenceAck: message 1,001 goes over the limit.
    for (let i = 1; i <= 1_000; i++) await sdk.group('lim').sendToAll({ i });
    expect(await a.closed).toBe(1008);
  }, 30_000);
});
