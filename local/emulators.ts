/**
 * Starts the emulators the local host and tests need, unless real accounts are configured.
 * For each of Cosmos DB, Blob Storage and Service Bus: when its setting is already in process.env the real
 * account is used (and the summary says so); otherwise the embedded emulator starts in-process on
 * a free loopback port and the settings are put into process.env so getConfig() picks them up.
 * stop() closes the emulators and restores the environment as it was.
 */
import { resetConfig } from '../src/shared/config';
import { startBlobEmulator } from './blob-emulator';
import { startCosmosEmulator } from './cosmos-emulator';
import { startWebPubSubStandIn, type WebPubSubStandIn } from './web-pubsub/server';
import { startServiceBusStandIn, type ServiceBusStandIn } from './service-bus/server';

export interface StartEmulatorsOptions {
  /** Start (or use) Cosmos DB (default true). */
  cosmos?: boolean;
  /** Start (or use) Blob Storage (default true). */
  blob?: boolean;
  /** Start (or use) Service Bus (default true): the AMQP stand-in unless SERVICE_BUS_CONNECTION_STRING is set. */
  serviceBus?: boolean;
  /** Bytes the embedded Azurite keeps in memory before it refuses writes (default 512 MiB). */
  blobMemoryLimitBytes?: number;
  /**
   * Preferred ports (npm start uses the emulators' usual 8081 and 10000, so other processes such as
   * `npm run keys` can find them); a busy port falls back to a free one. Default: any free port.
   */
  cosmosPort?: number;
  blobPort?: number;
  /** Start (or use) Web PubSub (default true): the stand-in unless WEB_PUBSUB_CONNECTION_STRING is set. */
  webPubSub?: boolean;
}

/** Starts on the preferred port, or on a free one when that port is taken. */
async function onPreferredPort<T>(start: (port: number) => Promise<T>, preferred: number | undefined): Promise<T> {
  if (!preferred) return start(0);
  try {
    return await start(preferred);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    return start(0);
  }
}

export interface RunningEmulators {
  /** Human-readable lines, one per service, e.g. "Cosmos DB: embedded emulator at http://127.0.0.1:PORT". */
  summary: string[];
  /** The Web PubSub stand-in, when it was started (tests cut its sockets or stop it). */
  webPubSub?: WebPubSubStandIn;
  /** The in-process Service Bus stand-in, when one was started (pass it to startLocalHost). */
  serviceBus?: ServiceBusStandIn;
  stop(): Promise<void>;
}

/** Where a configured endpoint points, without credentials (for the summary). */
function describeBlobAccount(connectionString: string): string {
  const parts = new Map<string, string>();
  for (const piece of connectionString.split(';')) {
    const i = piece.indexOf('=');
    if (i > 0) parts.set(piece.slice(0, i).trim().toLowerCase(), piece.slice(i + 1).trim());
  }
  if (connectionString.trim().toLowerCase() === 'usedevelopmentstorage=true') return 'development storage';
  return parts.get('blobendpoint') ?? parts.get('accountname') ?? 'configured account';
}

function describeCosmosEndpoint(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return 'configured endpoint';
  }
}

export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
  const summary: string[] = [];
  let serviceBus: ServiceBusStandIn | undefined;
  const stops: Array<() => Promise<void>> = [];
  const saved = new Map<string, string | undefined>();
  let webPubSub: WebPubSubStandIn | undefined;
  const setEnv = (name: string, value: string) => {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    process.env[name] = value;
  };
  const stop = async () => {
    const pending = stops.splice(0, stops.length).reverse();
    await Promise.allSettled(pending.map((s) => s()));
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    saved.clear();
    resetConfig();
  };

  try {
    if (options.cosmos ?? true) {
      const configured = process.env.COSMOS_DB_ENDPOINT;
      if (configured) {
        summary.push(`Cosmos DB: using configured account at ${describeCosmosEndpoint(configured)}`);
      } else {
        const cosmos = await onPreferredPort((port) => startCosmosEmulator({ port }), options.cosmosPort);
        stops.push(() => cosmos.stop());
        setEnv('COSMOS_DB_ENDPOINT', cosmos.endpoint);
        setEnv('COSMOS_DB_KEY', cosmos.key);
        summary.push(`Cosmos DB: embedded emulator at ${cosmos.endpoint}`);
      }
    }
    if (options.blob ?? true) {
      const configured = process.env.BLOB_STORAGE_CONNECTION_STRING;
      if (configured) {
        summary.push(`Blob Storage: using configured account at ${describeBlobAccount(configured)}`);
      } else {
        const blob = await onPreferredPort((port) => startBlobEmulator({ port, memoryLimitBytes: options.blobMemoryLimitBytes }), options.blobPort);
        stops.push(() => blob.stop());
        setEnv('BLOB_STORAGE_CONNECTION_STRING', blob.connectionString);
        summary.push(`Blob Storage: embedded Azurite at ${blob.blobEndpoint}`);
      }
    }
    if (options.serviceBus ?? true) {
      if (process.env.SERVICE_BUS_CONNECTION_STRING) {
        summary.push('Service Bus: using the configured namespace (SERVICE_BUS_CONNECTION_STRING)');
      } else {
        const bus = await startServiceBusStandIn();
        serviceBus = bus;
        stops.push(() => bus.stop());
        setEnv('SERVICE_BUS_CONNECTION_STRING', bus.connectionString);
        summary.push(`Service Bus: AMQP stand-in at sb://127.0.0.1:${bus.port} (queues: ${bus.store.queueNames().join(', ')})`);
      }
    }
    if (options.webPubSub ?? true) {
      const configured = process.env.WEB_PUBSUB_CONNECTION_STRING;
      if (configured) {
        summary.push(`Web PubSub: using configured service at ${/endpoint=([^;]+)/i.exec(configured)?.[1] ?? 'configured endpoint'}`);
      } else {
        webPubSub = await startWebPubSubStandIn();
        const standIn = webPubSub;
        stops.push(() => standIn.stop());
        setEnv('WEB_PUBSUB_CONNECTION_STRING', standIn.connectionString);
        summary.push(`Web PubSub: local stand-in at ${standIn.endpoint}`);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  resetConfig();
  return { summary, serviceBus, webPubSub, stop };
}
