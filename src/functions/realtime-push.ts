import { app, type InvocationContext } from '@azure/functions';
import { QUEUES } from '../shared/ports';
import { deliverPush, isPushMessage } from '../shared/realtime/push';
import { getLogger } from '../shared/services';

// Each message on `realtime-push` sends one event to its Web PubSub groups; failures reschedule themselves.
app.serviceBusQueue('realtime-push', {
  connection: 'SERVICE_BUS_CONNECTION_STRING',
  queueName: QUEUES.realtimePush,
  handler: async (message: unknown, context: InvocationContext) => {
    const log = getLogger().child({ function: 'realtime-push', invocation_id: context.invocationId });
    if (!isPushMessage(message)) {
      log.error('not a push message; message dropped');
      return;
    }
    await deliverPush(message, log);
  },
});
