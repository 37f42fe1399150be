/**
 * Azurite's Blob service, started in-process on a free loopback port with in-memory persistence.
 * `require('azurite')` loads the VS Code extension and fails, so this reaches into its blob server
 * classes (untyped, CommonJS) and gives them the small typed surface used here. Azurite's
 * telemetry is only switched on by its CLI entry point (never called here); it is also turned off
 * explicitly so nothing leaves loopback.
 */
import type { Server } from 'node:http';

/** The well-known development storage account every Azure storage emulator accepts (public, not a secret). */
export const DEV_STORAGE_ACCOUNT = 'devstoreaccount1';
export const DEV_STORAGE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

interface AzuriteChunkStore {
  clear(category: string): void;
}

interface AzuriteBlobServer {
  start(): Promise<void>;
  close(): Promise<void>;
  clean(): Promise<void>;
  getHttpServerAddress(): string;
  readonly httpServer: Server;
}

type BlobConfigurationCtor = new (
  host: string,
  port: number,
  keepAliveTimeout: number,
  metadataDBPath: string,
  extentDBPath: string,
  persistencePathArray: unknown[],
  enableAccessLog: boolean,
  accessLogWriteStream: undefined,
  enableDebugLog: boolean,
  debugLogFilePath: undefined,
  loose: boolean,
  skipApiVersionCheck: boolean,
  cert: string,
  key: string,
  pwd: string,
  oauth: undefined,
  disableProductStyleUrl: boolean,
  isMemoryPersistence: boolean,
  memoryStore: AzuriteChunkStore,
) => object;

type BlobServerCtor = new (configuration: object) => AzuriteBlobServer;
type ChunkStoreCtor = new (sizeLimit: number) => AzuriteChunkStore;

interface AzuriteModules {
  BlobConfiguration: BlobConfigurationCtor;
  BlobServer: BlobServerCtor;
  MemoryExtentChunkStore: ChunkStoreCtor;
}

/** Loads Azurite's classes lazily: the local host without Blob emulation never pays for them. */
function loadAzurite(): AzuriteModules {
  /* eslint-disable @typescript-eslint/no-require-imports -- untyped CommonJS internals of azurite */
  const telemetry = require('azurite/dist/src/common/Telemetry') as {
    AzuriteTelemetryClient: { enableTelemetry: boolean };
  };
  telemetry.AzuriteTelemetryClient.enableTelemetry = false;
  const config = require('azurite/dist/src/blob/BlobConfiguration') as { default: BlobConfigurationCtor };
  const server = require('azurite/dist/src/blob/BlobServer') as { default: BlobServerCtor };
  const memory = require('azurite/dist/src/common/persistence/MemoryExtentStore') as {
    MemoryExtentChunkStore: ChunkStoreCtor;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { BlobConfiguration: config.default, BlobServer: server.default, MemoryExtentChunkStore: memory.MemoryExtentChunkStore };
}

export interface BlobEmulator {
  /** e.g. http://127.0.0.1:PORT/devstoreaccount1 */
  readonly blobEndpoint: string;
  readonly port: number;
  /** A connection string for the dev account at this endpoint. */
  readonly connectionString: string;
  stop(): Promise<void>;
}

export interface BlobEmulatorOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** Bytes of blob content kept in memory before Azurite refuses writes (default 512 MiB). */
  memoryLimitBytes?: number;
}

export async function startBlobEmulator(options: BlobEmulatorOptions = {}): Promise<BlobEmulator> {
  const { BlobConfiguration, BlobServer, MemoryExtentChunkStore } = loadAzurite();
  // A chunk store of its own, so two emulators in one process never see each other's bytes.
  const chunks = new MemoryExtentChunkStore(options.memoryLimitBytes ?? 512 * 1024 * 1024);
  const configuration = new BlobConfiguration(
    '127.0.0.1',
    options.port ?? 0,
    5, // keep-alive seconds
    '__blob_metadata__.json',
    '__blob_extents__.json',
    [],
    false, // access log
    undefined,
    false, // debug log
    undefined,
    false, // loose
    false, // skipApiVersionCheck: @azure/storage-blob is pinned to a version Azurite 3.35 accepts
    '',
    '',
    '',
    undefined,
    false,
    true, // in-memory persistence
    chunks,
  );
  const server = new BlobServer(configuration);
  await server.start();
  const address = server.httpServer.address();
  if (address === null || typeof address === 'string') {
    await server.close();
    throw new Error('Azurite blob server did not report a TCP address');
  }
  const port = address.port;
  const blobEndpoint = `http://127.0.0.1:${port}/${DEV_STORAGE_ACCOUNT}`;
  let stopped = false;
  return {
    blobEndpoint,
    port,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_STORAGE_ACCOUNT};AccountKey=${DEV_STORAGE_KEY};` + `BlobEndpoint=${blobEndpoint};`,
    async stop() {
      if (stopped) return;
      stopped = true;
      // close() stops accepting and ends idle keep-alive sockets (Azurite wraps the server in `stoppable`).
      server.httpServer.closeAllConnections();
      await server.close();
      await server.clean();
      chunks.clear('blob');
    },
  };
}
