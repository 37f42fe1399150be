/**
 * A local AMQP 1.0 stand-in for Azure Service Bus, on rhea, so the real `@azure/service-bus`
 * client runs against it unchanged (loopback only). It speaks what the SDK uses:
 *   - SASL ANONYMOUS, and the EXTERNAL / MSSBCBS mechanisms the SDK may offer (or no SASL at all,
 *     as the SDK over plain TCP with UseDevelopmentEmulator=true does); authorization is by CBS:
 *   - `$cbs` put-token: the SAS token's signature is checked against the namespace key and its
 *     expiry honoured (401 / 400 status on the reply otherwise); every link to a queue needs a
 *     valid token for the queue or the namespace, or it is detached with unauthorized-access;
 *   - sender links per queue: single messages and batches (format 0x80013700, one encoded message
 *     per data section), duplicate detection, x-opt-scheduled-enqueue-time;
 *   - receiver links in peek-lock: delivery count (the AMQP header counts earlier deliveries),
 *     lock token = delivery tag, x-opt-locked-until / sequence number / enqueued time annotations,
 *     complete (accepted), abandon (modified), defer (modified, undeliverable-here), dead-letter
 *     (rejected with com.microsoft:dead-letter and the reason in its info), `$DeadLetterQueue`;
 *   - `<queue>/$management`: schedule-message, cancel-scheduled-message, renew-lock, peek-message,
 *     update-disposition.
 * The queues come from the store (their declaration); the state is in this process.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  create_container,
  message as amqpMessage,
  string_to_uuid,
  types as amqpTypes,
  uuid_to_string,
  type Connection,
  type Delivery,
  type EventContext,
  type Message,
  type Receiver,
  type Sender,
} from 'rhea';
import { DEAD_LETTER_SUFFIX, ServiceBusStore, StoreError, type StoredMessage, type StoreOptions } from './store';

export const BATCH_MESSAGE_FORMAT = 0x80013700;
export const MAX_MESSAGE_BYTES = 256 * 1024;

export interface ServiceBusStandInOptions extends StoreOptions {
  /** 0 picks a free port (default). */
  port?: number;
  /** The namespace key's name and key (defaults: RootManageSharedAccessKey and a fixed local key). */
  keyName?: string;
  key?: string;
}

export interface ServiceBusStandIn {
  /** `Endpoint=sb://127.0.0.1:PORT;SharedAccessKeyName=…;SharedAccessKey=…;UseDevelopmentEmulator=true` */
  connectionString: string;
  port: number;
  store: ServiceBusStore;
  /** Cuts every client connection (tests of the SDK's reconnect). */
  dropConnections(): void;
  stop(): Promise<void>;
}

/** A development-only key (not a secret: the stand-in only ever listens on loopback). */
export const STAND_IN_KEY = 'local-service-bus-stand-in-key';
export const STAND_IN_KEY_NAME = 'RootManageSharedAccessKey';

interface ConnectionState {
  /** audience (lower case, no trailing slash) -> token expiry (ms). */
  claims: Map<string, number>;
  /** reply-to address -> the link replies go out on. */
  replyLinks: Map<string, Sender>;
}

/** Reverses the first three GUID groups (.NET byte order), as the SDK does with lock tokens. */
function reorderGuidBytes(b: Buffer): Buffer {
  return Buffer.from([b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], ...b.subarray(8)] as number[]);
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (Buffer.isBuffer(v) && v.length === 8) return Number(v.readBigInt64BE());
  if (typeof v === 'bigint') return Number(v);
  return Number.NaN;
}

function lockTokenOf(v: unknown): string {
  return Buffer.isBuffer(v) ? uuid_to_string(v) : String(v);
}

/** Parses `SharedAccessSignature sr=…&sig=…&se=…&skn=…`. */
function parseSasToken(token: string): Record<string, string> | undefined {
  const m = /^SharedAccessSignature\s+(.+)$/.exec(token.trim());
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const part of (m[1] as string).split('&')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

/** rhea's outcome constructors (present at runtime, absent from its typings). */
interface Outcome {
  described(): unknown;
}
const outcomes = amqpMessage as unknown as {
  accepted(): Outcome;
  rejected(fields: { error?: { condition: string; description: string } }): Outcome;
  modified(fields: { undeliverable_here?: boolean }): Outcome;
};

interface Terminus {
  address?: string;
}
/** The peer's attach (rhea keeps it on the link; its typings do not show it). */
function remoteAttach(link: Sender | Receiver): { source?: Terminus; target?: Terminus } {
  return (link as unknown as { remote: { attach?: { source?: Terminus; target?: Terminus } } }).remote.attach ?? {};
}

const normalizeAudience = (a: string): string => a.trim().toLowerCase().replace(/\/+$/, '');

export async function startServiceBusStandIn(options: ServiceBusStandInOptions = {}): Promise<ServiceBusStandIn> {
  const store = new ServiceBusStore(options);
  const keyName = options.keyName ?? STAND_IN_KEY_NAME;
  const key = options.key ?? STAND_IN_KEY;
  const container = create_container({ id: 'eva-service-bus-stand-in', treat_modified_as_released: false });
  const mechanisms = container.sasl_server_mechanisms as unknown as Record<string, () => { outcome?: boolean; start(): void }>;
  (container.sasl_server_mechanisms as { enable_anonymous(): void }).enable_anonymous();
  // The SDK offers MSSBCBS (or EXTERNAL): "authorization comes later, through $cbs".
  const cbsMechanism = (): { outcome?: boolean; username: string; start(): void } => ({
    outcome: undefined,
    username: 'cbs',
    start() {
      this.outcome = true;
    },
  });
  mechanisms.MSSBCBS = cbsMechanism;
  mechanisms.EXTERNAL = cbsMechanism;

  const states = new WeakMap<Connection, ConnectionState>();
  const stateOf = (c: Connection): ConnectionState => {
    let s = states.get(c);
    if (!s) states.set(c, (s = { claims: new Map(), replyLinks: new Map() }));
    return s;
  };
  /** queue -> the links receiving from it, served round robin. */
  const consumers = new Map<string, Set<Sender>>();
  /** sender link -> lock tokens it holds (released when the link goes away). */
  const held = new Map<Sender, Map<string, string>>();
  const sockets = new Set<Socket>();
  let endpointHost = '127.0.0.1';

  const authorized = (c: Connection, entity: string): boolean => {
    const claims = stateOf(c).claims;
    const now = Date.now();
    const queue = entity.replace(/\/\$management$/i, '').replace(/\/\$deadletterqueue$/i, '');
    for (const [audience, expiresAt] of claims) {
      if (expiresAt <= now) continue;
      const path = audience.replace(/^(sb|amqps?):\/\/[^/]+/, '').replace(/\/\$management$/, '');
      if (path === '' || path === '/' + queue.toLowerCase()) return true;
    }
    return false;
  };

  const checkToken = (token: string, audience: string): { status: number; description: string; expiresAt?: number } => {
    const parts = parseSasToken(token);
    if (!parts || !parts.sr || !parts.sig || !parts.se) return { status: 401, description: 'InvalidSignature: the token is not a SharedAccessSignature.' };
    if (decodeURIComponent(parts.skn ?? '') !== keyName) return { status: 401, description: `InvalidSignature: unknown key name '${parts.skn ?? ''}'.` };
    const expected = createHmac('sha256', key).update(`${parts.sr}\n${parts.se}`).digest();
    const got = Buffer.from(decodeURIComponent(parts.sig), 'base64');
    if (got.length !== expected.length || !timingSafeEqual(got, expected))
      return { status: 401, description: 'InvalidSignature: the token has an invalid signature.' };
    const expiresAt = Number(parts.se) * 1000;
    if (!Number.isFinite(expiresAt) || expiresAt <= Date.now()) return { status: 401, description: 'ExpiredToken: the token has expired.' };
    if (normalizeAudience(decodeURIComponent(parts.sr)) !== normalizeAudience(audience)) {
      return { status: 401, description: 'InvalidAudience: the token was not issued for this audience.' };
    }
    return { status: 202, description: 'Accepted', expiresAt };
  };

  const reply = (ctx: EventContext, request: Message, status: number, description: string, body?: unknown): void => {
    const to = request.reply_to;
    const link = to ? stateOf(ctx.connection).replyLinks.get(to) : undefined;
    if (!link) return;
    link.send({
      correlation_id: request.message_id,
      application_properties: { statusCode: status, 'status-code': status, 'status-description': description, statusDescription: description },
      body: body ?? null,
    });
  };

  /** The message a receiver gets: as sent, with the broker's annotations. */
  const deliveryMessage = (m: StoredMessage, locked: boolean): Message => ({
    ...m.amqp,
    delivery_count: Math.max(0, m.deliveryCount - 1),
    message_annotations: {
      ...((m.amqp.message_annotations ?? {}) as Record<string, unknown>),
      'x-opt-sequence-number': amqpTypes.wrap_long(m.sequenceNumber),
      'x-opt-enqueued-time': m.enqueuedTimeUtc,
      ...(locked && m.lockedUntilUtc ? { 'x-opt-locked-until': m.lockedUntilUtc } : {}),
      ...(m.state === 'deferred' ? { 'x-opt-message-state': 1 } : m.state === 'scheduled' ? { 'x-opt-message-state': 2 } : {}),
    },
  });

  // rhea spends a link's credit when it writes a transfer, not when send() queues it: count the
  // queued ones too, or a burst would overshoot the receiver's credit (its maxConcurrentCalls).
  const sent = new Map<Sender, number>();
  const unwrittenCredit = (link: Sender): number => {
    const l = link as unknown as { credit: number; delivery_count: number };
    return l.credit - ((sent.get(link) ?? 0) - l.delivery_count);
  };

  const pump = (queue: string): void => {
    const links = consumers.get(queue);
    if (!links) return;
    let progress = true;
    while (progress) {
      progress = false;
      for (const link of links) {
        if (!link.sendable() || unwrittenCredit(link) <= 0) continue;
        const [m] = store.receive(queue, 1);
        if (!m) return;
        const token = m.lockToken as string;
        held.get(link)?.set(token, queue);
        link.send(deliveryMessage(m, true), reorderGuidBytes(string_to_uuid(token)));
        sent.set(link, (sent.get(link) ?? 0) + 1);
        progress = true;
      }
    }
  };
  store.onAvailable((queue) => pump(queue));

  const releaseLink = (link: Sender): void => {
    const tokens = held.get(link);
    held.delete(link);
    sent.delete(link);
    for (const set of consumers.values()) set.delete(link);
    // Unsettled messages of a detached link are visible again at once (their delivery counted).
    for (const [token, queue] of tokens ?? []) if (store.isLocked(queue, token)) store.abandon(queue, token);
  };

  /**
   * A peek-lock receiver attaches with rcv-settle-mode "second": it sends its outcome unsettled,
   * the broker settles, and the receiver then settles on its side without another frame. rhea
   * keeps an outgoing delivery in the session's window (2,048 entries, freed in order) until the
   * peer's settlement arrives, so without this every session stalled for good after 2,048
   * deliveries. The outcome received is the receiver's last word: forget the delivery.
   */
  const forget = (delivery: Delivery): void => {
    (delivery as unknown as { remote_settled: boolean }).remote_settled = true;
  };

  const settle = (ctx: EventContext, outcome: 'complete' | 'abandon' | 'defer' | 'deadLetter'): void => {
    const delivery = ctx.delivery as Delivery;
    const link = ctx.sender as Sender;
    const token = uuid_to_string(reorderGuidBytes(Buffer.from(delivery.tag as Buffer)));
    const queue = held.get(link)?.get(token);
    held.get(link)?.delete(token);
    const state = delivery.remote_state as { error?: { info?: Record<string, unknown> }; message_annotations?: Record<string, unknown> } | undefined;
    try {
      if (!queue) throw new StoreError('com.microsoft:message-lock-lost', 'The lock supplied is invalid.');
      if (outcome === 'complete') store.complete(queue, token);
      else if (outcome === 'abandon') store.abandon(queue, token, state?.message_annotations);
      else if (outcome === 'defer') store.defer(queue, token, state?.message_annotations);
      else {
        const info = state?.error?.info ?? {};
        const { DeadLetterReason, DeadLetterErrorDescription, ...rest } = info;
        store.deadLetter(
          queue,
          token,
          typeof DeadLetterReason === 'string' ? DeadLetterReason : undefined,
          typeof DeadLetterErrorDescription === 'string' ? DeadLetterErrorDescription : undefined,
          rest,
        );
      }
      const done =
        outcome === 'complete'
          ? outcomes.accepted()
          : outcome === 'deadLetter'
            ? outcomes.rejected({})
            : outcomes.modified({ undeliverable_here: outcome === 'defer' });
      delivery.update(true, done.described());
    } catch (err) {
      const e = err instanceof StoreError ? err : new StoreError('com.microsoft:message-lock-lost', String(err));
      delivery.update(true, outcomes.rejected({ error: { condition: e.condition, description: e.message } }).described());
    }
    forget(delivery);
    pump(queue ?? '');
  };

  const management = (ctx: EventContext, entity: string, request: Message): void => {
    const queue = store.resolve(entity);
    const props = (request.application_properties ?? {}) as Record<string, unknown>;
    const operation = String(props.operation);
    if (!queue) return reply(ctx, request, 404, `The messaging entity '${entity}' could not be found.`);
    if (!authorized(ctx.connection, queue)) return reply(ctx, request, 401, 'Unauthorized: put a token on $cbs first.');
    const body = (request.body ?? {}) as Record<string, unknown>;
    try {
      switch (operation) {
        case 'com.microsoft:schedule-message': {
          const entries = (body.messages ?? []) as Array<Record<string, unknown>>;
          const numbers = entries.map((e) => {
            const decoded = amqpMessage.decode(e.message as Buffer);
            return store.enqueue(queue, decoded as unknown as Message) ?? 0;
          });
          return reply(ctx, request, 200, 'OK', { 'sequence-numbers': numbers });
        }
        case 'com.microsoft:cancel-scheduled-message': {
          for (const n of (body['sequence-numbers'] ?? []) as unknown[]) store.cancelScheduled(queue, toNumber(n));
          return reply(ctx, request, 200, 'OK', {});
        }
        case 'com.microsoft:renew-lock': {
          const expirations = ((body['lock-tokens'] ?? []) as unknown[]).map((t) => store.renewLock(queue, lockTokenOf(t)));
          return reply(ctx, request, 200, 'OK', { expirations });
        }
        case 'com.microsoft:peek-message': {
          const from = toNumber(body['from-sequence-number']);
          const count = toNumber(body['message-count']);
          const found = store.peekFrom(queue, Number.isFinite(from) ? from : 0, Number.isFinite(count) ? count : 1);
          if (found.length === 0) return reply(ctx, request, 204, 'No messages');
          return reply(ctx, request, 200, 'OK', { messages: found.map((m) => ({ message: amqpMessage.encode(deliveryMessage(m, false)) })) });
        }
        case 'com.microsoft:update-disposition': {
          const status = String(body['disposition-status']);
          for (const t of (body['lock-tokens'] ?? []) as unknown[]) {
            const token = lockTokenOf(t);
            const modify = body['properties-to-modify'] as Record<string, unknown> | undefined;
            if (status === 'completed') store.complete(queue, token);
            else if (status === 'abandoned') store.abandon(queue, token, modify);
            else if (status === 'defered') store.defer(queue, token, modify);
            else if (status === 'suspended') {
              store.deadLetter(queue, token, body['deadletter-reason'] as string | undefined, body['deadletter-description'] as string | undefined, modify);
            } else return reply(ctx, request, 400, `Unknown disposition status '${status}'.`);
            for (const map of held.values()) map.delete(token);
          }
          return reply(ctx, request, 200, 'OK', {});
        }
        default:
          return reply(ctx, request, 501, `The operation '${operation}' is not supported by the local stand-in.`);
      }
    } catch (err) {
      if (err instanceof StoreError) {
        const status = err.condition === 'com.microsoft:message-lock-lost' ? 410 : 404;
        return reply(ctx, request, status, err.message);
      }
      return reply(ctx, request, 500, err instanceof Error ? err.message : String(err));
    }
  };

  container.on('receiver_open', (ctx: EventContext) => {
    const link = ctx.receiver as Receiver;
    const address = String(remoteAttach(link).target?.address ?? '');
    link.set_target({ address });
    // What the SDK sizes its batches by (a Standard-tier namespace's 256 KiB).
    (link as unknown as { local: { attach: { max_message_size: number } } }).local.attach.max_message_size = MAX_MESSAGE_BYTES;
    if (address === '$cbs' || /\/\$management$/i.test(address) || address === '$management') return;
    const queue = store.resolve(address);
    if (!queue) return void link.close({ condition: 'amqp:not-found', description: `The messaging entity '${address}' could not be found.` });
    if (!authorized(ctx.connection, queue)) {
      return void link.close({ condition: 'amqp:unauthorized-access', description: `Unauthorized access to '${queue}': put a valid token on $cbs first.` });
    }
  });

  container.on('sender_open', (ctx: EventContext) => {
    const link = ctx.sender as Sender;
    const source = String(remoteAttach(link).source?.address ?? '');
    const target = remoteAttach(link).target?.address;
    link.set_source({ address: source });
    if (source === '$cbs' || /\/?\$management$/i.test(source)) {
      if (target) stateOf(ctx.connection).replyLinks.set(target, link);
      stateOf(ctx.connection).replyLinks.set(link.name, link);
      return;
    }
    const queue = store.resolve(source);
    if (!queue) return void link.close({ condition: 'amqp:not-found', description: `The messaging entity '${source}' could not be found.` });
    if (!authorized(ctx.connection, queue.replace(DEAD_LETTER_SUFFIX, ''))) {
      return void link.close({ condition: 'amqp:unauthorized-access', description: `Unauthorized access to '${queue}': put a valid token on $cbs first.` });
    }
    let set = consumers.get(queue);
    if (!set) consumers.set(queue, (set = new Set()));
    set.add(link);
    held.set(link, new Map());
  });

  container.on('sendable', (ctx: EventContext) => {
    const link = ctx.sender as Sender;
    for (const [queue, set] of consumers) if (set.has(link)) pump(queue);
  });
  // A drain (the SDK's receiveMessages at the end of its wait): send what there is, then give the
  // rest of the credit back, so the receiver knows the queue is empty now.
  container.on('sender_draining', (ctx: EventContext) => {
    const link = ctx.sender as Sender;
    for (const [queue, set] of consumers) if (set.has(link)) pump(queue);
    link.set_drained(true);
  });
  container.on('accepted', (ctx: EventContext) => {
    if (held.has(ctx.sender as Sender)) settle(ctx, 'complete');
  });
  container.on('modified', (ctx: EventContext) => {
    if (!held.has(ctx.sender as Sender)) return;
    const state = (ctx.delivery as Delivery).remote_state as { undeliverable_here?: boolean } | undefined;
    settle(ctx, state?.undeliverable_here ? 'defer' : 'abandon');
  });
  container.on('released', (ctx: EventContext) => {
    if (held.has(ctx.sender as Sender)) settle(ctx, 'abandon');
  });
  container.on('rejected', (ctx: EventContext) => {
    if (held.has(ctx.sender as Sender)) settle(ctx, 'deadLetter');
  });

  container.on('message', (ctx: EventContext) => {
    const link = ctx.receiver as Receiver;
    const address = String(remoteAttach(link).target?.address ?? '');
    const request = ctx.message as Message;
    if (address === '$cbs') {
      const props = (request.application_properties ?? {}) as Record<string, unknown>;
      if (props.operation !== 'put-token') return reply(ctx, request, 400, 'Only put-token is supported.');
      const audience = String(props.name);
      const result = checkToken(String(request.body as string), audience);
      if (result.expiresAt !== undefined) stateOf(ctx.connection).claims.set(normalizeAudience(audience), result.expiresAt);
      return reply(ctx, request, result.status, result.description);
    }
    if (/\$management$/i.test(address)) return management(ctx, address.replace(/\/?\$management$/i, ''), request);

    const queue = store.resolve(address);
    const delivery = ctx.delivery as Delivery;
    if (!queue || !authorized(ctx.connection, queue)) {
      delivery.update(true, outcomes.rejected({ error: { condition: 'amqp:unauthorized-access', description: 'Unauthorized.' } }).described());
      return;
    }
    if (delivery.format === BATCH_MESSAGE_FORMAT) {
      // A batch: one encoded message per data section.
      const batch = amqpMessage.decode(request as unknown as Buffer);
      const body = batch.body as { content: Buffer | Buffer[]; multiple?: boolean } | undefined;
      const parts = body === undefined ? [] : body.multiple ? (body.content as Buffer[]) : [body.content as Buffer];
      for (const p of parts) store.enqueue(queue, amqpMessage.decode(p) as unknown as Message);
    } else {
      store.enqueue(queue, request);
    }
  });

  const closeLink = (ctx: EventContext): void => {
    if (ctx.sender) releaseLink(ctx.sender);
  };
  container.on('sender_close', closeLink);
  container.on('sender_error', closeLink);
  container.on('disconnected', (ctx: EventContext) => {
    for (const link of [...held.keys()]) if (link.connection === ctx.connection) releaseLink(link);
  });
  container.on('connection_close', (ctx: EventContext) => {
    for (const link of [...held.keys()]) if (link.connection === ctx.connection) releaseLink(link);
  });
  // A client's error is the client's business; the stand-in keeps serving the others.
  container.on('error', () => undefined);
  container.on('connection_error', () => undefined);

  const server = container.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => {
      sockets.delete(s);
      // rhea reports no disconnect for a socket that was cut: release its links' messages here.
      for (const link of [...held.keys()]) if ((link.connection as unknown as { socket?: Socket }).socket === s) releaseLink(link);
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  endpointHost = `127.0.0.1:${port}`;

  return {
    connectionString: `Endpoint=sb://${endpointHost};SharedAccessKeyName=${keyName};SharedAccessKey=${key};UseDevelopmentEmulator=true`,
    port,
    store,
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.clear();
    },
  };
}
