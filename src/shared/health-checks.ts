/** The dependencies /api/health/detailed reports on, one check each. */
import { getConfig } from './config';
import { blobHealthCheck, cosmosHealthCheck } from './adapters/health-checks';
import type { HealthCheck } from './ports';

const openAiConfigured: HealthCheck = {
  name: 'openai',
  // Configuration only: a live completion call would cost money and time on every probe.
  check: async () => {
    const c = getConfig();
    return c.AZURE_OPENAI_ENDPOINT && c.AZURE_OPENAI_KEY
      ? { status: 'healthy', reason: 'CONFIGURED' }
      : { status: 'not_configured', reason: 'NOT_CONFIGURED' };
  },
};

const webPubSub: HealthCheck = {
  name: 'web_pubsub',
  check: async () =>
    getConfig().WEB_PUBSUB_CONNECTION_STRING
      ? { status: 'healthy', reason: 'CONFIGURED' }
      : { status: 'not_configured', reason: 'NOT_CONFIGURED' },
};

export function healthChecks(): HealthCheck[] {
  return [cosmosHealthCheck, blobHealthCheck, openAiConfigured, webPubSub];
}
