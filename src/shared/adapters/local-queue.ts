/**
 * An in-process message broker behind the QueueSender port, used when SERVICE_BUS_CONNECTION_STRING
 * is unset (local host, tests). It keeps the Service Bus semantics the code relies on:
 * duplicate detection by MessageId within a window, scheduled enqueue, peek-lock (receive locks a
 * message and counts the delivery; complete removes it; abandon makes it visible again) and
 * dead-lettering once a message has been delivered maxDeliveryCount times.
 * Messages are shaped exactly as the Service Bus adapter shapes them (toServiceBusMessage), and the
 * body goes through JSON as it does on the wire, so handlers see what they would see in Azure.
 *
 * Hand-written: no maintained npm package emulates Service Bus in-process (no broker runs here).
 */
import { randomUUID } from 'node:crypto';
import type { QueueName, QueueSender, QueueSendOptions } from '../ports';
import { toServiceBusMessage } from './service-bus';

export type ApplicationProperties = Record<string, string | number | boolean | Date | null>;

export interface LocalQueueMessage {
  messageId: string;
  body: unknown;
  subject?: string;
  contentType?: string;
  correlationId?: string;
  applicationProperties: ApplicationProperties;
  sequenceNumber: number;
  enqueuedTimeUtc: Date;
  scheduledEnqueueTimeUtc?: Date;
  expiresAtUtc: Date;
  /** Times this message has been received under a lock (1 on the first delivery). */
  deliveryCount: number;
  lockToken?: string;
  lockedUntilUtc?: Date;
}

export interface DeadLetteredMessage extends LocalQueueMessage {
  deadLetterReason: string;
  deadLetterErrorDescription?: string;
  deadLetteredAtUtc: Date;
}

export interface LocalQueueBrokerOptions {
  /** Deliveries before a message is dead-lettered (Service Bus default 10). */
  maxDeliveryCount?: number;
  /** Duplicate detection history window (Service Bus default 10 minutes). */
  duplicateDetectionWindowMs?: number;
  /** Message time to live (default 14 days, as a Standard-tier queue). */
  timeToLiveMs?: number;
  /** How long a receive lock lasts (Service Bus default 60 s); an expired lock makes the message visible again. */
  lockDurationMs?: number;
}

export interface WaitForIdleOptions {
  /** Only these queues count (default all). */
  queues?: readonly string[];
  /**
   * Scheduled messages due within this many ms also count as pending (default 0: scheduled
   * messages never block idleness, so a retry scheduled an hour ahead does not hang a test).
   */
  scheduledWithinMs?: number;
}

export interface QueueCounts {
  /** Ready to be received now. */
  active: number;
  /** Received and locked, not yet settled. */
  locked: number;
  /** Abandoned and waiting out a redelivery delay. */
  delayed: number;
  /** Sent with a future scheduledEnqueueTime. */
  scheduled: number;
  deadLettered: number;
}

type Listener = (queue: string) => void;

// setTimeout's limit; longer delays are re-armed in steps.
const MAX_TIMER_MS = 2_147_483_647;

interface QueueState {
  active: LocalQueueMessage[];
  locked: Map<string, { message: LocalQueueMessage; timer?: NodeJS.Timeout }>;
  delayed: Map<LocalQueueMessage, NodeJS.Timeout>;
  scheduled: Map<LocalQueueMessage, NodeJS.Timeout>;
  deadLetters: DeadLetteredMessage[];
  /** messageId -> time its duplicate-detection record expires. */
  seen: Map<string, number>;
}

/** What crosses the wire: JSON for objects (Dates become strings, undefined disappears), bytes copied. */
function wireCopy(body: unknown): unknown {
  if (body === undefined || body === null || typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  return JSON.parse(JSON.stringify(body)) as unknown;
}

export class LocalQueueBroker implements QueueSender {
  readonly maxDeliveryCount: number;
  readonly lockDurationMs: number;
  readonly #windowMs: number;
  readonly #ttlMs: number;
  readonly #lockMs: number;
  readonly #queues = new Map<string, QueueState>();
  readonly #listeners = new Set<Listener>();
  readonly #changeWaiters = new Set<() => void>();
  #sequence = 0;

  constructor(options: LocalQueueBrokerOptions = {}) {
    this.maxDeliveryCount = options.maxDeliveryCount ?? 10;
    this.#windowMs = options.duplicateDetectionWindowMs ?? 10 * 60_000;
    this.#ttlMs = options.timeToLiveMs ?? 14 * 24 * 3_600_000;
    this.#lockMs = options.lockDurationMs ?? 60_000;
    this.lockDurationMs = this.#lockMs;
  }

  #queue(name: string): QueueState {
    let q = this.#queues.get(name);
    if (!q) {
      q = { active: [], locked: new Map(), delayed: new Map(), scheduled: new Map(), deadLetters: [], seen: new Map() };
      this.#queues.set(name, q);
    }
    return q;
  }

  #changed(queue: string, available: boolean): void {
    for (const w of [...this.#changeWaiters]) w();
    if (!available) return;
    for (const l of [...this.#listeners]) {
      try {
        l(queue);
      } catch {
        /* a listener's failure is its own business */
      }
    }
  }

  #timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    // Pending messages alone never keep the process alive (the HTTP server does, when running).
    t.unref();
    return t;
  }

  #makeVisibleAt(queue: string, message: LocalQueueMessage, at: number, bucket: 'delayed' | 'scheduled'): void {
    const q = this.#queue(queue);
    const arm = (): NodeJS.Timeout =>
      this.#timer(at - Date.now(), () => {
        if (Date.now() < at) {
          q[bucket].set(message, arm()); // waited out one maximal step of a very long delay
          return;
        }
        q[bucket].delete(message);
        this.#activate(queue, message);
      });
    q[bucket].set(message, arm());
  }

  #activate(queue: string, message: LocalQueueMessage): void {
    const q = this.#queue(queue);
    // Sorted by sequence number, so a redelivered message keeps its place, as in a real queue.
    let i = q.active.length;
    while (i > 0 && (q.active[i - 1] as LocalQueueMessage).sequenceNumber > message.sequenceNumber) i--;
    q.active.splice(i, 0, message);
    this.#changed(queue, true);
  }

  /** Sends a message (the QueueSender port). A MessageId seen within the window is silently dropped, as Service Bus does. */
  async send(queue: QueueName, body: unknown, options: QueueSendOptions = {}): Promise<void> {
    this.sendNow(queue, body, options);
  }

  /** Synchronous send; returns false when the message was dropped as a duplicate. */
  sendNow(queue: string, body: unknown, options: QueueSendOptions = {}): boolean {
    const shaped = toServiceBusMessage(body, options);
    const now = Date.now();
    const q = this.#queue(queue);
    const messageId = shaped.messageId === undefined ? randomUUID() : String(shaped.messageId);
    const seenUntil = q.seen.get(messageId);
    if (seenUntil !== undefined && seenUntil > now) return false;
    q.seen.set(messageId, now + this.#windowMs);
    if (q.seen.size > 10_000) for (const [id, until] of q.seen) if (until <= now) q.seen.delete(id);

    const scheduledAt = options.scheduledEnqueueTime?.getTime();
    const message: LocalQueueMessage = {
      messageId,
      body: wireCopy(shaped.body),
      subject: shaped.subject,
      contentType: shaped.contentType,
      correlationId: shaped.correlationId === undefined ? undefined : String(shaped.correlationId),
      applicationProperties: { ...(shaped.applicationProperties as ApplicationProperties | undefined) },
      sequenceNumber: ++this.#sequence,
      enqueuedTimeUtc: new Date(scheduledAt !== undefined && scheduledAt > now ? scheduledAt : now),
      scheduledEnqueueTimeUtc: options.scheduledEnqueueTime,
      expiresAtUtc: new Date(Math.max(now, scheduledAt ?? now) + this.#ttlMs),
      deliveryCount: 0,
    };
    if (scheduledAt !== undefined && scheduledAt > now) this.#makeVisibleAt(queue, message, scheduledAt, 'scheduled');
    else this.#activate(queue, message);
    return true;
  }

  /**
   * Peek-lock receive: takes up to `max` visible messages, locks them and counts the delivery.
   * Settle each with complete / abandon / deadLetter by its lockToken.
   */
  receive(queue: string, max = 1): LocalQueueMessage[] {
    const q = this.#queue(queue);
    const out: LocalQueueMessage[] = [];
    const now = Date.now();
    while (out.length < max && q.active.length > 0) {
      const m = q.active.shift() as LocalQueueMessage;
      if (m.expiresAtUtc.getTime() <= now) {
        this.#toDeadLetter(q, m, 'TTLExpiredException', 'The message expired before it was received.');
        continue;
      }
      m.deliveryCount++;
      m.lockToken = randomUUID();
      m.lockedUntilUtc = new Date(now + this.#lockMs);
      const token = m.lockToken;
      const timer = this.#timer(this.#lockMs, () => this.#lockExpired(queue, token));
      q.locked.set(token, { message: m, timer });
      out.push({ ...m, applicationProperties: { ...m.applicationProperties } });
    }
    if (out.length > 0) this.#changed(queue, false);
    return out;
  }

  #lockExpired(queue: string, token: string): void {
    // A consumer that held a lock too long loses it; the message counts as abandoned.
    if (this.#queue(queue).locked.has(token)) this.abandon(queue, token);
  }

  /** Extends a held lock by another lock duration (what the Functions host's auto lock renewal does). */
  renewLock(queue: string, lockToken: string): Date {
    const entry = this.#queue(queue).locked.get(lockToken);
    if (!entry) throw new Error(`The lock ${lockToken} on queue "${queue}" is not held (settled already or expired).`);
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = this.#timer(this.#lockMs, () => this.#lockExpired(queue, lockToken));
    entry.message.lockedUntilUtc = new Date(Date.now() + this.#lockMs);
    return entry.message.lockedUntilUtc;
  }

  #settle(queue: string, lockToken: string): LocalQueueMessage {
    const q = this.#queue(queue);
    const entry = q.locked.get(lockToken);
    if (!entry) throw new Error(`The lock ${lockToken} on queue "${queue}" is not held (settled already or expired).`);
    q.locked.delete(lockToken);
    if (entry.timer) clearTimeout(entry.timer);
    entry.message.lockToken = undefined;
    entry.message.lockedUntilUtc = undefined;
    return entry.message;
  }

  /** Removes a received message: it was processed. */
  complete(queue: string, lockToken: string): void {
    this.#settle(queue, lockToken);
    this.#changed(queue, false);
  }

  /**
   * Releases a received message for another delivery (after `delayMs`, default at once). A message
   * that has already been delivered maxDeliveryCount times is dead-lettered instead.
   */
  abandon(queue: string, lockToken: string, options: { delayMs?: number } = {}): void {
    const m = this.#settle(queue, lockToken);
    const q = this.#queue(queue);
    if (m.deliveryCount >= this.maxDeliveryCount) {
      this.#toDeadLetter(q, m, 'MaxDeliveryCountExceeded', `Message could not be consumed after ${m.deliveryCount} delivery attempts.`);
      this.#changed(queue, false);
      return;
    }
    const delay = options.delayMs ?? 0;
    if (delay > 0) {
      this.#makeVisibleAt(queue, m, Date.now() + delay, 'delayed');
      this.#changed(queue, false);
    } else this.#activate(queue, m);
  }

  /** Moves a received message to the queue's dead-letter list. */
  deadLetter(queue: string, lockToken: string, reason = 'DeadLetteredByReceiver', description?: string): void {
    const m = this.#settle(queue, lockToken);
    this.#toDeadLetter(this.#queue(queue), m, reason, description);
    this.#changed(queue, false);
  }

  #toDeadLetter(q: QueueState, m: LocalQueueMessage, reason: string, description?: string): void {
    q.deadLetters.push({ ...m, deadLetterReason: reason, deadLetterErrorDescription: description, deadLetteredAtUtc: new Date() });
  }

  /** The queue's dead-letter list (oldest first), for inspection. */
  deadLetters(queue: string): readonly DeadLetteredMessage[] {
    return [...this.#queue(queue).deadLetters];
  }

  /** Re-sends dead-lettered messages as new messages (delivery count reset), as a DLQ replay tool would. */
  resubmitDeadLetters(queue: string): number {
    const q = this.#queue(queue);
    const all = q.deadLetters.splice(0, q.deadLetters.length);
    for (const d of all) {
      this.#activate(queue, {
        messageId: d.messageId,
        body: d.body,
        subject: d.subject,
        contentType: d.contentType,
        correlationId: d.correlationId,
        applicationProperties: d.applicationProperties,
        sequenceNumber: ++this.#sequence,
        enqueuedTimeUtc: new Date(),
        expiresAtUtc: new Date(Date.now() + this.#ttlMs),
        deliveryCount: 0,
      });
    }
    return all.length;
  }

  /** Messages not yet received or settled, for inspection (does not lock anything). */
  peek(queue: string): readonly LocalQueueMessage[] {
    const q = this.#queue(queue);
    return [...q.active, ...[...q.locked.values()].map((e) => e.message), ...q.delayed.keys(), ...q.scheduled.keys()].map((m) => ({
      ...m,
      applicationProperties: { ...m.applicationProperties },
    }));
  }

  counts(queue: string): QueueCounts {
    const q = this.#queue(queue);
    return {
      active: q.active.length,
      locked: q.locked.size,
      delayed: q.delayed.size,
      scheduled: q.scheduled.size,
      deadLettered: q.deadLetters.length,
    };
  }

  queueNames(): string[] {
    return [...this.#queues.keys()];
  }

  /** Called whenever a queue has a message ready to receive (consumers pull on this). Returns an unsubscribe. */
  onAvailable(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #busy(options: WaitForIdleOptions): string | undefined {
    const now = Date.now();
    const within = options.scheduledWithinMs ?? 0;
    for (const [name, q] of this.#queues) {
      if (options.queues && !options.queues.includes(name)) continue;
      if (q.active.length > 0 || q.locked.size > 0 || q.delayed.size > 0) return name;
      if (within > 0) {
        for (const m of q.scheduled.keys()) {
          if ((m.scheduledEnqueueTimeUtc?.getTime() ?? 0) <= now + within) return name;
        }
      }
    }
    return undefined;
  }

  /**
   * Resolves once no queue has a visible, locked or redelivery-delayed message (see
   * WaitForIdleOptions for scheduled ones); rejects after timeoutMs naming what is still pending.
   */
  waitForIdle(timeoutMs = 10_000, options: WaitForIdleOptions = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // Idleness must hold across a macrotask: a consumer that just settled may send follow-ups.
      const check = (): void => {
        if (this.#busy(options) !== undefined) return;
        setImmediate(() => {
          if (this.#busy(options) === undefined) finish();
        });
      };
      const poll = setInterval(check, 10); // catches scheduled messages coming due (time, not events)
      const deadline = setTimeout(() => {
        cleanup();
        const q = this.#busy(options);
        const detail = q === undefined ? '' : ` (queue "${q}": ${JSON.stringify(this.counts(q))})`;
        reject(new Error(`The local queues did not become idle within ${timeoutMs} ms${detail}.`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearInterval(poll);
        clearTimeout(deadline);
        this.#changeWaiters.delete(check);
      };
      const finish = (): void => {
        cleanup();
        resolve();
      };
      this.#changeWaiters.add(check);
      check();
    });
  }

  /**
   * Drops every message and timer (tests that want a clean broker). There is deliberately no
   * close(): the broker lives as long as the process, shared by every sender and the local host.
   */
  clear(): void {
    for (const q of this.#queues.values()) {
      for (const e of q.locked.values()) if (e.timer) clearTimeout(e.timer);
      for (const t of q.delayed.values()) clearTimeout(t);
      for (const t of q.scheduled.values()) clearTimeout(t);
    }
    this.#queues.clear();
    for (const w of [...this.#changeWaiters]) w();
  }
}

let singleton: LocalQueueBroker | undefined;

/** The process-wide broker that senders (when Service Bus is not configured) and the local host share. */
export function getLocalQueueBroker(): LocalQueueBroker {
  singleton ??= new LocalQueueBroker();
  return singleton;
}
