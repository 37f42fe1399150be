/**
 * The metrics port: counters and value recordings with a few low-cardinality attributes. The
 * default does nothing; when Application Insights starts (src/shared/telemetry/telemetry.ts) it
 * installs one backed by OpenTelemetry, exported as customMetrics. Callers never check which:
 *
 *   metrics().count('webhook.delivery', { outcome: 'success' });
 *   metrics().record('query.duration', ms, { outcome: 'answered' }, 'ms');
 *
 * Names in use (alerts and the dashboard in bicep/ read them): rate_limit.rejected,
 * webhook.delivery {outcome: success|failure|exhausted}, query.duration (ms), query.tokens.
 */
/** The metric names the code emits; bicep/ (alerts, dashboard) reads them, test/unit/bicep.test.ts checks it. */
export const METRIC = {
  rateLimitRejected: 'rate_limit.rejected',
  /** Attribute outcome: success | failure (a retry follows) | exhausted (the last attempt failed). */
  webhookDelivery: 'webhook.delivery',
  queryDuration: 'query.duration',
  queryTokens: 'query.tokens',
} as const;

export type MetricAttributes = Record<string, string | number | boolean>;

export interface Metrics {
  /** Adds `value` (default 1) to a counter. */
  count(name: string, attributes?: MetricAttributes, value?: number): void;
  /** Records one measurement into a histogram (duration, size, tokens). */
  record(name: string, value: number, attributes?: MetricAttributes, unit?: string): void;
}

export const noopMetrics: Metrics = {
  count: () => undefined,
  record: () => undefined,
};

let current: Metrics = noopMetrics;

export const metrics = (): Metrics => current;

/** Installs the process's metrics (telemetry start) or puts the no-op back (undefined). */
export function setMetrics(m: Metrics | undefined): void {
  current = m ?? noopMetrics;
}
