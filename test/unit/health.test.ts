import { describe, expect, it } from 'vitest';
import { runHealthChecks } from '../../src/shared/core/health';
import type { HealthCheck } from '../../src/shared/ports';

const check = (name: string, run: HealthCheck['check']): HealthCheck => ({ name, check: run });

describe('runHealthChecks', () => {
  it('is healthy when every configured check is, and ignores not_configured', async () => {
    const r = await runHealthChecks(
      [check('a', async () => ({ status: 'healthy' })), check('b', async () => ({ status: 'not_configured', reason: 'NOT_CONFIGURED' }))],
      500,
    );
    expect(r.status).toBe('healthy');
    expect(r.checks.a?.status).toBe('healthy');
    expect(typeof r.checks.a?.latency_ms).toBe('number');
    expect(r.checks.b).toEqual({ status: 'not_configured', reason: 'NOT_CONFIGURED' });
  });

  it('reports a hanging check as TIMEOUT, aborting its signal, and degrades the whole', async () => {
    let aborted = false;
    const r = await runHealthChecks(
      [
        check('slow', (signal) => {
          signal.addEventListener('abort', () => (aborted = true));
          return new Promise(() => undefined);
        }),
        check('ok', async () => ({ status: 'healthy' })),
      ],
      50,
    );
    expect(r.status).toBe('degraded');
    expect(r.checks.slow).toMatchObject({ status: 'unhealthy', reason: 'TIMEOUT' });
    expect(r.checks.ok?.status).toBe('healthy');
    expect(aborted).toBe(true);
  });

  it('never surfaces a thrown error text', async () => {
    const r = await runHealthChecks([check('boom', async () => Promise.reject(new Error('password=hunter2 at host')))], 500);
    expect(r.checks.boom).toMatchObject({ status: 'unhealthy', reason: 'ERROR' });
    expect(JSON.stringify(r)).not.toContain('hunter2');
  });
});
