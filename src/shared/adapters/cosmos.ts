/**
 * Cosmos DB: one CosmosClient per process (built from config on first use), the database and every
 * container created if missing once per process, and the helpers every store needs: error mapping
 * and cursor pagination. Stores call getContainer(name); they never build clients themselves.
 */
import { createHmac } from 'node:crypto';
import { CosmosClient, type Container, type FeedOptions, type RequestOptions, type SqlQuerySpec } from '@azure/cosmos';
import { getConfig } from '../config';
import { cosmosAuth } from '../core/azure-auth';
import { getAzureCredential } from './azure-credential';
import { decodeCursor, encodeCursor } from '../core/cursor';
import { AppError } from '../core/errors';
import { onServicesReset, registerReset } from '../services';
import { mapAzureError } from './azure-errors';

/**
 * Every container, with its partition key path: the ONE place containers are declared (add rows here).
 * Tenant-scoped items carry tenantId and every read names it (partition key or filter).
 * - tenants, apiKeys, refreshTokens are read by id alone (apiKeys: id = the key's HMAC hash, so a
 *   request is authenticated with one point read; refreshTokens likewise by token hash).
 * - chunks are partitioned by /spaceId, not /tenantId: they are the bulkiest records (one per slice of
 *   every document), so a large tenant would outgrow a logical partition's 20 GB, and retrieval reads
 *   the chunks of one space, which /spaceId serves from a single partition. Chunk queries still filter
 *   on tenantId as well.
 */
export const CONTAINERS = {
  tenants: { partitionKey: '/id' },
  apiKeys: { partitionKey: '/id' },
  refreshTokens: { partitionKey: '/id' },
  spaces: { partitionKey: '/tenantId' },
  documents: { partitionKey: '/tenantId' },
  chunks: { partitionKey: '/spaceId' },
  webhooks: { partitionKey: '/tenantId' },
  webhookDeliveries: { partitionKey: '/tenantId' },
  outbox: { partitionKey: '/tenantId' },
  queries: { partitionKey: '/tenantId' },
  /** GraphQL subscriptions registered through POST /api/graphql (read by the real-time push). */
  graphqlSubscriptions: { partitionKey: '/tenantId' },
} as const satisfies Record<string, { partitionKey: `/${string}` }>;

export type ContainerName = keyof typeof CONTAINERS;

const SERVICE = 'Cosmos DB';

let client: CosmosClient | undefined;
let ready: Promise<void> | undefined;

/** The process's CosmosClient (not creating anything). Throws DEPENDENCY_UNAVAILABLE if unconfigured. */
export function getCosmosClient(): CosmosClient {
  if (client) return client;
  const c = getConfig();
  const auth = cosmosAuth(c);
  if (auth.kind !== 'key' && auth.kind !== 'identity') {
    throw new AppError('DEPENDENCY_UNAVAILABLE', 'A dependency (Cosmos DB) is not configured.');
  }
  const local = auth.endpoint.startsWith('http://');
  const built = new CosmosClient({
    endpoint: auth.endpoint,
    ...(auth.kind === 'key' ? { key: auth.key } : { aadCredentials: getAzureCredential() }),
    connectionPolicy: {
      requestTimeout: c.AZURE_TIMEOUT * 1000,
      // The embedded emulator speaks plain HTTP and has no regional endpoints to discover.
      enableEndpointDiscovery: !local,
    },
  });
  client = built;
  onServicesReset(() => built.dispose());
  return built;
}

/** Creates the database and every container if missing; once per process (the promise is memoized). */
export function ensureCosmosResources(): Promise<void> {
  ready ??= (async () => {
    const cosmos = getCosmosClient();
    // The data-plane role cannot create databases or containers: with the identity, Bicep has made them.
    if (cosmosAuth(getConfig()).kind === 'identity') return;
    const { database } = await cosmos.databases.createIfNotExists({ id: getConfig().COSMOS_DB_DATABASE });
    await Promise.all(
      Object.entries(CONTAINERS).map(([id, spec]) => database.containers.createIfNotExists({ id, partitionKey: { paths: [spec.partitionKey] } })),
    );
  })().catch((err: unknown) => {
    ready = undefined; // a later call retries (e.g. Cosmos was briefly unreachable at start)
    throw mapAzureError(err, SERVICE);
  });
  return ready;
}

/** A container, after the database and containers exist. */
export async function getContainer(name: ContainerName): Promise<Container> {
  await ensureCosmosResources();
  return getCosmosClient().database(getConfig().COSMOS_DB_DATABASE).container(name);
}

/** Maps a Cosmos SDK error to AppError (404 NOT_FOUND, 409 CONFLICT, 412 PRECONDITION_FAILED, outages DEPENDENCY_UNAVAILABLE). */
export function mapCosmosError(err: unknown, what = 'Resource'): AppError {
  return mapAzureError(err, SERVICE, what);
}

/** Runs a Cosmos call, rethrowing its errors as AppError. */
export async function cosmosCall<T>(fn: () => Promise<T>, what = 'Resource'): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapCosmosError(err, what);
  }
}

/** Options that make a write conditional on the item's ETag (412 when stale); none without an ETag. */
export function ifMatchOptions(etag: string | undefined): RequestOptions {
  return etag ? { accessCondition: { type: 'IfMatch', condition: etag } } : {};
}

/** Cursors are signed with a key derived from JWT_SECRET_KEY (so no extra setting is needed). */
function cursorKey(): Buffer {
  return createHmac('sha256', getConfig().JWT_SECRET_KEY).update('eva-api/pagination-cursor/v1').digest();
}

export interface PageRequest {
  /** Items per page (1-1000). */
  limit: number;
  /** The API cursor from the previous page, if any. */
  cursor?: string | undefined;
  /** What list this is, e.g. `spaces:${tenantId}`: a cursor only works for the list it came from. */
  scope: string;
  /** The partition to read (always give it for tenant data: single-partition, ordered, cheap). */
  partitionKey?: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page, or null on the last page. */
  cursor: string | null;
  has_next: boolean;
}

/** Upper bound on empty round trips for one page (Cosmos may return empty pages with a continuation). */
const MAX_EMPTY_FETCHES = 10;

/**
 * One page of a query, paginated by Cosmos continuation tokens wrapped in a signed API cursor.
 * A tampered, foreign or malformed cursor is a VALIDATION_ERROR (field "cursor").
 * has_next may be true on a page that turns out to be the last (the store cannot tell without
 * reading ahead); the following page is then empty with has_next false.
 */
export async function queryPage<T>(container: Container, query: SqlQuerySpec, page: PageRequest): Promise<Page<T>> {
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > 1000) {
    throw new AppError('VALIDATION_ERROR', 'The request is not valid.', {
      details: [{ field: 'limit', issue: 'must be an integer from 1 to 1000' }],
    });
  }
  const key = cursorKey();
  let continuationToken = page.cursor ? decodeCursor(page.cursor, page.scope, key) : undefined;
  const options: FeedOptions = { maxItemCount: page.limit };
  if (page.partitionKey !== undefined) options.partitionKey = page.partitionKey;
  try {
    for (let attempt = 0; ; attempt++) {
      const iterator = container.items.query<T>(query, { ...options, continuationToken });
      const response = await iterator.fetchNext();
      continuationToken = response.continuationToken ?? undefined;
      const items = response.resources;
      if (items.length > 0 || !continuationToken || attempt >= MAX_EMPTY_FETCHES) {
        const next = continuationToken ? encodeCursor({ token: continuationToken, scope: page.scope }, key) : null;
        return { items, cursor: next, has_next: next !== null };
      }
    }
  } catch (err) {
    throw mapCosmosError(err);
  }
}

// resetServices() disposes the client (registered when built) and then forgets it and the memo.
registerReset(() => {
  client = undefined;
  ready = undefined;
});
