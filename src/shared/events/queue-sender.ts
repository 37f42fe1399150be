/**
 * The process's QueueSender: Service Bus at SERVICE_BUS_CONNECTION_STRING, or at
 * SERVICE_BUS_FULLY_QUALIFIED_NAMESPACE through the identity (a namespace in Azure,
 * the local stand-in under `npm start` and in tests). Without the setting every send fails as a
 * dependency outage (503), never silently. Built once per process; every feature that enqueues
 * (events, webhook deliveries, document processing) should send through this.
 */
import { getConfig } from '../config';
import { serviceBusAuth } from '../core/azure-auth';
import { getAzureCredential } from '../adapters/azure-credential';
import { dependencyUnavailable } from '../core/errors';
import { createServiceBusQueueSender } from '../adapters/service-bus';
import type { QueueSender } from '../ports';
import { onServicesReset, registerReset } from '../services';

let sender: QueueSender | undefined;

export function getQueueSender(): QueueSender {
  if (!sender) {
    const c = getConfig();
    const auth = serviceBusAuth(c);
    if (auth.kind === 'connection-string' || auth.kind === 'identity') {
      const built = createServiceBusQueueSender({
        ...(auth.kind === 'connection-string'
          ? { connectionString: auth.connectionString }
          : { fullyQualifiedNamespace: auth.endpoint, credential: getAzureCredential() }),
        timeoutMs: c.AZURE_TIMEOUT * 1_000,
      });
      onServicesReset(() => built.close?.());
      sender = built;
    } else {
      sender = {
        send: () =>
          Promise.reject(
            dependencyUnavailable('service-bus', new Error('neither SERVICE_BUS_CONNECTION_STRING nor SERVICE_BUS_FULLY_QUALIFIED_NAMESPACE is set')),
          ),
      };
    }
  }
  return sender;
}

registerReset(() => {
  sender = undefined;
});
