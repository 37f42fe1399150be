/**
 * Delivers messages from the in-process broker to the registered serviceBusTrigger functions, as
 * the Functions host's Service Bus extension does: peek-lock, up to maxConcurrentCalls handlers
 * per queue, the body as the trigger input and the message properties as triggerMetadata.
 * A handler that resolves completes its message; one that throws abandons it, and the broker
 * redelivers it (after a short delay) until its delivery count reaches the maximum, then
 * dead-letters it. Delivery is push-driven (the broker notifies on every send), never polled,
 * so a message reaches its handler within a tick of being sent.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvocationContext, type EffectiveFunctionOptions, type FunctionTrigger } from '@azure/functions';
import type { LocalQueueBroker, LocalQueueMessage } from '../src/shared/adapters/local-queue';
import { createLogger, type Logger } from '../src/shared/logger';
import { invocationLogHandler } from './invocation-log';
import { resolveSetting, type RegisteredFunction } from './functions-core';

export const DEFAULT_MAX_CONCURRENT_CALLS = 16;

export interface QueueRunnerOptions {
  broker: LocalQueueBroker;
  /** Functions to serve; those without a serviceBusTrigger are ignored. */
  functions: readonly RegisteredFunction[];
  /** Handlers running at once per queue (default: host.json, else 16). */
  maxConcurrentCalls?: number;
  /** Wait before an abandoned message is visible again (default 100 ms). */
  retryDelayMs?: number;
  /** How long a running handler's lock is kept renewed (default: host.json maxAutoLockRenewalDuration, else 5 min). */
  maxAutoLockRenewalMs?: number;
  logger?: Logger;
}

interface Consumer {
  fn: RegisteredFunction;
  options: EffectiveFunctionOptions;
  many: boolean;
}

interface QueueState {
  consumers: Consumer[];
  next: number;
  inFlight: number;
  pumpQueued: boolean;
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
function triggerMetadataFor(m: LocalQueueMessage): Record<string, unknown> {
  return {
    messageId: m.messageId,
    deliveryCount: m.deliveryCount,
    enqueuedTimeUtc: m.enqueuedTimeUtc.toISOString(),
    expiresAtUtc: m.expiresAtUtc.toISOString(),
    lockedUntilUtc: m.lockedUntilUtc?.toISOString(),
    lockToken: m.lockToken,
    sequenceNumber: m.sequenceNumber,
    contentType: m.contentType,
    correlationId: m.correlationId,
    subject: m.subject,
    label: m.subject,
    applicationProperties: m.applicationProperties,
    userProperties: m.applicationProperties,
  };
}

export class QueueRunner {
  readonly #broker: LocalQueueBroker;
  readonly #max: number;
  readonly #retryDelayMs: number;
  readonly #renewForMs: number;
  readonly #logger: Logger;
  readonly #queues = new Map<string, QueueState>();
  readonly #idleWaiters = new Set<() => void>();
  #unsubscribe?: () => void;

  constructor(options: QueueRunnerOptions) {
    this.#broker = options.broker;
    this.#max = options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS;
    this.#retryDelayMs = options.retryDelayMs ?? 100;
    this.#renewForMs = options.maxAutoLockRenewalMs ?? 5 * 60_000;
    this.#logger = options.logger ?? createLogger({ level: 'warn', format: 'text' });
    for (const fn of options.functions) {
      if (fn.trigger.type.toLowerCase() !== 'servicebustrigger') continue;
      if (typeof fn.trigger.queueName !== 'string') {
        // Topic subscriptions have no local broker; say so instead of silently never firing.
        this.#logger.warn('service bus trigger without queueName is not served locally', { function: fn.name });
        continue;
      }
      const queue = resolveSetting(fn.trigger.queueName);
      let state = this.#queues.get(queue);
      if (!state) this.#queues.set(queue, (state = { consumers: [], next: 0, inFlight: 0, pumpQueued: false }));
      state.consumers.push({
        fn,
        many: fn.trigger.cardinality === 'many',
        options: { trigger: { ...fn.trigger, name: fn.triggerName } as FunctionTrigger, extraInputs: [], extraOutputs: [] },
      });
    }
  }

  /** queue name -> function names consuming it. */
  queues(): Record<string, string[]> {
    return Object.fromEntries([...this.#queues].map(([q, s]) => [q, s.consumers.map((c) => c.fn.name)]));
  }

  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#broker.onAvailable((queue) => this.#schedulePump(queue));
    for (const queue of this.#queues.keys()) this.#schedulePump(queue); // messages sent before start
  }

  #schedulePump(queue: string): void {
    const state = this.#queues.get(queue);
    if (!state || state.pumpQueued || !this.#unsubscribe) return;
    state.pumpQueued = true;
    // Never run a handler inside the sender's call stack.
    setImmediate(() => {
      state.pumpQueued = false;
      this.#pump(queue, state);
    });
  }

  #pump(queue: string, state: QueueState): void {
    while (this.#unsubscribe && state.inFlight < this.#max) {
      const [message] = this.#broker.receive(queue, 1);
      if (!message) return;
      const consumer = state.consumers[state.next++ % state.consumers.length] as Consumer;
      state.inFlight++;
      void this.#deliver(queue, consumer, message).finally(() => {
        state.inFlight--;
        if (state.inFlight === 0) for (const w of [...this.#idleWaiters]) w();
        this.#schedulePump(queue);
      });
    }
  }

  async #deliver(queue: string, consumer: Consumer, message: LocalQueueMessage): Promise<void> {
    const { fn } = consumer;
    const token = message.lockToken as string;
    const invocationId = randomUUID();
    const logHandler = invocationLogHandler(this.#logger, fn.name, invocationId);
    const metadata = triggerMetadataFor(message);
    const context = new InvocationContext({
      invocationId,
      functionName: fn.name,
      logHandler,
      options: consumer.options,
      // With cardinality 'many' the binding passes arrays (one entry per message of the batch).
      triggerMetadata: consumer.many ? Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k + 'Array', [v]])) : metadata,
    });
    // Keep the lock while the handler runs (up to the renewal limit), as the host does, so a slow
    // handler's message is not redelivered to a second handler meanwhile.
    const started = Date.now();
    const renew = setInterval(() => {
      if (Date.now() - started >= this.#renewForMs) return clearInterval(renew);
      this.#settle(() => void this.#broker.renewLock(queue, token), fn.name);
    }, Math.max(10, this.#broker.lockDurationMs / 2));
    renew.unref();
    try {
      await fn.handler(consumer.many ? [message.body] : message.body, context);
    } catch (err) {
      const last = message.deliveryCount >= this.#broker.maxDeliveryCount;
      this.#logger.warn(last ? 'queue function failed; message dead-lettered' : 'queue function failed; message will be redelivered', {
        function: fn.name,
        queue,
        message_id: message.messageId,
        delivery_count: message.deliveryCount,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
      clearInterval(renew);
      this.#settle(() => this.#broker.abandon(queue, token, { delayMs: this.#retryDelayMs }), fn.name);
      return;
    }
    clearInterval(renew);
    this.#settle(() => this.#broker.complete(queue, token), fn.name);
  }

  #settle(action: () => void, functionName: string): void {
    try {
      action();
    } catch (err) {
      // The lock expired while the handler ran; the broker has already made the message visible again.
      this.#logger.warn('could not settle message', { function: functionName, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Stops taking messages and waits (up to timeoutMs) for running handlers to finish. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    const busy = (): boolean => [...this.#queues.values()].some((s) => s.inFlight > 0);
    if (!busy()) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        if (busy()) return;
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
}
