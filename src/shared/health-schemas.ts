/** Response schemas of /api/health and /api/health/detailed. */
import { z } from 'zod';

export const healthDto = z.object({ status: z.literal('ok'), version: z.string(), environment: z.string() }).meta({ id: 'Health' });

export const healthReportDto = z
  .object({
    status: z.enum(['healthy', 'degraded']),
    version: z.string(),
    checks: z.record(
      z.string(),
      z.object({
        status: z.enum(['healthy', 'unhealthy', 'not_configured']),
        reason: z.string().optional(),
        latency_ms: z.number().optional(),
      }),
    ),
  })
  .meta({ id: 'HealthReport' });
