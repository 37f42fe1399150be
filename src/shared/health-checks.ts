/** The dependencies /api/health/detailed reports on, one check each. */
import { blobHealthCheck, cosmosHealthCheck } from './adapters/health-checks';
import { redisHealthCheck } from './adapters/redis';
import { getConfig } from './config';
import { isConfigured, openAiAuth, webPubSubAuth } from './core/azure-auth';
import { getQueueSender } from './events/queue-sender';
import type { HealthCheck } from './ports';

const openAiConfigured: HealthCheck = {
  name: 'openai',
  // Configuration only: a live completion call would cost money and time on every probe.
  check: () =>
    Promise.resolve(
      isConfigured(openAiAuth(getConfig())) ? { status: 'healthy', reason: 'CONFIGURED' } : { status: 'not_configured', reason: 'NOT_CONFIGURED' },
    ),
};

const webPubSub: HealthCheck = {
  name: 'web_pubsub',
  check: () =>
    Promise.resolve(
      isConfigured(webPubSubAuth(getConfig())) ? { status: 'healthy', reason: 'CONFIGURED' } : { status: 'not_configured', reason: 'NOT_CONFIGURED' },
    ),
};

const eventBus: HealthCheck = {
  name: 'event_bus',
  check: async (signal) => {
    const sender = getQueueSender();
    if (!sender.ping) return { status: 'not_configured', reason: 'NOT_CONFIGURED' };
    try {
      await sender.ping(signal);
      return { status: 'healthy' };
    } catch {
      return { status: 'unhealthy', reason: signal.aborted ? 'TIMEOUT' : 'UNREACHABLE' };
    }
  },
};

export function healthChecks(): HealthCheck[] {
  return [cosmosHealthCheck, blobHealthCheck, redisHealthCheck(), eventBus, openAiConfigured, webPubSub];
}
