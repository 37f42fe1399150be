/**
 * The local host: loads the function files (the very same registration code Azure runs), then
 * serves their HTTP triggers, runs their Service Bus triggers through the real SDK (from the local
 * Service Bus stand-in, or from the namespace SERVICE_BUS_CONNECTION_STRING names), and runs their
 * timers. Under vitest it imports the .ts sources (so vitest
 * transforms them); from compiled JS (`npm start`) it loads dist/src/functions/*.js.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { getConfig, resetConfig } from '../src/shared/config';
import { whenEventsDispatched } from '../src/shared/events/publisher';
import { resetServices } from '../src/shared/services';
import { createLogger, type Logger } from '../src/shared/logger';
import { getRegisteredFunctions, installFunctionsCore, resolveSetting, type RegisteredFunction } from './functions-core';
import { startHttpServer } from './http-server';
import { maxAutoLockRenewalMsFrom, maxConcurrentCallsFrom, QueueRunner, readHostJson } from './queue-runner';
import { startServiceBusStandIn, type ServiceBusStandIn } from './service-bus/server';
import type { ServiceBusStore } from './service-bus/store';
import { TimerRunner } from './timer-runner';
import { registerInvocationTracing } from '../src/shared/telemetry/invocation-hook';

export interface LocalHostOptions {
  /** 0 picks a free port. Default: PORT env, else 7071. */
  port?: number;
  /** Default 127.0.0.1. */
  hostname?: string;
  /** Function files to load (absolute, or relative to the project root). Default: every file of functionsDir. */
  functionFiles?: readonly string[];
  /** Default: src/functions (.ts) under vitest/ts, dist/src/functions (.js) when compiled. */
  functionsDir?: string;
  /** Arm timer schedules (default false: tests fire timers with fireTimer). */
  startTimers?: boolean;
  /**
   * The in-process Service Bus stand-in to use (startEmulators starts one). Without it the host
   * uses the namespace in SERVICE_BUS_CONNECTION_STRING, or starts a stand-in of its own if unset.
   */
  serviceBus?: ServiceBusStandIn;
  /** Per-queue handler concurrency (default: host.json, else 16). */
  maxConcurrentCalls?: number;
  /** Delay before the stand-in makes an abandoned message visible again (default 100 ms; none on a real namespace). */
  retryDelayMs?: number;
  /** Default: host.json at the project root. */
  hostJsonPath?: string;
  logger?: Logger;
}

export interface FunctionSummary {
  name: string;
  /** 'http' | 'serviceBus' | 'timer' | the raw trigger type for anything else. */
  trigger: string;
  route?: string;
  methods?: string[];
  queueName?: string;
  schedule?: string;
}

export interface LocalHost {
  /** Origin, e.g. http://127.0.0.1:7071; HTTP functions are under `${url}/api/...`. */
  url: string;
  port: number;
  /** The in-process stand-in's state (throws when the host runs against a real namespace). */
  readonly broker: ServiceBusStore;
  /** Runs a timer function now; resolves when it finishes, rejects with its error. */
  fireTimer(name: string): Promise<void>;
  functions(): FunctionSummary[];
  stop(): Promise<void>;
}

import { projectRoot } from '../src/shared/project-root';

export { projectRoot };

const runningFromTypeScript = (): boolean => extname(__filename) === '.ts';

/** The function files of a directory: one function per file, tests and declarations excluded. */
export function listFunctionFiles(dir: string): string[] {
  const ts = runningFromTypeScript();
  return readdirSync(dir)
    .filter((f) => (ts ? /\.ts$/.test(f) && !/\.(d|test)\.ts$/.test(f) : /\.(c?js)$/.test(f) && !/\.test\.c?js$/.test(f)))
    .sort()
    .map((f) => join(dir, f));
}

/** Loads function files in order; each one's app.* calls register with the functions-core stand-in. */
export async function loadFunctionFiles(files: readonly string[]): Promise<void> {
  installFunctionsCore();
  // What src/index.ts does in Azure: queue and timer invocations run as trace spans.
  registerInvocationTracing();
  const req = createRequire(__filename);
  for (const file of files) {
    try {
      // .ts goes through import() so vitest transforms it; compiled CommonJS through require().
      if (/\.[cm]?ts$/.test(file)) await import(file);
      else req(file);
    } catch (e) {
      throw new Error(`Loading function file ${file} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}

export function summarize(fn: RegisteredFunction): FunctionSummary {
  const t = fn.trigger;
  const type = t.type.toLowerCase();
  const tryResolve = (v: string): string => {
    try {
      return resolveSetting(v);
    } catch {
      return v;
    }
  };
  if (type === 'httptrigger') {
    return { name: fn.name, trigger: 'http', route: t.route ?? fn.name, methods: (t.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase()) };
  }
  if (type === 'servicebustrigger') return { name: fn.name, trigger: 'serviceBus', queueName: tryResolve(stringOr(t.queueName ?? t.topicName)) };
  if (type === 'timertrigger') return { name: fn.name, trigger: 'timer', schedule: tryResolve(stringOr(t.schedule)) };
  return { name: fn.name, trigger: t.type };
}

function routePrefixFrom(hostJson: unknown): string {
  const ext = typeof hostJson === 'object' && hostJson !== null ? (hostJson as { extensions?: { http?: { routePrefix?: unknown } } }).extensions : undefined;
  const prefix = ext?.http?.routePrefix;
  return typeof prefix === 'string' ? prefix : 'api';
}

function defaultLogger(): Logger {
  const level = process.env.LOG_LEVEL?.toLowerCase();
  const valid = level === 'debug' || level === 'info' || level === 'warn' || level === 'error' || level === 'silent';
  return createLogger({ level: valid ? level : 'info', format: process.env.LOG_FORMAT?.toLowerCase() === 'json' ? 'json' : 'text' });
}

/**
 * Loads the functions and starts serving them. Every function registered in the process is served
 * (the stand-in's registry is process-wide, as a Functions app is one process).
 */
export async function startLocalHost(options: LocalHostOptions = {}): Promise<LocalHost> {
  installFunctionsCore();
  const root = projectRoot();
  const logger = options.logger ?? defaultLogger();
  const files = options.functionFiles
    ? options.functionFiles.map((f) => (isAbsolute(f) ? f : resolve(root, f)))
    : listFunctionFiles(options.functionsDir ?? (runningFromTypeScript() ? join(root, 'src', 'functions') : join(root, 'dist', 'src', 'functions')));
  await loadFunctionFiles(files);

  const all = getRegisteredFunctions();
  const hostJson = readHostJson(options.hostJsonPath ?? join(root, 'host.json'));

  // Service Bus: the given stand-in, a configured namespace, or a stand-in of the host's own.
  let standIn = options.serviceBus;
  let ownStandIn: ServiceBusStandIn | undefined;
  const savedConnection = process.env.SERVICE_BUS_CONNECTION_STRING;
  if (!standIn && !savedConnection) {
    standIn = ownStandIn = await startServiceBusStandIn();
    process.env.SERVICE_BUS_CONNECTION_STRING = standIn.connectionString;
    resetConfig();
    await resetServices();
  }
  if (standIn) {
    standIn.store.redeliveryDelayMs = options.retryDelayMs ?? 100;
    // Queues only a function names (test fixtures) get the default properties; the app's own come
    // from the declaration in src/shared/ports.ts.
    for (const f of all.map(summarize)) {
      if (f.trigger === 'serviceBus' && f.queueName && !standIn.store.resolve(f.queueName)) standIn.store.declareDefault(f.queueName);
    }
  }

  const timers = new TimerRunner({ functions: all, logger });
  const queues = new QueueRunner({
    functions: all,
    logger,
    connectionString: standIn?.connectionString,
    maxConcurrentCalls: options.maxConcurrentCalls ?? maxConcurrentCallsFrom(hostJson),
    maxAutoLockRenewalMs: maxAutoLockRenewalMsFrom(hostJson),
  });
  const http = await startHttpServer({
    functions: all,
    port: options.port,
    hostname: options.hostname,
    routePrefix: routePrefixFrom(hostJson),
    logger,
    bodyTimeoutMs: getConfig().BODY_TIMEOUT_MS,
  });
  queues.start();
  if (options.startTimers) timers.start();

  let stopped: Promise<void> | undefined;
  return {
    url: http.url,
    port: http.port,
    get broker(): ServiceBusStore {
      if (!standIn) throw new Error('host.broker: this host runs against a real Service Bus namespace, not the local stand-in.');
      return standIn.store;
    },
    fireTimer: (name) => timers.fire(name),
    functions: () => all.map(summarize),
    stop: () =>
      (stopped ??= (async () => {
        await http.close();
        // Background event dispatches still need the queues and clients.
        await whenEventsDispatched();
        await Promise.all([timers.stop(), queues.stop()]);
        if (ownStandIn) {
          await ownStandIn.stop();
          if (savedConnection === undefined) delete process.env.SERVICE_BUS_CONNECTION_STRING;
          else process.env.SERVICE_BUS_CONNECTION_STRING = savedConnection;
          resetConfig();
        }
      })()),
  };
}

function stringOr(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
