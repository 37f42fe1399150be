/**
 * `npm start`: the local stand-in for `func start`. Loads local.settings.json (Values, as func
 * start does, never overriding the real environment), starts the embedded emulators for what is
 * not configured, then the local host with timers armed, prints what runs where, and shuts down
 * cleanly on SIGINT/SIGTERM (a second signal forces the exit).
 */
import { startTelemetry } from '../src/shared/telemetry/telemetry';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installFunctionsCore } from './functions-core';
import { projectRoot, startLocalHost, type FunctionSummary } from './host';
import { startEmulators } from './emulators';
import { bootstrapLines, ensureBootstrap } from './bootstrap';
import { resetServices } from '../src/shared/services';
import { LOCAL_BLOB_PORT, LOCAL_COSMOS_PORT } from './local-ports';

// Before any function file can call app.*: @azure/functions caches a missing core module forever.
installFunctionsCore();

/** Copies local.settings.json "Values" into process.env where unset, as Core Tools do. */
function loadLocalSettings(root: string): string | undefined {
  const file = join(root, 'local.settings.json');
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error('local.settings.json is not valid JSON.');
  }
  const values = (parsed as { Values?: unknown }).Values;
  if (typeof values === 'object' && values !== null) {
    for (const [k, v] of Object.entries(values as Record<string, unknown>)) {
      if (process.env[k] === undefined && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
        process.env[k] = String(v);
      }
    }
  }
  return file;
}

function describeFunctions(url: string, fns: FunctionSummary[]): string[] {
  const lines: string[] = [];
  const http = fns.filter((f) => f.trigger === 'http').sort((a, b) => (a.route ?? '').localeCompare(b.route ?? ''));
  const queues = fns.filter((f) => f.trigger === 'serviceBus');
  const timers = fns.filter((f) => f.trigger === 'timer');
  const others = fns.filter((f) => !['http', 'serviceBus', 'timer'].includes(f.trigger));
  lines.push(`HTTP functions (${http.length}) at ${url}/api:`);
  const width = Math.max(0, ...http.map((f) => (f.methods ?? []).filter((m) => m !== 'OPTIONS').join(',').length));
  for (const f of http) {
    const methods = (f.methods ?? []).filter((m) => m !== 'OPTIONS').join(',');
    lines.push(`  ${methods.padEnd(width)}  ${url}/api/${f.route}  [${f.name}]`);
  }
  if (queues.length > 0) {
    lines.push(`Queue functions (${queues.length}), through Service Bus:`);
    for (const f of queues) lines.push(`  ${f.queueName}  ->  ${f.name}`);
  }
  if (timers.length > 0) {
    lines.push(`Timer functions (${timers.length}), UTC:`);
    for (const f of timers) lines.push(`  ${f.schedule}  ->  ${f.name}`);
  }
  for (const f of others) lines.push(`  (not served locally) ${f.name}: ${f.trigger}`);
  return lines;
}

async function main(): Promise<void> {
  const root = projectRoot();
  const settingsFile = loadLocalSettings(root);
  // Only with APPLICATIONINSIGHTS_CONNECTION_STRING set (never otherwise).
  if (startTelemetry()) process.stdout.write('Application Insights: on (APPLICATIONINSIGHTS_CONNECTION_STRING)\n');
  const emulators = await startEmulators({ cosmosPort: LOCAL_COSMOS_PORT, blobPort: LOCAL_BLOB_PORT });
  const port = process.env.PORT ? Number(process.env.PORT) : 7071;
  let host;
  try {
    host = await startLocalHost({ port, startTimers: true, serviceBus: emulators.serviceBus });
  } catch (err) {
    await emulators.stop();
    throw err;
  }
  const boot = await ensureBootstrap();

  const out = [
    '',
    'EVA API local host (stand-in for `func start`; development only)',
    settingsFile ? `  settings: ${settingsFile} (environment variables win)` : '  settings: environment only (no local.settings.json)',
    ...emulators.summary.map((s) => `  ${s}`),
    process.env.REDIS_HOST
      ? `  Rate limits: Redis at ${process.env.REDIS_HOST}:${process.env.REDIS_PORT ?? '6379'}`
      : '  Rate limits: in-memory limiter (REDIS_HOST unset)',
    '',
    ...describeFunctions(host.url, host.functions()),
    '',
    ...bootstrapLines(boot),
    `Live console: ${host.url}/api/console (paste the key above)`,
    '',
    'Press Ctrl+C to stop.',
    '',
  ];
  process.stdout.write(out.join('\n') + '\n');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting now.\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the local host...\n`);
    void (async () => {
      await host.stop();
      // Close SDK clients and Redis connections the functions built.
      await resetServices();
      await emulators.stop();
    })().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`Shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`The local host could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  if (err instanceof Error && err.cause instanceof Error) process.stderr.write(`  cause: ${err.cause.message}\n`);
  process.exit(1);
});
