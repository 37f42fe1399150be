/**
 * The generated TypeScript client (clients/typescript) against the local host: create a space,
 * upload a document, list, and receive the webhooks, every call typed from openapi.json. The
 * receiver verifies the signatures with the standardwebhooks library.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvaClient, type EvaClient, type EvaEvent, type EventOf } from '../../clients/typescript/src';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/webhook-receiver';
import { DOCUMENT_FUNCTIONS, webhooksHost } from '../helpers/host-presets';
import { createTenantWithKey } from '../helpers/identity';
import { useTestHost } from '../helpers/test-host';

const h = useTestHost(webhooksHost({}, DOCUMENT_FUNCTIONS));
let eva: EvaClient;
let receiver: WebhookReceiver;

beforeAll(async () => {
  const t = await createTenantWithKey();
  eva = createEvaClient({ baseUrl: h.api, apiKey: t.apiKey });
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

describe('generated TypeScript client', () => {
  it('creates a space, uploads, lists and receives the webhooks', async () => {
    const hook = await eva.POST('/v1/webhooks', { body: { url: receiver.url, event_types: ['space.*', 'document.added'] } });
    expect(hook.response.status).toBe(201);
    receiver.secrets.push(hook.data!.data.secret);

    const created = await eva.POST('/v1/spaces', { body: { name: 'Through the client', metadata: { via: 'openapi-fetch' } } });
    expect(created.response.status).toBe(201);
    const space = created.data!.data;
    expect(space.name).toBe('Through the client');
    expect(created.response.headers.get('etag')).toBeTruthy();

    const uploaded = await eva.POST('/v1/spaces/{id}/documents', {
      params: { path: { id: space.id }, query: { filename: 'notes.txt' } },
      body: 'The client is typed from the description.',
      bodySerializer: (b) => b as string,
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(uploaded.response.status).toBe(201);
    const document = uploaded.data!.data;
    expect(document).toMatchObject({ filename: 'notes.txt', space_id: space.id });

    const listed = await eva.GET('/v1/spaces/{id}/documents', { params: { path: { id: space.id }, query: { limit: 10 } } });
    expect(listed.data!.data.map((d) => d.id)).toEqual([document.id]);
    expect(listed.data!.pagination.has_next).toBe(false);

    const spaces = await eva.GET('/v1/spaces', { params: { query: { limit: 5 } } });
    expect(spaces.data!.data.map((s) => s.id)).toContain(space.id);

    // Errors come back as the typed envelope of the status.
    const missing = await eva.GET('/v1/spaces/{id}', { params: { path: { id: `spc_${'0'.repeat(32)}` } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.error.code).toBe('NOT_FOUND');

    const received = await receiver.waitFor(2, 20_000);
    const events = received.map((r) => r.json as unknown as EvaEvent);
    expect(received.every((r) => r.verifiedWith.length === 1)).toBe(true);
    const byType = new Map(events.map((e) => [e.event_type, e]));
    const spaceCreated = byType.get('space.created') as EventOf<'space.created'>;
    expect(spaceCreated.data.space.id).toBe(space.id);
    const added = byType.get('document.added') as EventOf<'document.added'>;
    expect(added.data.document.id).toBe(document.id);
  });
});
