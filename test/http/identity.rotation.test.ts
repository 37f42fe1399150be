/** The keys-rotate timer, fired on demand through the local host. */
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/api-call';
import { useTestHost } from '../helpers/test-host';
import { identityHost } from '../helpers/host-presets';
import { createKeyFor, createTenantWithKey } from '../helpers/identity';
import { findApiKey, upsertApiKey } from '../../src/shared/identity/api-key-store';
import { rotateTenantKeys } from '../../src/shared/identity/rotation';
import type { EventEnvelope } from '../../src/shared/core/events';
import { whenEventsDispatched } from '../../src/shared/events/publisher';

const h = useTestHost(identityHost({ KEY_MAX_AGE_DAYS: '90', KEY_ROTATION_GRACE_DAYS: '7', KEY_EXPIRY_WARNING_DAYS: '7' }));
let api: string;
const DAY = 86_400_000;

beforeAll(async () => {
  api = h.api;
});

/** The tenant's events on the queue, once every background dispatch has reached the broker. */
async function eventsOf(tenantId: string): Promise<EventEnvelope[]> {
  await whenEventsDispatched();
  return h.host.broker
    .peek('events')
    .map((m) => m.body as EventEnvelope)
    .filter((e) => e.tenant_id === tenantId);
}

async function age(tenantId: string, keyId: string, patch: { createdAt?: string; expiresAt?: string }) {
  const k = await findApiKey(tenantId, keyId);
  if (!k) throw new Error('key missing');
  const { _etag: _, ...doc } = k;
  await upsertApiKey({ ...doc, ...patch });
}

describe('keys-rotate timer', () => {
  it('rotates old keys with a grace period, warns before expiry, deactivates expired ones, emits events', async () => {
    const t = await createTenantWithKey();
    const hdr = { 'x-api-key': t.apiKey };
    const old = await createKeyFor(t.tenantId, ['spaces:read']);
    await age(t.tenantId, old.keyId, { createdAt: new Date(Date.now() - 100 * DAY).toISOString() });
    const soon = await createKeyFor(t.tenantId, ['spaces:read'], new Date(Date.now() + 3 * DAY).toISOString());
    const gone = await createKeyFor(t.tenantId, ['spaces:read'], new Date(Date.now() + DAY).toISOString());
    await age(t.tenantId, gone.keyId, { expiresAt: new Date(Date.now() - 1000).toISOString() });

    await h.host.fireTimer('keys-rotate');

    const oldView = (await call(`${api}/v1/api-keys/${old.keyId}`, { headers: hdr })).body.data as Record<string, string>;
    expect(oldView.rotated_to).toMatch(/^key_/);
    expect(Date.parse(oldView.expires_at ?? '')).toBeGreaterThan(Date.now() + 6.9 * DAY);
    expect((await call(`${api}/v1/auth/whoami`, { headers: { 'x-api-key': old.apiKey } })).status).toBe(200);

    // The successor's secret is shown once, to the tenant, on its first read.
    const first = await call(`${api}/v1/api-keys/${oldView.rotated_to}`, { headers: hdr });
    const secret = (first.body.data as { key?: string }).key;
    expect(secret).toMatch(/^eva_sk_/);
    expect((await call(`${api}/v1/api-keys/${oldView.rotated_to}`, { headers: hdr })).body.data?.key).toBeUndefined();
    const succ = await call(`${api}/v1/auth/whoami`, { headers: { 'x-api-key': String(secret) } });
    expect(succ.body.data).toMatchObject({ key_id: oldView.rotated_to, scopes: ['spaces:read'] });

    expect((await call(`${api}/v1/api-keys/${gone.keyId}`, { headers: hdr })).body.data).toMatchObject({ status: 'revoked' });

    const events = await eventsOf(t.tenantId);
    const rotated = events.filter((e) => e.event_type === 'api_key.rotated');
    expect(rotated).toHaveLength(1);
    expect(rotated[0]?.data).toMatchObject({ key_id: old.keyId, new_key_id: oldView.rotated_to, grace_period_days: 7, reason: 'max_age' });
    expect(JSON.stringify(rotated[0])).not.toContain(String(secret));
    const expiring = events.filter((e) => e.event_type === 'api_key.expiring');
    expect(expiring.map((e) => e.data.key_id)).toEqual([soon.keyId]);

    // A second run changes nothing and emits nothing new.
    await h.host.fireTimer('keys-rotate');
    expect(await eventsOf(t.tenantId)).toHaveLength(events.length);
  });

  it("shows a timer-minted successor's secret only to a caller that could grant its scopes", async () => {
    const t = await createTenantWithKey();
    const manager = await createKeyFor(t.tenantId, ['keys:manage']);
    const strong = await createKeyFor(t.tenantId, ['admin:all']);
    await age(t.tenantId, strong.keyId, { createdAt: new Date(Date.now() - 100 * DAY).toISOString() });
    await h.host.fireTimer('keys-rotate');
    const successor = (await call(`${api}/v1/api-keys/${strong.keyId}`, t.apiKey)).body.data.rotated_to as string;
    expect(successor).toMatch(/^key_/);

    // keys:manage alone may see the record, but not the admin:all secret (nor use it up).
    const byManager = await call(`${api}/v1/api-keys/${successor}`, manager.apiKey);
    expect(byManager.status).toBe(200);
    expect(byManager.body.data.key).toBeUndefined();
    const byAdmin = await call(`${api}/v1/api-keys/${successor}`, t.apiKey);
    expect(byAdmin.body.data.key).toMatch(/^eva_sk_/);
  });

  it('rotates all keys of a tenant on command', async () => {
    const t = await createTenantWithKey();
    const k = await createKeyFor(t.tenantId, ['documents:read']);
    const rotated = await rotateTenantKeys(t.tenantId, 0);
    expect(rotated.map((r) => r.previous.keyId).sort()).toEqual([t.keyId, k.keyId].sort());
    for (const r of rotated) {
      expect((await call(`${api}/v1/auth/whoami`, { headers: { 'x-api-key': r.key } })).status).toBe(200);
    }
    expect((await call(`${api}/v1/auth/whoami`, { headers: { 'x-api-key': k.apiKey } })).status).toBe(401);
  });
});
