/**
 * The process's QueueSender: Service Bus at SERVICE_BUS_CONNECTION_STRING (a namespace in Azure,
 * the local stand-in under `npm start` and in tests). Without the setting every send fails as a
 * dependency outage (503), never silently. Built once per process; every feature that enqueues
 * (events, webhook deliveries, document processing) should send through this.
 */
import { getConfig } from '../config';
import { dependencyUnavailable } from '../core/errors';
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
      sender = {
        send: () => Promise.reject(dependencyUnavailable('service-bus', new Error('SERVICE_BUS_CONNECTION_STRING is not set'))),
      };
    }
  }
  return sender;
}

registerReset(() => {
  sender = undefined;
});
