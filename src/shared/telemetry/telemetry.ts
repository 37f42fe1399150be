/**
 * Application Insights through `applicationinsights` 3.x (OpenTelemetry underneath). Started only
 * when APPLICATIONINSIGHTS_CONNECTION_STRING is set: without it the package is never even loaded,
 * so nothing probes the instance metadata endpoint or any Microsoft host.
 *
 * What it collects:
 * - requests: a SERVER span per HTTP request (endpoint()) and a CONSUMER span per queue message
 *   and timer run (invocation-hook.ts), each parented on the incoming W3C traceparent;
 * - dependencies: Cosmos, Blob, Service Bus and Web PubSub through the Azure SDK instrumentation,
 *   webhook POSTs (webhook-http.ts) and whatever else calls inSpan({ kind: 'client' });
 * - exceptions: recorded on failed spans, plus uncaught exceptions;
 * - custom metrics through the metrics port (src/shared/metrics.ts).
 *
 * What is switched off, and why (docs/PRODUCTION-RUNBOOK.md, Telemetry):
 * - statsbeat and SDK stats: the SDK's reports about itself to Microsoft's own endpoints;
 * - the Azure VM resource detector: the distro always asks 169.254.169.254, and this app runs on
 *   Functions, never on a VM (the App Service / Functions detectors read environment variables);
 * - the http instrumentation: incoming requests are spanned by endpoint() (the local host's
 *   own server would otherwise be recorded twice), outgoing webhook calls by webhook-http.ts.
 * Live metrics stay on (they go to the connection string's LiveEndpoint); sampling keeps every
 * trace unless OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG say otherwise.
 */
import { createRequire } from 'node:module';
import { metrics as otelMetrics, type Counter, type Histogram } from '@opentelemetry/api';
import type {
  useAzureMonitor as UseAzureMonitor,
  flushAzureMonitor as FlushAzureMonitor,
  shutdownAzureMonitor as ShutdownAzureMonitor,
} from 'applicationinsights';
import { setMetrics, type MetricAttributes, type Metrics } from '../metrics';
import { setOpenTelemetrySpans } from './trace';

interface AppInsightsModule {
  useAzureMonitor: typeof UseAzureMonitor;
  flushAzureMonitor: typeof FlushAzureMonitor;
  shutdownAzureMonitor: typeof ShutdownAzureMonitor;
}
interface ResourceDetectorModule {
  azureVmDetector: { detect: (...args: unknown[]) => unknown };
}

const load = createRequire(__filename);
let sdk: AppInsightsModule | undefined;

export interface TelemetryStartOptions {
  /** Live metrics (default true; they go to the connection string's LiveEndpoint). */
  liveMetrics?: boolean;
}

/** Whether Application Insights was started in this process. */
export const telemetryStarted = (): boolean => sdk !== undefined;

/**
 * Starts telemetry if (and only if) the connection string is set; idempotent. Returns whether it
 * runs. Call before the Azure SDKs are first used (src/index.ts is the app's first module).
 */
export function startTelemetry(env: Record<string, string | undefined> = process.env, options: TelemetryStartOptions = {}): boolean {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  if (!connectionString) return false;
  if (sdk) return true;

  // Read by the exporter when it is built (any non-empty value turns each off).
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT ??= 'true';
  process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED ??= 'true';
  process.env.APPLICATIONINSIGHTS_SDKSTATS_DISABLED ??= 'true';
  // The detector object is the one the distro's config calls (resolved from the distro itself, so
  // it is the same copy however npm lays out node_modules); a no-op keeps it off the network.
  const distro = createRequire(load.resolve('@azure/monitor-opentelemetry'));
  const detectors = distro('@opentelemetry/resource-detector-azure') as ResourceDetectorModule;
  detectors.azureVmDetector.detect = () => ({ attributes: {} });

  const ai = load('applicationinsights') as AppInsightsModule;
  ai.useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    enableLiveMetrics: options.liveMetrics ?? true,
    samplingRatio: 1,
    tracesPerSecond: 0,
    instrumentationOptions: {
      http: { enabled: false },
      azureSdk: { enabled: true },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
    },
  });
  sdk = ai;
  setOpenTelemetrySpans(true);
  setMetrics(openTelemetryMetrics());
  return true;
}

/** Sends whatever is buffered (spans, logs, metrics) now; a no-op when telemetry is off. */
export async function flushTelemetry(): Promise<void> {
  await sdk?.flushAzureMonitor();
}

/** Flushes and stops telemetry (tests; a Functions worker is simply ended). */
export async function stopTelemetry(): Promise<void> {
  if (!sdk) return;
  const s = sdk;
  sdk = undefined;
  setOpenTelemetrySpans(false);
  setMetrics(undefined);
  await s.flushAzureMonitor();
  await s.shutdownAzureMonitor();
}

function openTelemetryMetrics(): Metrics {
  const meter = otelMetrics.getMeter('eva-api');
  const counters = new Map<string, Counter>();
  const histograms = new Map<string, Histogram>();
  return {
    count(name: string, attributes?: MetricAttributes, value = 1): void {
      let c = counters.get(name);
      if (!c) counters.set(name, (c = meter.createCounter(name)));
      c.add(value, attributes);
    },
    record(name: string, value: number, attributes?: MetricAttributes, unit?: string): void {
      let h = histograms.get(name);
      if (!h) histograms.set(name, (h = meter.createHistogram(name, unit ? { unit } : {})));
      h.record(value, attributes);
    },
  };
}
