/**
 * The interfaces core and handlers depend on. Each has a real adapter in
 * src/shared/adapters (Azure services, Redis) and, where no real part can run locally,
 * an in-process one behind the same interface.
 */
import type { EventEnvelope } from './core/events';
import type { SpaceChunk } from './core/space-index';

/** Queue names shared by senders and the queue-triggered functions. */
export const QUEUES = {
  events: 'events',
  webhookDeliveries: 'webhook-deliveries',
  documentProcessing: 'document-processing',
  /** Deleting a space's documents, blobs and chunks after the space itself is gone. */
  spaceCleanup: 'space-cleanup',
  /** Answering submitted questions (message: { tenant_id, query_id }, message id = query id). */
  queries: 'queries',

  /** One message per event for the real-time push (its own queue: a slow push never delays webhooks). */
  realtimePush: 'realtime-push',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * A queue's properties: the one declaration the local Service Bus stand-in creates its queues from
 * and the infrastructure templates are checked against. Adding a queue = a line in QUEUES and one
 * here (the Record type makes the compiler ask for it).
 */
export interface QueueProperties {
  name: string;
  /** How long a receive lock lasts before the message is visible again (ISO PT1M = 60 000). */
  lockDurationMs: number;
  /** Deliveries before Service Bus dead-letters the message (MaxDeliveryCountExceeded). */
  maxDeliveryCount: number;
  /** MessageId history for duplicate detection; 0 = duplicate detection off. */
  duplicateDetectionWindowMs: number;
}

const MINUTE = 60_000;
/** Service Bus's own defaults for a queue (the Functions host's lock duration of 1 minute). */
export const DEFAULT_QUEUE_PROPERTIES: Readonly<Omit<QueueProperties, 'name'>> = {
  lockDurationMs: MINUTE,
  maxDeliveryCount: 10,
  duplicateDetectionWindowMs: 10 * MINUTE,
};
const queue = (name: QueueName, overrides: Partial<Omit<QueueProperties, 'name'>> = {}): QueueProperties => ({
  name,
  ...DEFAULT_QUEUE_PROPERTIES,
  ...overrides,
});

export const QUEUE_PROPERTIES: Readonly<Record<keyof typeof QUEUES, QueueProperties>> = {
  events: queue(QUEUES.events),
  webhookDeliveries: queue(QUEUES.webhookDeliveries),
  // Extraction of a large document can take minutes; the host renews the lock meanwhile.
  documentProcessing: queue(QUEUES.documentProcessing, { lockDurationMs: 5 * MINUTE }),
  spaceCleanup: queue(QUEUES.spaceCleanup),
  queries: queue(QUEUES.queries),

  realtimePush: queue(QUEUES.realtimePush),
};

export interface QueueSendOptions {
  /** Used for duplicate detection (Service Bus MessageId). */
  messageId?: string;
  subject?: string;
  applicationProperties?: Record<string, string | number | boolean>;
  /** Deliver no earlier than this time (scheduled enqueue). */
  scheduledEnqueueTime?: Date;
  /** W3C trace context the message carries to its consumer (default: the current span's). */
  traceparent?: string;
}

/** Sends messages to a queue: Service Bus in Azure, the local Service Bus stand-in locally. */
export interface QueueSender {
  send(queue: QueueName, body: unknown, options?: QueueSendOptions): Promise<void>;
  /** Proves the broker is reachable without sending anything (health checks); absent = in-process. */
  ping?(signal: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

/** Publishes domain events (to the `events` queue, through the outbox). */
export interface EventPublisher {
  publish(event: EventEnvelope): Promise<void>;
}

/** A processed document as retrieval sees it: its id and what changes when its chunks may have. */
export interface IndexableDocument {
  id: string;
  fingerprint: string;
}

/** What a space's retrieval index is built from (Cosmos: the space, document and chunk records). */
export interface SpaceContentSource {
  /** The space's content version, or undefined when the space does not exist (in this tenant). */
  contentVersion(tenantId: string, spaceId: string): Promise<number | undefined>;
  /** The space's processed documents (no chunk text: a cheap listing). */
  processedDocuments(tenantId: string, spaceId: string): Promise<IndexableDocument[]>;
  /** One document's chunks in order. */
  documentChunks(tenantId: string, spaceId: string, documentId: string): Promise<SpaceChunk[]>;
  /** Every chunk of the space (a full build), in chunk order within each document. */
  spaceChunks(tenantId: string, spaceId: string): Promise<SpaceChunk[]>;
}

export interface StoredIndexSnapshot {
  body: Buffer;
  /** The content version the snapshot reflects (from the blob's metadata). */
  contentVersion: number;
  etag: string;
}

/** Persisted retrieval indexes, one per space (Blob Storage). */
export interface IndexSnapshotStore {
  load(tenantId: string, spaceId: string): Promise<StoredIndexSnapshot | undefined>;
  /**
   * Stores a snapshot unless a newer one is there: conditional on `etag` (the one loaded or last
   * saved; undefined = none expected). Returns the new ETag, or undefined when it was not stored.
   */
  save(tenantId: string, spaceId: string, body: Buffer, contentVersion: number, etag: string | undefined): Promise<string | undefined>;
}

/** Turns texts into embedding vectors (Azure OpenAI embeddings). */
export interface EmbeddingModel {
  /** Names the model and dimensions: vectors of another id are never compared with these. */
  readonly id: string;
  /** One unit-normalised vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

export interface RateLimitPolicy {
  /** Requests allowed per window; Infinity = unlimited. */
  limit: number;
  windowMs: number;
}

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch seconds when the caller has its full allowance again. */
  resetAt: number;
  /** Seconds to wait before retrying (only when not allowed). */
  retryAfter: number;
}

export interface RateLimiter {
  /**
   * Admits `weight` requests (default 1) at once, or none: a GraphQL operation charges its cost
   * as several requests (docs/graphql.md).
   */
  check(key: string, policy: RateLimitPolicy, weight?: number): Promise<RateLimitResult>;
}

/** A dependency's answer to a bounded-time health probe. */
export type HealthStatus = 'healthy' | 'unhealthy' | 'not_configured';
export interface HealthCheckResult {
  status: HealthStatus;
  /** A stable reason code (e.g. TIMEOUT, UNREACHABLE, AUTH_FAILED, NOT_CONFIGURED), never raw error text. */
  reason?: string;
  latency_ms?: number;
}
export interface HealthCheck {
  readonly name: string;
  check(signal: AbortSignal): Promise<HealthCheckResult>;
}

/**
 * Sends JSON to a real-time group (Azure Web PubSub, or its local stand-in). Groups are named
 * `tenant:{tenant_id}` and `space:{space_id}` (src/shared/core/realtime-groups.ts).
 */
export interface RealtimePublisher {
  sendToGroup(group: string, payload: unknown): Promise<void>;
}

export interface RealtimeClientAccess {
  /** wss://…/client/hubs/{hub}?access_token=… */
  url: string;
  expiresInSeconds: number;
}

/** Issues client access URLs: the user id, and the groups the client may join (and starts in). */
export interface RealtimeNegotiator {
  clientAccess(userId: string, groups: readonly string[], lifetimeMinutes: number): Promise<RealtimeClientAccess>;
}
