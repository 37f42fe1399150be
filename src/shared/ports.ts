/**
 * The interfaces core and handlers depend on. Each has a real adapter in
 * src/shared/adapters (Azure services, Redis) and, where no real part can run locally,
 * an in-process one behind the same interface.
 */
import type { EventEnvelope } from './core/events';

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
  check(key: string, policy: RateLimitPolicy): Promise<RateLimitResult>;
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
