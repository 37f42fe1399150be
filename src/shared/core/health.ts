import type { HealthCheck, HealthCheckResult } from '../ports';

export interface HealthReport {
  status: 'healthy' | 'degraded';
  checks: Record<string, HealthCheckResult>;
}

/**
 * Runs every check at once, each bounded by `timeoutMs`: a check that does not answer in time is
 * reported unhealthy/TIMEOUT (its promise is abandoned, its signal aborted). A check that throws is
 * reported as ERROR; its message is never surfaced. not_configured does not make the whole degraded.
 */
export async function runHealthChecks(checks: readonly HealthCheck[], timeoutMs: number): Promise<HealthReport> {
  const entries = await Promise.all(
    checks.map(async (check): Promise<[string, HealthCheckResult]> => {
      const controller = new AbortController();
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<HealthCheckResult>((resolve) => {
        timer = setTimeout(() => {
          controller.abort();
          resolve({ status: 'unhealthy', reason: 'TIMEOUT' });
        }, timeoutMs);
      });
      const run = check.check(controller.signal).catch((): HealthCheckResult => ({ status: 'unhealthy', reason: 'ERROR' }));
      const result = await Promise.race([run, timeout]);
      clearTimeout(timer);
      const latency = Math.round(performance.now() - started);
      return [check.name, result.status === 'not_configured' ? result : { ...result, latency_ms: latency }];
    }),
  );
  const results = Object.fromEntries(entries);
  const degraded = entries.some(([, r]) => r.status === 'unhealthy');
  return { status: degraded ? 'degraded' : 'healthy', checks: results };
}
