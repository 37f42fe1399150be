/**
 * QueueSender over Azure Service Bus. One client per process and one sender per queue,
 * built on first use and reused (a warm Functions instance keeps its AMQP link).
 * Event messages carry the event id as MessageId (the queue's duplicate detection drops a
 * re-publish of the same event), the event type as Subject and the tenant as an
 * application property, and the W3C traceparent (also as Diagnostic-Id) so the consumer continues
 * the producer's trace. Retries are scheduled messages (scheduledEnqueueTime).
 */
import type { TokenCredential } from '@azure/identity';
import { ServiceBusClient, type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import { dependencyUnavailable } from '../core/errors';
import type { EventEnvelope } from '../core/events';
import { currentTraceparent } from '../telemetry/trace';
import { QUEUES, type QueueName, type QueueSender, type QueueSendOptions } from '../ports';

function isEventEnvelope(body: unknown): body is EventEnvelope {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return typeof b.event_id === 'string' && typeof b.event_type === 'string' && typeof b.tenant_id === 'string';
}

/** Maps a queue body and send options to a Service Bus message (pure; unit-tested). */
export function toServiceBusMessage(body: unknown, options: QueueSendOptions = {}): ServiceBusMessage {
  const event = isEventEnvelope(body) ? body : undefined;
  const messageId = options.messageId ?? event?.event_id;
  const subject = options.subject ?? event?.event_type;
  const applicationProperties = {
    ...(event ? { tenantId: event.tenant_id } : {}),
    // Our own name, and the one the Service Bus SDKs and the Functions host read (same value).
    ...(options.traceparent ? { traceparent: options.traceparent, 'Diagnostic-Id': options.traceparent } : {}),
    ...options.applicationProperties,
  };
  return {
    body,
    contentType: 'application/json',
    ...(messageId !== undefined ? { messageId } : {}),
    ...(subject !== undefined ? { subject } : {}),
    ...(Object.keys(applicationProperties).length > 0 ? { applicationProperties } : {}),
  };
}

export interface ServiceBusQueueSenderOptions {
  /** A connection string, or a namespace host reached with the credential. */
  connectionString?: string;
  fullyQualifiedNamespace?: string;
  credential?: TokenCredential;
  /** Bound on each send (AZURE_TIMEOUT). */
  timeoutMs: number;
}

export function createServiceBusQueueSender(opts: ServiceBusQueueSenderOptions): QueueSender {
  let client: ServiceBusClient | undefined;
  const senders = new Map<QueueName, ServiceBusSender>();
  const senderFor = (queue: QueueName): ServiceBusSender => {
    let s = senders.get(queue);
    if (!s) {
      client ??=
        opts.fullyQualifiedNamespace && opts.credential
          ? new ServiceBusClient(opts.fullyQualifiedNamespace, opts.credential)
          : new ServiceBusClient(opts.connectionString ?? '');
      s = client.createSender(queue);
      senders.set(queue, s);
    }
    return s;
  };
  return {
    async send(queue, body, options = {}) {
      const message = toServiceBusMessage(body, { ...options, traceparent: options.traceparent ?? currentTraceparent() });
      const abortSignal = AbortSignal.timeout(opts.timeoutMs);
      try {
        if (options.scheduledEnqueueTime && options.scheduledEnqueueTime.getTime() > Date.now()) {
          await senderFor(queue).scheduleMessages(message, options.scheduledEnqueueTime, { abortSignal });
        } else {
          await senderFor(queue).sendMessages(message, { abortSignal });
        }
      } catch (e) {
        throw dependencyUnavailable('service-bus', e);
      }
    },
    async ping(signal) {
      // Creating a batch opens the AMQP link to the queue: a real round trip, nothing is sent.
      try {
        await senderFor(QUEUES.events).createMessageBatch({ abortSignal: signal });
      } catch (e) {
        throw dependencyUnavailable('service-bus', e);
      }
    },
    async close() {
      const all = [...senders.values()];
      senders.clear();
      await Promise.allSettled(all.map((s) => s.close()));
      await client?.close();
      client = undefined;
    },
  };
}
