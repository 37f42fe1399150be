/** The GraphQL subscription lookup the real-time push makes per event, cached, against the embedded Cosmos emulator. */
import { Items } from '@azure/cosmos';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../local/emulators';
import { getLiveSubscriptions, invalidateSubscriptions } from '../../src/shared/graphql/subscription-cache';
import { upsertSubscription, type SubscriptionRecord } from '../../src/shared/graphql/subscription-store';
import { resetServices } from '../../src/shared/services';

let emulators: RunningEmulators;
beforeAll(async () => {
  emulators = await startEmulators({ blob: false });
  await resetServices();
});
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  await resetServices();
  await emulators.stop();
});

const record = (tenantId: string, n: number, expiresAt: Date): SubscriptionRecord => ({
  id: `gqls_cache_${n}`,
  type: 'graphqlSubscription',
  tenantId,
  field: 'spaceEvents',
  key: `tenant:${tenantId}`,
  query: 'subscription { spaceEvents { type } }',
  operationName: null,
  variables: {},
  group: `graphql:gqls_cache_${n}`,
  principal: { kind: 'api_key', tenantId, subject: 'key_1', scopes: ['spaces:read'] },
  expiresAt: expiresAt.toISOString(),
});

describe('GraphQL subscription cache', () => {
  it('answers repeated lookups from one query; an invalidation (a registration here) is seen at once', async () => {
    const t = `tnt_cache_${Date.now()}`;
    await upsertSubscription(record(t, 1, new Date(Date.now() + 60_000)));
    const query = vi.spyOn(Items.prototype, 'query');
    const first = await getLiveSubscriptions(t, 'spaceEvents', `tenant:${t}`);
    const again = await Promise.all([1, 2, 3].map(() => getLiveSubscriptions(t, 'spaceEvents', `tenant:${t}`)));
    expect(first.map((s) => s.id)).toEqual(['gqls_cache_1']);
    expect(again.map((r) => r.map((s) => s.id))).toEqual([['gqls_cache_1'], ['gqls_cache_1'], ['gqls_cache_1']]);
    expect(query).toHaveBeenCalledTimes(1);

    // Written without invalidating (as another instance would): not seen until the entry ages out…
    await upsertSubscription(record(t, 2, new Date(Date.now() + 60_000)));
    expect((await getLiveSubscriptions(t, 'spaceEvents', `tenant:${t}`)).map((s) => s.id)).toEqual(['gqls_cache_1']);
    // …or until a registration through this instance invalidates it.
    invalidateSubscriptions(t, 'spaceEvents', `tenant:${t}`);
    expect((await getLiveSubscriptions(t, 'spaceEvents', `tenant:${t}`)).map((s) => s.id).sort()).toEqual(['gqls_cache_1', 'gqls_cache_2']);
    expect(query).toHaveBeenCalledTimes(2);
    // Other keys and tenants have entries of their own.
    expect(await getLiveSubscriptions(t, 'spaceEvents', 'tenant:someone-else')).toEqual([]);
    expect(query).toHaveBeenCalledTimes(3);
  });

  it('never answers a registration past its expiry, even from the cache', async () => {
    const t = `tnt_cache_exp_${Date.now()}`;
    const soon = new Date(Date.now() + 60_000);
    await upsertSubscription(record(t, 3, soon));
    expect((await getLiveSubscriptions(t, 'spaceEvents', `tenant:${t}`)).map((s) => s.id)).toEqual(['gqls_cache_3']);
    const query = vi.spyOn(Items.prototype, 'query');
    expect(await getLiveSubscriptions(t, 'spaceEvents', `tenant:${t}`, new Date(soon.getTime() + 1))).toEqual([]);
    expect(query).not.toHaveBeenCalled();
  });
});
