/**
 * Builds the adapters once per process (module scope), from config, so a warm Functions instance
 * reuses clients, connections and caches. Each getter is lazy: a function that never touches Redis
 * never connects to it. Tests and the local host call resetServices() after changing settings.
 */
import { getConfig } from './config';
import { createLogger, type LogFields, type Logger } from './logger';
import { currentTrace } from './telemetry/trace';

const traceFields = (): LogFields => {
  const t = currentTrace();
  return t ? { trace_id: t.traceId } : {};
};

let logger: Logger | undefined;

export function getLogger(): Logger {
  if (!logger) {
    const c = getConfig();
    // Every line names the trace it belongs to (HTTP request, queue message, timer run).
    logger = createLogger({ level: c.LOG_LEVEL, format: c.LOG_FORMAT, contextFields: traceFields });
  }
  return logger;
}

type Closer = () => Promise<void> | void;
const closers: Closer[] = [];

/** Registers cleanup for a built service (connections to close on shutdown/reset). */
export function onServicesReset(close: Closer): void {
  closers.push(close);
}

const drains: Closer[] = [];
/** Registers work to wait for before services are closed (e.g. background event dispatches). */
export function onServicesDrain(drain: Closer): void {
  drains.push(drain);
}

/** Closes every built service and forgets it; the next getter call builds it anew. */
export async function resetServices(): Promise<void> {
  await Promise.allSettled(drains.map(async (d) => d()));
  const pending = closers.splice(0, closers.length);
  await Promise.allSettled(pending.map(async (c) => c()));
  logger = undefined;
  for (const reset of resetters) reset();
}

const resetters: Array<() => void> = [];
/** Each feature's lazily built singletons register how to forget themselves. */
export function registerReset(reset: () => void): void {
  resetters.push(reset);
}
