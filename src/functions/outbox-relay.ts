import { app, type InvocationContext } from '@azure/functions';
import { getConfig } from '../shared/config';
import { relayOutbox } from '../shared/events/publisher';
import { getLogger } from '../shared/services';

// Re-publishes events the bus missed (left pending in the outbox past OUTBOX_STALE_SECONDS).
app.timer('outbox-relay', {
  schedule: getConfig().OUTBOX_RELAY_SCHEDULE,
  handler: async (_timer: unknown, context: InvocationContext) => {
    const r = await relayOutbox();
    if (r.found > 0) getLogger().info('outbox relay', { invocation_id: context.invocationId, ...r });
  },
});
