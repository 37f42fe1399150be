/**
 * The embedded emulators (Cosmos DB, Azurite, the Service Bus and Web PubSub stand-ins) in a
 * process of their own, for runs that measure the API: in Azure those services are other machines,
 * and sharing the API's event loop would charge their work to it. Started with fork(); it sends the
 * settings that point at them ({ env }) over IPC once they listen, and stops on the message 'stop'
 * or when its parent goes away.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startEmulators } from './emulators';

/** The settings a local host needs to use emulators running elsewhere. */
export const EMULATOR_SETTINGS = [
  'COSMOS_DB_ENDPOINT',
  'COSMOS_DB_KEY',
  'BLOB_STORAGE_CONNECTION_STRING',
  'SERVICE_BUS_CONNECTION_STRING',
  'WEB_PUBSUB_CONNECTION_STRING',
] as const;

export interface EmulatorProcessReady {
  env: Record<string, string>;
}

export interface ForkedEmulators {
  child: ChildProcess;
  /** The settings that point at them: merge into process.env (then resetConfig) or a child's env. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the child has exited (at once if it has). */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

/**
 * Forks this module (compiled, beside the caller's dist) and resolves once the emulators listen.
 * cpuProfileDir writes the process's CPU profile there when it stops.
 */
export function forkEmulators(options: { cpuProfileDir?: string } = {}): Promise<ForkedEmulators> {
  const child = fork(join(__dirname, 'emulators-process.js'), [], {
    env: { ...process.env, DEBUG: undefined, LOG_LEVEL: 'warn' },
    execArgv: options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, env: (m as EmulatorProcessReady).env, stop: () => stopChild(child) }));
    child.once('exit', (code) => reject(new Error(`the emulators process exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('emulators-process: start it with child_process.fork (it reports over IPC)');
  const emulators = await startEmulators();
  const env: Record<string, string> = {};
  for (const name of EMULATOR_SETTINGS) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  const stop = (): void => {
    void emulators.stop().finally(() => process.exit(0));
  };
  process.on('message', (m) => m === 'stop' && stop());
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.send({ env } satisfies EmulatorProcessReady);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`emulators: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
