/**
 * Runs the registered serviceBusTrigger functions from Service Bus through the real SDK, as the
 * Functions host's Service Bus extension does: one ServiceBusReceiver per queue in peek-lock, up to
 * maxConcurrentCalls handlers per queue, the body as the trigger input and the message properties
 * as triggerMetadata, the lock renewed while a handler runs (maxAutoLockRenewalDuration). A handler
 * that resolves completes its message; one that throws abandons it, and Service Bus redelivers it
 * until its delivery count reaches the queue's maximum, then dead-letters it. The namespace is the
 * local stand-in (local/service-bus) or, with SERVICE_BUS_CONNECTION_STRING set, a real one.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvocationContext, type EffectiveFunctionOptions } from '@azure/functions';
import { ServiceBusClient, type ProcessErrorArgs, type ServiceBusReceivedMessage, type ServiceBusReceiver } from '@azure/service-bus';
import { createLogger, type Logger } from '../src/shared/logger';
import { invocationLogHandler } from './invocation-log';
import { invokeFunction, resolveSetting, type RegisteredFunction } from './functions-core';

export const DEFAULT_MAX_CONCURRENT_CALLS = 16;
const DEFAULT_CONNECTION_SETTING = 'SERVICE_BUS_CONNECTION_STRING';

export interface QueueRunnerOptions {
  /** Functions to serve; those without a serviceBusTrigger are ignored. */
  functions: readonly RegisteredFunction[];
  /** Handlers running at once per queue (default: host.json, else 16). */
  maxConcurrentCalls?: number;
  /** How long a running handler's lock is kept renewed (default: host.json maxAutoLockRenewalDuration, else 5 min). */
  maxAutoLockRenewalMs?: number;
  /** The namespace for every trigger (the local stand-in); default: each trigger's `connection` setting. */
  connectionString?: string;
  logger?: Logger;
}

interface Consumer {
  fn: RegisteredFunction;
  queue: string;
  connectionString: string;
  options: EffectiveFunctionOptions;
  many: boolean;
}

/**
 * maxConcurrentCalls from a parsed host.json: extensions.serviceBus.maxConcurrentCalls (extension 5.x)
 * or extensions.serviceBus.messageHandlerOptions.maxConcurrentCalls (4.x).
 */
export function maxConcurrentCallsFrom(hostJson: unknown): number | undefined {
  const get = (o: unknown, key: string): unknown => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined);
  const sb = get(get(hostJson, 'extensions'), 'serviceBus');
  const v = get(get(sb, 'messageHandlerOptions'), 'maxConcurrentCalls') ?? get(sb, 'maxConcurrentCalls');
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** extensions.serviceBus.maxAutoLockRenewalDuration ('hh:mm:ss' or 'd.hh:mm:ss') from a parsed host.json, in ms. */
export function maxAutoLockRenewalMsFrom(hostJson: unknown): number | undefined {
  const get = (o: unknown, key: string): unknown => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined);
  const v = get(get(get(hostJson, 'extensions'), 'serviceBus'), 'maxAutoLockRenewalDuration');
  const m = typeof v === 'string' ? /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(v.trim()) : null;
  if (!m) return undefined;
  return (((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000;
}

/** Reads a host.json file; a missing or unreadable file means "no settings". */
export function readHostJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The trigger metadata the Service Bus binding gives a Node function (camelCase, as the library exposes it). */
export function triggerMetadataFor(m: ServiceBusReceivedMessage): Record<string, unknown> {
  const props = m.applicationProperties ?? {};
  return {
    messageId: m.messageId,
    // The SDK counts earlier deliveries (the AMQP header); the binding counts this one too.
    deliveryCount: (m.deliveryCount ?? 0) + 1,
    enqueuedTimeUtc: m.enqueuedTimeUtc?.toISOString(),
    expiresAtUtc: m.expiresAtUtc?.toISOString(),
    lockedUntilUtc: m.lockedUntilUtc?.toISOString(),
    lockToken: m.lockToken,
    sequenceNumber: m.sequenceNumber?.toNumber(),
    contentType: m.contentType,
    correlationId: m.correlationId,
    subject: m.subject,
    label: m.subject,
    applicationProperties: props,
    userProperties: props,
  };
}

export class QueueRunner {
  readonly #max: number;
  readonly #renewForMs: number;
  readonly #logger: Logger;
  readonly #consumers: Consumer[] = [];
  readonly #clients = new Map<string, ServiceBusClient>();
  readonly #receivers: Array<{ receiver: ServiceBusReceiver; close: () => Promise<void> }> = [];
  #inFlight = 0;
  readonly #idleWaiters = new Set<() => void>();
  #started = false;

  constructor(options: QueueRunnerOptions) {
    this.#max = options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS;
    this.#renewForMs = options.maxAutoLockRenewalMs ?? 5 * 60_000;
    this.#logger = options.logger ?? createLogger({ level: 'warn', format: 'text' });
    for (const fn of options.functions) {
      if (fn.trigger.type.toLowerCase() !== 'servicebustrigger') continue;
      if (typeof fn.trigger.queueName !== 'string') {
        // Topic subscriptions are not served locally; say so instead of silently never firing.
        this.#logger.warn('service bus trigger without queueName is not served locally', { function: fn.name });
        continue;
      }
      const setting = typeof fn.trigger.connection === 'string' ? fn.trigger.connection : DEFAULT_CONNECTION_SETTING;
      const connectionString = options.connectionString ?? process.env[setting] ?? process.env[DEFAULT_CONNECTION_SETTING];
      if (!connectionString) {
        this.#logger.warn('service bus trigger has no connection string; not served', { function: fn.name, setting });
        continue;
      }
      this.#consumers.push({
        fn,
        queue: resolveSetting(fn.trigger.queueName),
        connectionString,
        many: fn.trigger.cardinality === 'many',
        options: { trigger: { ...fn.trigger, name: fn.triggerName }, extraInputs: [], extraOutputs: [] },
      });
    }
  }

  /** queue name -> function names consuming it. */
  queues(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const c of this.#consumers) (out[c.queue] ??= []).push(c.fn.name);
    return out;
  }

  #client(connectionString: string): ServiceBusClient {
    let c = this.#clients.get(connectionString);
    if (!c) this.#clients.set(connectionString, (c = new ServiceBusClient(connectionString)));
    return c;
  }

  /** Opens a receiver per queue function and starts delivering. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const consumer of this.#consumers) {
      const receiver = this.#client(consumer.connectionString).createReceiver(consumer.queue, {
        receiveMode: 'peekLock',
        maxAutoLockRenewalDurationInMs: this.#renewForMs,
      });
      const subscription = receiver.subscribe(
        {
          processMessage: (message) => this.#deliver(consumer, receiver, message),
          processError: (args: ProcessErrorArgs) => {
            // The SDK retries and reconnects by itself; this only reports.
            this.#logger.warn('service bus receiver error', {
              function: consumer.fn.name,
              queue: consumer.queue,
              source: args.errorSource,
              error: args.error instanceof Error ? `${args.error.name}: ${args.error.message}` : String(args.error),
            });
            return Promise.resolve();
          },
        },
        { autoCompleteMessages: false, maxConcurrentCalls: this.#max },
      );
      this.#receivers.push({ receiver, close: () => subscription.close() });
    }
  }

  async #deliver(consumer: Consumer, receiver: ServiceBusReceiver, message: ServiceBusReceivedMessage): Promise<void> {
    const { fn } = consumer;
    this.#inFlight++;
    const invocationId = randomUUID();
    const metadata = triggerMetadataFor(message);
    const context = new InvocationContext({
      invocationId,
      functionName: fn.name,
      logHandler: invocationLogHandler(this.#logger, fn.name, invocationId),
      options: consumer.options,
      // With cardinality 'many' the binding passes arrays (one entry per message of the batch).
      triggerMetadata: consumer.many ? Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k + 'Array', [v]])) : metadata,
    });
    try {
      try {
        await invokeFunction(fn, consumer.many ? [message.body] : message.body, context);
      } catch (err) {
        this.#logger.warn('queue function failed; message abandoned', {
          function: fn.name,
          queue: consumer.queue,
          message_id: message.messageId,
          delivery_count: metadata.deliveryCount,
          error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        });
        await this.#settle(() => receiver.abandonMessage(message), fn.name);
        return;
      }
      await this.#settle(() => receiver.completeMessage(message), fn.name);
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0) for (const w of [...this.#idleWaiters]) w();
    }
  }

  async #settle(action: () => Promise<void>, functionName: string): Promise<void> {
    try {
      await action();
    } catch (err) {
      // The lock was lost while the handler ran; Service Bus makes the message visible again.
      this.#logger.warn('could not settle message', { function: functionName, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Stops taking messages, waits (up to timeoutMs) for running handlers, and closes the receivers. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    const receivers = this.#receivers.splice(0, this.#receivers.length);
    await Promise.allSettled(receivers.map((r) => r.close()));
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          if (this.#inFlight > 0) return;
          clearTimeout(timer);
          this.#idleWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(() => {
          this.#idleWaiters.delete(done);
          resolve();
        }, timeoutMs);
        timer.unref();
        this.#idleWaiters.add(done);
      });
    }
    await Promise.allSettled(receivers.map((r) => r.receiver.close()));
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.allSettled(clients.map((c) => c.close()));
  }
}
