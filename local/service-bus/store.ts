/**
 * The state behind the Service Bus stand-in (local/service-bus/server.ts): one store of queues,
 * each with the properties of its declaration (src/shared/ports.ts QUEUE_PROPERTIES). It keeps the
 * Service Bus semantics the SDK and the code rely on: duplicate detection by MessageId within the
 * queue's window, scheduled enqueue (and cancelling it by sequence number), peek-lock (a receive
 * locks a message for the lock duration and counts the delivery; complete removes it; abandon makes
 * it visible again; an expired lock does too), defer, and the `$DeadLetterQueue` sub-queue that a
 * message reaches with a reason once it has been delivered maxDeliveryCount times.
 *
 * Messages are kept as the AMQP message the sender put on the wire (rhea's decoded form), so the
 * receiver gets back what was sent, plus the broker's annotations. The store is in-process with its
 * server, so tests can wait on it (waitForIdle) and inspect it (peek, deadLetters).
 *
 * Hand-written: no maintained npm package emulates Service Bus (Microsoft's emulator is a container).
 */
import { randomUUID } from 'node:crypto';
import { message as amqpMessage, type Message } from 'rhea';
import { toServiceBusMessage } from '../../src/shared/adapters/service-bus';
import { DEFAULT_QUEUE_PROPERTIES, QUEUE_PROPERTIES, type QueueProperties, type QueueSendOptions } from '../../src/shared/ports';

export type ApplicationProperties = Record<string, unknown>;

export interface StoredMessage {
  /** The message as the sender encoded it (without per-delivery annotations). */
  amqp: Message;
  messageId: string;
  /** The body as a receiver decodes it (JSON data sections parsed). */
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
  state: 'active' | 'deferred' | 'scheduled';
  lockToken?: string;
  lockedUntilUtc?: Date;
}

export interface DeadLetteredMessage extends StoredMessage {
  deadLetterReason: string;
  deadLetterErrorDescription?: string;
}

export interface WaitForIdleOptions {
  /** Only these queues count (default all). */
  queues?: readonly string[];
  /** Scheduled messages due within this many ms also count as pending (default 0). */
  scheduledWithinMs?: number;
}

export interface QueueCounts {
  active: number;
  locked: number;
  delayed: number;
  scheduled: number;
  deferred: number;
  deadLettered: number;
}

export interface StoreOptions {
  /** Queues to create (default: every declared queue). */
  queues?: readonly QueueProperties[];
  /**
   * Wait before an abandoned message is visible again (default 0, as Service Bus). The local host
   * sets a short one so a handler failing at once does not spin through its deliveries.
   */
  redeliveryDelayMs?: number;
  /** Message time to live (default 14 days, as a Standard-tier queue). */
  timeToLiveMs?: number;
}

/** The sub-queue a queue's dead letters live in (the SDK's address for it). */
export const DEAD_LETTER_SUFFIX = '/$DeadLetterQueue';

const MAX_TIMER_MS = 2_147_483_647;

interface QueueState {
  props: QueueProperties;
  active: StoredMessage[];
  locked: Map<string, { message: StoredMessage; timer: NodeJS.Timeout }>;
  delayed: Map<StoredMessage, NodeJS.Timeout>;
  scheduled: Map<number, { message: StoredMessage; timer: NodeJS.Timeout }>;
  deferred: Map<number, StoredMessage>;
  /** messageId -> time its duplicate-detection record expires. */
  seen: Map<string, number>;
}

export class StoreError extends Error {
  constructor(
    readonly condition: 'com.microsoft:message-lock-lost' | 'amqp:not-found' | 'com.microsoft:message-not-found',
    message: string,
  ) {
    super(message);
  }
}

/** Decodes a body as the SDK's default data transformer does (JSON in data sections). */
export function decodeBody(body: unknown): unknown {
  const b = body as { typecode?: number; content?: unknown } | undefined;
  if (b && b.typecode === 0x75 && Buffer.isBuffer(b.content)) {
    const text = b.content.toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return b.content;
    }
  }
  return body;
}

function timer(ms: number, fn: () => void): NodeJS.Timeout {
  const t = setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
  t.unref(); // pending messages never keep the process alive on their own
  return t;
}

type Listener = (queue: string) => void;

export class ServiceBusStore {
  readonly #queues = new Map<string, QueueState>();
  readonly #listeners = new Set<Listener>();
  readonly #changeWaiters = new Set<() => void>();
  /** Wait before an abandoned message is visible again (see StoreOptions). */
  redeliveryDelayMs: number;
  readonly #ttlMs: number;
  #sequence = 0;
  #nextSweep = 0;

  constructor(options: StoreOptions = {}) {
    this.redeliveryDelayMs = options.redeliveryDelayMs ?? 0;
    this.#ttlMs = options.timeToLiveMs ?? 14 * 24 * 3_600_000;
    for (const p of options.queues ?? Object.values(QUEUE_PROPERTIES)) this.declare(p);
  }

  /** Creates a queue (and its dead-letter sub-queue); an existing one keeps its messages. */
  declare(props: QueueProperties): void {
    const make = (p: QueueProperties): QueueState => ({
      props: p,
      active: [],
      locked: new Map(),
      delayed: new Map(),
      scheduled: new Map(),
      deferred: new Map(),
      seen: new Map(),
    });
    if (!this.#queues.has(props.name)) this.#queues.set(props.name, make(props));
    const dlq = props.name + DEAD_LETTER_SUFFIX;
    if (!this.#queues.has(dlq)) this.#queues.set(dlq, make({ ...props, name: dlq, maxDeliveryCount: Number.MAX_SAFE_INTEGER }));
  }

  /** Declares a queue with the default properties of the declaration (queues only a test fixture uses). */
  declareDefault(name: string): void {
    this.declare({ ...DEFAULT_QUEUE_PROPERTIES, name });
  }

  /** The queue's entity name as stored (entity names are case-insensitive), or undefined. */
  resolve(address: string): string | undefined {
    const want = address.replace(/^\/+/, '').toLowerCase();
    for (const name of this.#queues.keys()) if (name.toLowerCase() === want) return name;
    return undefined;
  }

  properties(queue: string): QueueProperties {
    return this.#q(queue).props;
  }

  #q(name: string): QueueState {
    const q = this.#queues.get(name);
    if (!q) throw new StoreError('amqp:not-found', `The messaging entity '${name}' could not be found.`);
    return q;
  }

  #changed(queue: string, available: boolean): void {
    for (const w of [...this.#changeWaiters]) w();
    if (!available) return;
    for (const l of [...this.#listeners]) l(queue);
  }

  /** Called whenever a queue has a message ready to receive. Returns an unsubscribe. */
  onAvailable(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #activate(queue: string, m: StoredMessage): void {
    const q = this.#q(queue);
    m.state = 'active';
    // Sorted by sequence number, so a redelivered message keeps its place, as in a real queue.
    let i = q.active.length;
    while (i > 0 && (q.active[i - 1] as StoredMessage).sequenceNumber > m.sequenceNumber) i--;
    q.active.splice(i, 0, m);
    this.#changed(queue, true);
  }

  /**
   * Enqueues an AMQP message as sent. Returns its sequence number, or undefined when its MessageId
   * was seen within the duplicate detection window (dropped silently, as Service Bus does).
   */
  enqueue(queue: string, amqp: Message, scheduledAt?: Date): number | undefined {
    const q = this.#q(queue);
    const now = Date.now();
    const messageId = amqp.message_id === undefined || amqp.message_id === null ? randomUUID() : String(amqp.message_id);
    const windowMs = q.props.duplicateDetectionWindowMs;
    if (windowMs > 0) {
      const seenUntil = q.seen.get(messageId);
      if (seenUntil !== undefined && seenUntil > now) return undefined;
      q.seen.set(messageId, now + windowMs);
      // Forget expired ids now and then (a sweep per send would make a busy queue quadratic).
      if (now >= this.#nextSweep) {
        this.#nextSweep = now + 1_000;
        for (const [id, until] of q.seen) if (until <= now) q.seen.delete(id);
      }
    }
    const annotations = (amqp.message_annotations ?? {}) as Record<string, unknown>;
    const annotated = annotations['x-opt-scheduled-enqueue-time'];
    const at = scheduledAt ?? (annotated instanceof Date ? annotated : typeof annotated === 'number' ? new Date(annotated) : undefined);
    const due = at !== undefined && at.getTime() > now;
    const m: StoredMessage = {
      // Every message on Service Bus has a MessageId (the SDK's lock renewal keys on it).
      amqp: amqp.message_id === undefined || amqp.message_id === null ? { ...amqp, message_id: messageId } : amqp,
      messageId,
      body: decodeBody(amqp.body),
      subject: amqp.subject,
      contentType: amqp.content_type,
      correlationId: amqp.correlation_id === undefined ? undefined : String(amqp.correlation_id),
      applicationProperties: { ...((amqp.application_properties ?? {}) as ApplicationProperties) },
      sequenceNumber: ++this.#sequence,
      enqueuedTimeUtc: new Date(due ? at.getTime() : now),
      scheduledEnqueueTimeUtc: at,
      expiresAtUtc: new Date((due ? at.getTime() : now) + this.#ttlMs),
      deliveryCount: 0,
      state: due ? 'scheduled' : 'active',
    };
    if (due) this.#schedule(queue, m, at.getTime());
    else this.#activate(queue, m);
    return m.sequenceNumber;
  }

  #schedule(queue: string, m: StoredMessage, at: number): void {
    const q = this.#q(queue);
    const arm = (): NodeJS.Timeout =>
      timer(at - Date.now(), () => {
        const entry = q.scheduled.get(m.sequenceNumber);
        if (!entry) return;
        if (Date.now() < at) {
          entry.timer = arm(); // waited out one maximal step of a very long delay
          return;
        }
        q.scheduled.delete(m.sequenceNumber);
        this.#activate(queue, m);
      });
    q.scheduled.set(m.sequenceNumber, { message: m, timer: arm() });
    this.#changed(queue, false);
  }

  /** Cancels a scheduled message by its sequence number; false when it is not (or no longer) scheduled. */
  cancelScheduled(queue: string, sequenceNumber: number): boolean {
    const q = this.#q(queue);
    const entry = q.scheduled.get(sequenceNumber);
    if (!entry) return false;
    clearTimeout(entry.timer);
    q.scheduled.delete(sequenceNumber);
    this.#changed(queue, false);
    return true;
  }

  /** Sends a JSON body shaped as the Service Bus adapter shapes it, straight into the store (tests). */
  sendNow(queue: string, body: unknown, options: QueueSendOptions = {}): boolean {
    const shaped = toServiceBusMessage(body, options);
    const data: unknown = amqpMessage.data_section(Buffer.from(JSON.stringify(shaped.body)));
    const amqp: Message = {
      body: data,
      content_type: shaped.contentType,
      ...(shaped.messageId !== undefined ? { message_id: String(shaped.messageId) } : {}),
      ...(shaped.subject !== undefined ? { subject: shaped.subject } : {}),
      ...(shaped.applicationProperties ? { application_properties: shaped.applicationProperties } : {}),
    };
    return this.enqueue(queue, amqp, options.scheduledEnqueueTime) !== undefined;
  }

  /** Peek-lock receive: takes up to `max` visible messages, locks them and counts the delivery. */
  receive(queue: string, max = 1): StoredMessage[] {
    const q = this.#q(queue);
    const out: StoredMessage[] = [];
    const now = Date.now();
    while (out.length < max && q.active.length > 0) {
      const m = q.active.shift() as StoredMessage;
      if (m.expiresAtUtc.getTime() <= now) {
        this.#toDeadLetter(queue, m, 'TTLExpiredException', 'The message expired before it was received.');
        continue;
      }
      m.deliveryCount++;
      m.lockToken = randomUUID();
      m.lockedUntilUtc = new Date(now + q.props.lockDurationMs);
      const token = m.lockToken;
      q.locked.set(token, { message: m, timer: timer(q.props.lockDurationMs, () => this.#lockExpired(queue, token)) });
      out.push({ ...m, applicationProperties: { ...m.applicationProperties } });
    }
    if (out.length > 0) this.#changed(queue, false);
    return out;
  }

  #lockExpired(queue: string, token: string): void {
    // A consumer that held a lock too long loses it; the message counts as abandoned.
    if (this.#q(queue).locked.has(token)) this.abandon(queue, token);
  }

  /** Whether a lock is still held (not settled, not expired). */
  isLocked(queue: string, lockToken: string): boolean {
    return this.#q(queue).locked.has(lockToken);
  }

  /** Extends a held lock by another lock duration; returns the new expiry. */
  renewLock(queue: string, lockToken: string): Date {
    const q = this.#q(queue);
    const entry = q.locked.get(lockToken);
    if (!entry) throw lockLost(queue, lockToken);
    clearTimeout(entry.timer);
    entry.timer = timer(q.props.lockDurationMs, () => this.#lockExpired(queue, lockToken));
    entry.message.lockedUntilUtc = new Date(Date.now() + q.props.lockDurationMs);
    return entry.message.lockedUntilUtc;
  }

  #unlock(queue: string, lockToken: string): StoredMessage {
    const q = this.#q(queue);
    const entry = q.locked.get(lockToken);
    if (!entry) throw lockLost(queue, lockToken);
    q.locked.delete(lockToken);
    clearTimeout(entry.timer);
    entry.message.lockToken = undefined;
    entry.message.lockedUntilUtc = undefined;
    return entry.message;
  }

  /** Removes a received message: it was processed. */
  complete(queue: string, lockToken: string): void {
    this.#unlock(queue, lockToken);
    this.#changed(queue, false);
  }

  /**
   * Releases a received message for another delivery. One already delivered maxDeliveryCount
   * times goes to the dead-letter sub-queue instead (MaxDeliveryCountExceeded).
   */
  abandon(queue: string, lockToken: string, propertiesToModify?: ApplicationProperties): void {
    const m = this.#unlock(queue, lockToken);
    const q = this.#q(queue);
    if (propertiesToModify) Object.assign(m.applicationProperties, propertiesToModify);
    if (m.deliveryCount >= q.props.maxDeliveryCount) {
      this.#toDeadLetter(queue, m, 'MaxDeliveryCountExceeded', `Message could not be consumed after ${m.deliveryCount} delivery attempts.`);
      this.#changed(queue, false);
      return;
    }
    if (this.redeliveryDelayMs > 0) {
      q.delayed.set(
        m,
        timer(this.redeliveryDelayMs, () => {
          q.delayed.delete(m);
          this.#activate(queue, m);
        }),
      );
      this.#changed(queue, false);
    } else this.#activate(queue, m);
  }

  /** Sets a received message aside; only a receive by sequence number gets it again. */
  defer(queue: string, lockToken: string, propertiesToModify?: ApplicationProperties): void {
    const m = this.#unlock(queue, lockToken);
    if (propertiesToModify) Object.assign(m.applicationProperties, propertiesToModify);
    m.state = 'deferred';
    this.#q(queue).deferred.set(m.sequenceNumber, m);
    this.#changed(queue, false);
  }

  /** Moves a received message to the dead-letter sub-queue with a reason. */
  deadLetter(queue: string, lockToken: string, reason = 'DeadLetteredByReceiver', description?: string, propertiesToModify?: ApplicationProperties): void {
    const m = this.#unlock(queue, lockToken);
    if (propertiesToModify) Object.assign(m.applicationProperties, propertiesToModify);
    this.#toDeadLetter(queue, m, reason, description);
    this.#changed(queue, false);
  }

  #toDeadLetter(queue: string, m: StoredMessage, reason: string, description?: string): void {
    const dlq = queue.endsWith(DEAD_LETTER_SUFFIX) ? undefined : this.#queues.get(queue + DEAD_LETTER_SUFFIX);
    if (!dlq) return; // a dead letter's own expiry: dropped
    const props: ApplicationProperties = { ...m.applicationProperties, DeadLetterReason: reason };
    if (description !== undefined) props.DeadLetterErrorDescription = description;
    const moved: StoredMessage = {
      ...m,
      applicationProperties: props,
      amqp: { ...m.amqp, application_properties: props },
      state: 'active',
      lockToken: undefined,
      lockedUntilUtc: undefined,
    };
    dlq.active.push(moved);
    this.#changed(queue + DEAD_LETTER_SUFFIX, true);
  }

  /** The queue's dead letters (oldest first), with reason and description. */
  deadLetters(queue: string): DeadLetteredMessage[] {
    const dlq = this.#q(queue + DEAD_LETTER_SUFFIX);
    return [...dlq.active, ...[...dlq.locked.values()].map((e) => e.message)].map((m) => ({
      ...m,
      deadLetterReason: String(m.applicationProperties.DeadLetterReason),
      deadLetterErrorDescription: m.applicationProperties.DeadLetterErrorDescription as string | undefined,
    }));
  }

  /** Messages not yet settled (active, locked, delayed, scheduled, deferred), by sequence number. */
  peek(queue: string): StoredMessage[] {
    const q = this.#q(queue);
    return [
      ...q.active,
      ...[...q.locked.values()].map((e) => e.message),
      ...q.delayed.keys(),
      ...[...q.scheduled.values()].map((e) => e.message),
      ...q.deferred.values(),
    ].sort((a, b) => a.sequenceNumber - b.sequenceNumber);
  }

  /** Up to `count` unsettled messages from a sequence number on (the management peek). */
  peekFrom(queue: string, fromSequenceNumber: number, count: number): StoredMessage[] {
    return this.peek(queue)
      .filter((m) => m.sequenceNumber >= fromSequenceNumber)
      .slice(0, count);
  }

  counts(queue: string): QueueCounts {
    const q = this.#q(queue);
    const dlq = this.#queues.get(queue + DEAD_LETTER_SUFFIX);
    return {
      active: q.active.length,
      locked: q.locked.size,
      delayed: q.delayed.size,
      scheduled: q.scheduled.size,
      deferred: q.deferred.size,
      deadLettered: dlq ? dlq.active.length + dlq.locked.size : 0,
    };
  }

  queueNames(): string[] {
    return [...this.#queues.keys()].filter((n) => !n.endsWith(DEAD_LETTER_SUFFIX));
  }

  #busy(options: WaitForIdleOptions): string | undefined {
    const now = Date.now();
    const within = options.scheduledWithinMs ?? 0;
    for (const name of this.queueNames()) {
      if (options.queues && !options.queues.includes(name)) continue;
      const q = this.#q(name);
      if (q.active.length > 0 || q.locked.size > 0 || q.delayed.size > 0) return name;
      if (within > 0) for (const { message } of q.scheduled.values()) if ((message.scheduledEnqueueTimeUtc?.getTime() ?? 0) <= now + within) return name;
    }
    return undefined;
  }

  /**
   * Resolves once no queue has a visible, locked or redelivery-delayed message (scheduled ones
   * count only when due within scheduledWithinMs); rejects after timeoutMs naming what is pending.
   * A message a receiver holds is locked until the receiver settles it, so "idle" means every
   * handler has finished and its settlement has reached the broker.
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
        reject(new Error(`The Service Bus stand-in's queues did not become idle within ${timeoutMs} ms${detail}.`));
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

  /** Drops every message and timer; the queues stay declared. */
  clear(): void {
    for (const q of this.#queues.values()) {
      for (const e of q.locked.values()) clearTimeout(e.timer);
      for (const t of q.delayed.values()) clearTimeout(t);
      for (const e of q.scheduled.values()) clearTimeout(e.timer);
      q.active = [];
      q.locked.clear();
      q.delayed.clear();
      q.scheduled.clear();
      q.deferred.clear();
      q.seen.clear();
    }
    for (const w of [...this.#changeWaiters]) w();
  }
}

function lockLost(queue: string, lockToken: string): StoreError {
  return new StoreError('com.microsoft:message-lock-lost', `The lock ${lockToken} on '${queue}' is not held (settled already or expired).`);
}
