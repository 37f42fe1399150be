/**
 * The process's real-time publisher and negotiator (Web PubSub, or the local stand-in the local
 * host configured), and sendToGroup(), the one call features use to push JSON to a group.
 */
import { getConfig } from '../config';
import { webPubSubAuth } from '../core/azure-auth';
import { getAzureCredential } from '../adapters/azure-credential';
import { dependencyUnavailable } from '../core/errors';
import { createWebPubSub } from '../adapters/web-pubsub';
import type { RealtimeNegotiator, RealtimePublisher } from '../ports';
import { registerReset } from '../services';

let built: (RealtimePublisher & RealtimeNegotiator) | undefined;

function realtime(): RealtimePublisher & RealtimeNegotiator {
  if (!built) {
    const c = getConfig();
    const auth = webPubSubAuth(c);
    const timeoutMs = c.AZURE_TIMEOUT * 1_000;
    if (auth.kind === 'connection-string') built = createWebPubSub({ connectionString: auth.connectionString, hub: c.WEB_PUBSUB_HUB, timeoutMs });
    else if (auth.kind === 'identity') built = createWebPubSub({ endpoint: auth.endpoint, credential: getAzureCredential(), hub: c.WEB_PUBSUB_HUB, timeoutMs });
    else throw dependencyUnavailable('Web PubSub');
  }
  return built;
}

export const getRealtimePublisher = (): RealtimePublisher => realtime();
export const getRealtimeNegotiator = (): RealtimeNegotiator => realtime();

/** Sends a JSON payload to every connection in `group` (`tenant:{id}` or `space:{id}`). */
export async function sendToGroup(group: string, payload: unknown): Promise<void> {
  await getRealtimePublisher().sendToGroup(group, payload);
}

registerReset(() => {
  built = undefined;
});
