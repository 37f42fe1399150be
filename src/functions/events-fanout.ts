import { app, type InvocationContext } from '@azure/functions';
import { QUEUES } from '../shared/ports';
import { getLogger } from '../shared/services';
import { fanOut, isEventEnvelope } from '../shared/webhooks/fanout';

// Each event on the `events` queue becomes one delivery message per matching subscription.
app.serviceBusQueue('events-fanout', {
  connection: 'SERVICE_BUS_CONNECTION_STRING',
  queueName: QUEUES.events,
  handler: async (message: unknown, context: InvocationContext) => {
    const log = getLogger().child({ function: 'events-fanout', invocation_id: context.invocationId });
    if (!isEventEnvelope(message)) {
      log.error('not an event envelope; message dropped');
      return;
    }
    await fanOut(message, log);
  },
});
