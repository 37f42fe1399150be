/**
 * The app's first module: package.json `main` is `dist/src/{index.js,functions/*.js}`, so the
 * Functions worker loads this before any function file, and telemetry is up before the Azure SDKs
 * are first required (their instrumentation hooks @azure/core-tracing as it loads).
 * Application Insights starts only when APPLICATIONINSIGHTS_CONNECTION_STRING is set.
 */
import { registerInvocationTracing } from './shared/telemetry/invocation-hook';
import { startTelemetry } from './shared/telemetry/telemetry';

startTelemetry();
registerInvocationTracing();
