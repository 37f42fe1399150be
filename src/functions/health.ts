import { getConfig } from '../shared/config';
import { endpoint } from '../shared/http/endpoint';
import { healthDto } from '../shared/health-schemas';

// Liveness: answers from memory only, so a dependency outage never makes the instance look dead.
endpoint({
  name: 'health',
  route: 'health',
  methods: ['GET'],
  auth: 'public',
  rateLimited: false,
  response: healthDto,
  handler: () => {
    const c = getConfig();
    return { data: { status: 'ok' as const, version: c.EVA_API_VERSION, environment: c.ENVIRONMENT } };
  },
});
