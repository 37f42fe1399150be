/**
 * The embedded Cosmos DB emulator (@vercel/cosmosdb-server), in-process on a free loopback port.
 * Plain HTTP because the package's bundled TLS certificate has expired; clients must then use
 * connectionPolicy { enableEndpointDiscovery: false } (the Cosmos adapter does this for http://).
 * Everything is in memory and gone when it stops. It does not check the key; the public
 * well-known emulator key is used so clients sign requests exactly as they would against Azure.
 */
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '@vercel/cosmosdb-server';

/** The documented key of Microsoft's Cosmos DB emulator (public, not a secret). */
export const COSMOS_EMULATOR_KEY =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export interface CosmosEmulator {
  /** e.g. http://127.0.0.1:PORT */
  readonly endpoint: string;
  readonly key: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startCosmosEmulator(options: { port?: number } = {}): Promise<CosmosEmulator> {
  const server = createHttpServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    key: COSMOS_EMULATOR_KEY,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Clients may hold keep-alive sockets; end them so close() completes and no handle stays open.
        server.closeAllConnections();
      });
    },
  };
}
