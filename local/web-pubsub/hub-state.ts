/**
 * The in-memory state of the Web PubSub stand-in: connections, groups, users, and for each
 * reliable connection its unacknowledged messages. Written by hand because no library implements
 * the Azure Web PubSub service side; the protocol it follows is the documented
 * `json.webpubsub.azure.v1` / `json.reliable.webpubsub.azure.v1` subprotocols.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { Flusher, OutboundMessage, type Writable } from './outbound';

/** Azure closes a connection holding more than this many unacknowledged messages, or bytes. */
export const MAX_UNACKED_MESSAGES = 1_000;
export const MAX_UNACKED_BYTES = 16 * 1024 * 1024;
/** WebSocket close code the client treats as "do not recover, start afresh". */
export const CLOSE_POLICY = 1008;

export type DataType = 'json' | 'text' | 'binary';

export interface OutboundData {
  dataType: DataType;
  /** json: any JSON value; text: a string; binary: base64. */
  data: unknown;
}

interface Pending {
  seq: number;
  /** Shared with every connection that got this message under this sequence id. */
  frame: Buffer;
}

export class Connection implements Writable {
  readonly id = randomUUID().replace(/-/g, '');
  readonly reconnectionToken = randomBytes(24).toString('base64url');
  readonly groups = new Set<string>();
  #socket: WebSocket | undefined;
  readonly outbox: Buffer[] = [];
  private nextSeq = 0;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private readonly ackIds = new Set<number>();
  /** Drops the connection when the recovery window ends without a reconnection. */
  dropTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly hub: string,
    readonly userId: string | undefined,
    readonly roles: ReadonlySet<string>,
    readonly reliable: boolean,
    private readonly onLimit: (c: Connection) => void,
    private readonly flusher: Flusher,
  ) {}

  get socket(): WebSocket | undefined {
    return this.#socket;
  }

  /** A new socket (or none): frames queued for the old one are dropped (a recovery replays them). */
  set socket(ws: WebSocket | undefined) {
    this.#socket = ws;
    this.outbox.length = 0;
  }

  /** Sends a message frame; reliable connections number it and keep it until acknowledged. */
  deliver(message: OutboundMessage): void {
    if (!this.reliable) {
      this.write(message.plain());
      return;
    }
    const seq = ++this.nextSeq;
    const frame = message.numbered(seq);
    this.pending.push({ seq, frame });
    this.pendingBytes += frame.length;
    if (this.pending.length > MAX_UNACKED_MESSAGES || this.pendingBytes > MAX_UNACKED_BYTES) {
      this.onLimit(this);
      return;
    }
    this.write(frame);
  }

  /** A frame that is not numbered (system messages, acks, pongs). */
  control(message: Record<string, unknown>): void {
    this.write(Buffer.from(JSON.stringify(message)));
  }

  /** Writes what is queued now (before the socket is closed, so it goes out first). */
  flush(): void {
    Flusher.flush(this);
  }

  /** sequenceAck: everything up to and including `seq` is received. */
  acknowledge(seq: number): void {
    let i = 0;
    while (i < this.pending.length && (this.pending[i]?.seq ?? Infinity) <= seq) {
      this.pendingBytes -= this.pending[i]?.frame.length ?? 0;
      i++;
    }
    if (i > 0) this.pending.splice(0, i);
  }

  /** Re-sends every unacknowledged frame, in order (after a recovery). */
  replay(): void {
    for (const p of this.pending) this.write(p.frame);
  }

  get unacknowledged(): number {
    return this.pending.length;
  }

  /** Records an ackId; false when it was seen before (the service answers Duplicate). */
  firstAck(ackId: number): boolean {
    if (this.ackIds.has(ackId)) return false;
    this.ackIds.add(ackId);
    // Bounded: a long-lived connection must not grow without end.
    if (this.ackIds.size > 10_000) {
      const first = this.ackIds.values().next();
      if (!first.done) this.ackIds.delete(first.value);
    }
    return true;
  }

  private write(frame: Buffer): void {
    const s = this.#socket;
    if (s && s.readyState === s.OPEN) this.flusher.write(this, frame);
  }
}

export class HubState {
  readonly connections = new Map<string, Connection>();
  /** Group memberships of users: apply to the user's current and future connections. */
  private readonly userGroups = new Map<string, Set<string>>();
  private readonly flusher = new Flusher();

  constructor(private readonly onLimit: (c: Connection) => void) {}

  open(hub: string, userId: string | undefined, roles: ReadonlySet<string>, groups: readonly string[], reliable: boolean): Connection {
    const c = new Connection(hub, userId, roles, reliable, this.onLimit, this.flusher);
    this.connections.set(c.id, c);
    for (const g of groups) c.groups.add(g);
    if (userId) for (const g of this.userGroups.get(`${hub}\n${userId}`) ?? []) c.groups.add(g);
    return c;
  }

  remove(c: Connection): void {
    if (c.dropTimer) clearTimeout(c.dropTimer);
    this.connections.delete(c.id);
  }

  of(hub: string, filter: (c: Connection) => boolean = () => true): Connection[] {
    const out: Connection[] = [];
    for (const c of this.connections.values()) if (c.hub === hub && filter(c)) out.push(c);
    return out;
  }

  get(hub: string, id: string): Connection | undefined {
    const c = this.connections.get(id);
    return c && c.hub === hub ? c : undefined;
  }

  addUserToGroup(hub: string, userId: string, group: string): void {
    const key = `${hub}\n${userId}`;
    let set = this.userGroups.get(key);
    if (!set) this.userGroups.set(key, (set = new Set()));
    set.add(group);
    for (const c of this.of(hub, (x) => x.userId === userId)) c.groups.add(group);
  }

  removeUserFromGroup(hub: string, userId: string, group: string | undefined): void {
    const key = `${hub}\n${userId}`;
    if (group === undefined) this.userGroups.delete(key);
    else this.userGroups.get(key)?.delete(group);
    for (const c of this.of(hub, (x) => x.userId === userId)) {
      if (group === undefined) c.groups.clear();
      else c.groups.delete(group);
    }
  }
}

/** May this connection join/leave (or send to) the group? Roles as Azure defines them. */
export function hasRole(c: Connection, action: 'joinLeaveGroup' | 'sendToGroup', group: string): boolean {
  return c.roles.has(`webpubsub.${action}`) || c.roles.has(`webpubsub.${action}.${group}`);
}
