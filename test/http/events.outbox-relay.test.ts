/** The outbox relay's sweep: events it has given up on must not crowd out the ones it can still send. */
import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../src/shared/core/events';
import { listStaleOutboxItems, newOutboxItem, writeOutboxItem } from '../../src/shared/events/outbox-store';
import { MAX_RELAY_ATTEMPTS } from '../../src/shared/events/publisher';
import { useTestHost } from '../helpers/test-host';

useTestHost({ functions: [], blob: false });

describe('outbox relay sweep', () => {
  it('skips events past the relay attempt limit, so they cannot fill every batch and starve newer ones', async () => {
    const tenantId = `t-relay-${Date.now()}`;
    const past = new Date(Date.now() - 3_600_000);
    for (let i = 0; i < 3; i++) {
      const given_up = newOutboxItem(makeEvent('space.updated', tenantId, { space: { id: `spc_${i}` }, changed_fields: [] }, undefined, past), 1, past);
      await writeOutboxItem({ ...given_up, relayAttempts: MAX_RELAY_ATTEMPTS });
    }
    const relayable = newOutboxItem(makeEvent('space.updated', tenantId, { space: { id: 'spc_99' }, changed_fields: [] }, undefined, past), 1, past);
    await writeOutboxItem({ ...relayable, relayAttempts: 3 });

    const batch = await listStaleOutboxItems(new Date(), 1, MAX_RELAY_ATTEMPTS);
    expect(batch.map((x) => x.id)).toEqual([relayable.id]);
  });
});
