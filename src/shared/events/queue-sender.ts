/**
 * The process's QueueSender: Service Bus when SERVICE_BUS_CONNECTION_STRING is set, otherwise
 * the local host's in-process broker. Built once per process; every feature that enqueues
 * (events, webhook deliveries, document processing) should send through this.
 */
import { getConfig } from '../config';
import { getLocalQueueBroker } from '../adapters/local-queue';
import { createServiceBusQueueSender } from '../adapters/service-bus';
import type { QueueSender } from '../ports';
import { onServicesReset, registerReset } from '../services';

let sender: QueueSender | undefined;

export function getQueueSender(): QueueSender {
  if (!sender) {
    const c = getConfig();
    if (c.SERVICE_BUS_CONNECTION_STRING) {
      const built = createServiceBusQueueSender({
        connectionString: c.SERVICE_BUS_CONNECTION_STRING,
        timeoutMs: c.AZURE_TIMEOUT * 1_000,
      });
      onServicesReset(() => built.close?.());
      sender = built;
    } else {
      sender = getLocalQueueBroker();
    }
  }
  return sender;
}

registerReset(() => {
  sender = undefined;
});
