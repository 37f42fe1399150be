import { getConfig } from '../shared/config';
import { runHealthChecks } from '../shared/core/health';
import { healthChecks } from '../shared/health-checks';
import { endpoint } from '../shared/http/endpoint';
import { healthReportDto } from '../shared/health-schemas';

/** Each dependency gets this long; the whole answer is bounded by it too. */
const CHECK_TIMEOUT_MS = 2_000;

endpoint({
  name: 'health-detailed',
  route: 'health/detailed',
  methods: ['GET'],
  auth: { scopes: ['admin:all'] },
  response: healthReportDto,
  status: [200, 503],
  handler: async () => {
    const report = await runHealthChecks(healthChecks(), CHECK_TIMEOUT_MS);
    return {
      status: report.status === 'healthy' ? 200 : 503,
      data: { ...report, version: getConfig().EVA_API_VERSION },
    };
  },
});
