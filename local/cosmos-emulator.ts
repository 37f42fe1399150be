/**
 * The embedded Cosmos DB emulator (@vercel/cosmosdb-server), in-process on a free loopback port.
 * Plain HTTP because the package's bundled TLS certificate has expired; clients must then use
 * connectionPolicy { enableEndpointDiscovery: false } (the Cosmos adapter does this for http://).
 * Everything is in memory and gone when it stops. It does not check the key; the public
 * well-known emulator key is used so clients sign requests exactly as they would against Azure.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '@vercel/cosmosdb-server';
import { installLinearQueries } from './cosmos-query-speedup';

/** The documented key of Microsoft's Cosmos DB emulator (public, not a secret). */
export const COSMOS_EMULATOR_KEY = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export interface CosmosEmulator {
  /** e.g. http://127.0.0.1:PORT */
  readonly endpoint: string;
  readonly key: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * The query plan this emulator stands behind: it runs every query whole (ORDER BY, aggregates,
 * continuations) over its single partition key range, so the client has nothing to rewrite or
 * merge. The SDK asks for a plan on every new query iterator (in parallel with the query itself)
 * and uses it only when the service says a query needs one; the package does not know the
 * request and would run it as a second, full query.
 */
export const EMULATOR_QUERY_PLAN = {
  partitionedQueryExecutionInfoVersion: 2,
  queryInfo: {
    distinctType: 'None',
    top: null,
    offset: null,
    limit: null,
    orderBy: [],
    orderByExpressions: [],
    groupByExpressions: [],
    groupByAliases: [],
    aggregates: [],
    groupByAliasToAggregateType: {},
    rewrittenQuery: '',
    hasSelectValue: false,
    hasNonStreamingOrderBy: false,
  },
  queryRanges: [{ min: '', max: 'FF', isMinInclusive: true, isMaxInclusive: false }],
} as const;

function answerQueryPlan(req: IncomingMessage, res: ServerResponse): void {
  req.resume(); // the query text is not needed
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-ms-request-charge': '0', connection: 'keep-alive' });
    res.end(JSON.stringify(EMULATOR_QUERY_PLAN));
  });
}

export async function startCosmosEmulator(options: { port?: number } = {}): Promise<CosmosEmulator> {
  installLinearQueries();
  // keepAlive: the package otherwise answers `Connection: close`, so every SDK request paid a new
  // TCP connection (stop() ends the kept sockets).
  const server = createHttpServer({ keepAlive: true });
  // Wrap the package's request handler: query-plan requests get the plan above, the rest go through.
  const [handle] = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  if (!handle) throw new Error('cosmosdb-server registered no request handler');
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' && String(req.headers['x-ms-cosmos-is-query-plan-request']).toLowerCase() === 'true') answerQueryPlan(req, res);
    else handle(req, res);
  });
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
