/**
 * Reads an Artillery JSON report (`artillery run --output`): the figures the production checklist
 * judges, and a self-contained HTML page charting latency per 10-second period (inline SVG, no
 * script or CDN, so it opens offline).
 */

interface Summary {
  min?: number;
  max?: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

export interface ArtilleryPeriod {
  counters?: Record<string, number>;
  rates?: Record<string, number>;
  summaries?: Record<string, Summary>;
  /** Epoch ms (as a string) of the period's start. */
  period?: string | number;
}

export interface ArtilleryReport {
  aggregate: ArtilleryPeriod & { firstMetricAt?: number; lastMetricAt?: number };
  intermediate?: ArtilleryPeriod[];
}

export interface RunSummary {
  requests: number;
  vusersCreated: number;
  vusersFailed: number;
  p50?: number;
  p95?: number;
  p99?: number;
  /** Requests per second over the whole run. */
  requestRate: number;
  /** Failed virtual users / created ones. */
  errorRate: number;
  /** The WebSocket scenario's peak of connections held at once, when it ran. */
  peakConnections?: number;
}

export function summarise(report: ArtilleryReport): RunSummary {
  const a = report.aggregate;
  const counters = a.counters ?? {};
  const rt = a.summaries?.['http.response_time'];
  const requests = counters['http.requests'] ?? 0;
  const created = counters['vusers.created'] ?? 0;
  const failed = counters['vusers.failed'] ?? 0;
  const seconds = a.firstMetricAt && a.lastMetricAt ? Math.max(1, (a.lastMetricAt - a.firstMetricAt) / 1000) : undefined;
  const open = a.summaries?.['websocket.open_connections'];
  return {
    requests,
    vusersCreated: created,
    vusersFailed: failed,
    p50: rt?.p50,
    p95: rt?.p95,
    p99: rt?.p99,
    requestRate: a.rates?.['http.request_rate'] ?? (seconds ? requests / seconds : 0),
    errorRate: created > 0 ? failed / created : 0,
    peakConnections: open?.max,
  };
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One line chart of p50/p95/p99 per period, plus the run's figures in a table. */
export function latencyChartHtml(name: string, report: ArtilleryReport): string {
  const periods = (report.intermediate ?? [])
    .map((p) => ({ t: Number(p.period), rt: p.summaries?.['http.response_time'] }))
    .filter((p): p is { t: number; rt: Summary } => Number.isFinite(p.t) && p.rt !== undefined)
    .sort((x, y) => x.t - y.t);
  const W = 760;
  const H = 300;
  const pad = 40;
  const t0 = periods[0]?.t ?? 0;
  const tMax = Math.max(1, (periods[periods.length - 1]?.t ?? 1) - t0);
  const yMax = Math.max(1, ...periods.map((p) => p.rt.p99 ?? 0));
  const x = (t: number): number => pad + ((t - t0) / tMax) * (W - 2 * pad);
  const y = (v: number): number => H - pad - (v / yMax) * (H - 2 * pad);
  const series = (['p50', 'p95', 'p99'] as const).map((k, i) => {
    const colour = ['#1b6ac9', '#c77c02', '#b3261e'][i] ?? '#000';
    const points = periods.map((p) => `${x(p.t).toFixed(1)},${y(p.rt[k] ?? 0).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points}"/><text x="${W - pad + 4}" y="${pad + i * 16}" fill="${colour}">${k}</text>`;
  });
  const s = summarise(report);
  const rows: Array<[string, string]> = [
    ['requests', String(s.requests)],
    ['virtual users (failed)', `${s.vusersCreated} (${s.vusersFailed})`],
    ['p50 / p95 / p99', `${s.p50 ?? '—'} / ${s.p95 ?? '—'} / ${s.p99 ?? '—'} ms`],
    ['throughput', `${s.requestRate.toFixed(1)} req/s`],
    ['error rate', `${(s.errorRate * 100).toFixed(3)} %`],
  ];
  if (s.peakConnections !== undefined) rows.push(['WebSocket connections at once', String(s.peakConnections)]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>EVA API load test: ${escapeHtml(name)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#111}td,th{padding:.2rem .8rem;text-align:left}svg{border:1px solid #ccc}</style></head>
<body><h1>${escapeHtml(name)}</h1>
<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
<h2>HTTP response time per period (ms, max ${yMax})</h2>
<svg role="img" aria-label="response time p50, p95 and p99 per period" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#888"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#888"/>
<text x="${pad}" y="${pad - 8}">${yMax} ms</text><text x="${W - pad}" y="${H - pad + 16}" text-anchor="end">${Math.round(tMax / 1000)} s</text>
${series.join('\n')}
</svg></body></html>
`;
}
