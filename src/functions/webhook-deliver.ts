import { app, type InvocationContext } from '@azure/functions';
import { QUEUES } from '../shared/ports';
import { getLogger } from '../shared/services';
import { handleDeliveryMessage, isDeliveryMessage } from '../shared/webhooks/deliver';

// One signed POST per message; failures schedule a new message (see src/shared/webhooks/deliver.ts).
app.serviceBusQueue('webhook-deliver', {
  connection: 'SERVICE_BUS_CONNECTION_STRING',
  queueName: QUEUES.webhookDeliveries,
  handler: async (message: unknown, context: InvocationContext) => {
    const log = getLogger().child({ function: 'webhook-deliver', invocation_id: context.invocationId });
    if (!isDeliveryMessage(message)) {
      log.error('not a delivery message; message dropped');
      return;
    }
    await handleDeliveryMessage(message, log);
  },
});
