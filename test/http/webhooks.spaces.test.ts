/** The newcomer's path: register a webhook, change a space, receive the signed event. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/api-call';
import { createTenantWithKey } from '../helpers/identity';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/webhook-receiver';
import { useTestHost } from '../helpers/test-host';
import { webhooksHost } from '../helpers/host-presets';

const h = useTestHost(webhooksHost({}, ['src/functions/spaces-create.ts', 'src/functions/spaces-delete.ts']));
let r: WebhookReceiver;

beforeAll(async () => {
  r = await startWebhookReceiver();
});
afterAll(async () => {
  await r.close();
});

describe('space changes reach webhooks', () => {
  it('a created and a deleted space arrive as signed space.* events', async () => {
    const t = await createTenantWithKey({ scopes: ['webhooks:manage', 'spaces:write'] });
    const headers = { 'x-api-key': t.apiKey };
    const hook = await call(`${h.api}/v1/webhooks`, { method: 'POST', headers, body: { url: r.url, event_types: ['space.*'] } });
    r.secrets.push(String(hook.body.data?.secret));
    const created = await call(`${h.api}/v1/spaces`, { method: 'POST', headers, body: { name: 'Handbook' } });
    expect(created.status).toBe(201);
    const spaceId = String(created.body.data?.id);
    const [first] = await r.waitFor(1);
    expect(first.verifiedWith).toHaveLength(1);
    expect(first.json).toMatchObject({ event_type: 'space.created', tenant_id: t.tenantId, space_id: spaceId });
    expect(await call(`${h.api}/v1/spaces/${spaceId}`, { method: 'DELETE', headers }).then((x) => x.status)).toBe(204);
    const all = await r.waitFor(2);
    expect(all[1]).toMatchObject({ json: { event_type: 'space.deleted', space_id: spaceId }, verifiedWith: [String(hook.body.data?.secret)] });
  });
});
