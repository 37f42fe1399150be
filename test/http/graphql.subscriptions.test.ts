/**
 * GraphQL subscriptions over Web PubSub, with the real @azure/web-pubsub-client: POST the operation,
 * connect with the answered URL, and receive each event shaped as the operation's result.
 */
import { WebPubSubClient } from '@azure/web-pubsub-client';
import { afterEach, describe, expect, it } from 'vitest';
import { call } from '../helpers/api-call';
import { uploadRaw } from '../helpers/document-uploads';
import { createKeyFor, createTenantWithKey } from '../helpers/identity';
import { DOCUMENT_FUNCTIONS, documentsHost } from '../helpers/host-presets';
import { useTestHost } from '../helpers/test-host';

const h = useTestHost({
  ...documentsHost(),
  functions: [...DOCUMENT_FUNCTIONS, 'src/functions/graphql.ts', 'src/functions/events-fanout.ts', 'src/functions/realtime-push.ts'],
  settleQueues: ['document-processing', 'events', 'realtime-push'],
});

const clients: WebPubSubClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.stop();
});

const gql = (key: string, query: string, variables?: Record<string, unknown>) => call(`${h.api}/graphql`, key, { method: 'POST', body: { query, variables } });

interface Next {
  type: string;
  id: string;
  payload: { data: Record<string, Record<string, unknown>> };
}

/** Registers the subscription and connects the real client with the URL it answered. */
async function subscribe(key: string, query: string, variables?: Record<string, unknown>): Promise<{ id: string; messages: Next[] }> {
  const r = await gql(key, query, variables);
  expect(r.status).toBe(200);
  const { id, url, group } = r.body.subscription as { id: string; url: string; group: string };
  expect(group).toBe(`graphql:${id}`);
  const client = new WebPubSubClient(url);
  clients.push(client);
  const messages: Next[] = [];
  client.on('group-message', (e) => {
    if (e.message.group === group) messages.push(e.message.data as unknown as Next);
  });
  await client.start();
  return { id, messages };
}

async function waitFor(messages: Next[], count: number): Promise<Next[]> {
  const until = Date.now() + 15_000;
  while (messages.length < count) {
    if (Date.now() > until) throw new Error(`timed out: ${messages.length} of ${count} messages`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return messages;
}

describe('graphql subscriptions', () => {
  it('delivers documentAdded and documentProcessed shaped as the operation asked, and spaceEvents for GraphQL mutations', async () => {
    const t = await createTenantWithKey();
    const space = (await call(`${h.api}/v1/spaces`, t.apiKey, { method: 'POST', body: { name: 'live' } })).body.data.id as string;
    await h.settle(); // space.created is pushed before anyone subscribes
    const added = await subscribe(t.apiKey, 'subscription($s: ID!) { documentAdded(spaceId: $s) { id filename status } }', { s: space });
    const processed = await subscribe(t.apiKey, `subscription { documentProcessed(spaceId: "${space}") { filename status chunkCount } }`);
    const events = await subscribe(t.apiKey, 'subscription { spaceEvents { type space { name } changedFields } }');

    const up = await uploadRaw(h.api, t.apiKey, space, Buffer.from('hello live\n'), 'live.txt', 'text/plain');
    expect(up.status).toBe(201);
    const [a] = await waitFor(added.messages, 1);
    expect(a).toEqual({ type: 'next', id: added.id, payload: { data: { documentAdded: { id: up.body.data.id, filename: 'live.txt', status: 'uploaded' } } } });
    const [p] = await waitFor(processed.messages, 1);
    expect(p?.payload.data.documentProcessed).toEqual({ filename: 'live.txt', status: 'processed', chunkCount: 1 });

    // A GraphQL mutation emits the same event as REST.
    const upd = await gql(t.apiKey, `mutation { updateSpace(id: "${space}", input: { name: "renamed" }) { name } }`);
    expect(upd.body.data.updateSpace.name).toBe('renamed');
    const [e] = await waitFor(events.messages, 1);
    expect(e?.payload.data.spaceEvents).toEqual({ type: 'space.updated', space: { name: 'renamed' }, changedFields: ['name'] });
  });

  it("refuses another tenant's space, a missing scope and invalid operations, with GraphQL errors", async () => {
    const a = await createTenantWithKey();
    const b = await createTenantWithKey();
    const space = (await call(`${h.api}/v1/spaces`, a.apiKey, { method: 'POST', body: { name: 'mine' } })).body.data.id as string;
    const q = `subscription { documentAdded(spaceId: "${space}") { id } }`;
    const foreign = await gql(b.apiKey, q);
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const reader = await createKeyFor(a.tenantId, ['spaces:read']);
    expect((await gql(reader.apiKey, q)).body.errors[0].extensions.code).toBe('FORBIDDEN');
    for (const bad of [
      'subscription { documentAdded { id } }',
      'subscription { spaceEvents { nope } }',
      'subscription { spaceEvents { type } documentAdded(spaceId: "x") { id } }',
    ]) {
      const r = await gql(a.apiKey, bad);
      expect(r.status).toBe(400);
      expect(r.body.errors[0].extensions.code).toBe('VALIDATION_ERROR');
    }
  });
});
